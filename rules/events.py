"""Events with a lifecycle: a bow starts, peaks and ends; an arrival happens; a greeting is
made or missed. Typed values per kind, never bare dicts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from etiquette.rules.event_base import EventBase, PersonRole, Phase, Values
from etiquette.rules.visit_events import ProcessVerdict, VisitEvent, VisitEventType

__all__ = ["EventBase", "PersonRole", "Phase", "ProcessVerdict", "Values"]


class BowVerdict(StrEnum):
    TO_STANDARD = "to_standard"
    TOO_SHALLOW = "too_shallow"
    TOO_DEEP = "too_deep"
    RUSHED = "rushed"
    CANCELLED = "cancelled"  # started, then turned out to be walking, stooping or a long lean
    UNFINISHED = "unfinished"  # the recording ended mid-bow


# The verdicts of a bow that was made; cancelled and unfinished are not bows made.
FINISHED_BOW_VERDICTS = frozenset(
    {BowVerdict.TO_STANDARD, BowVerdict.TOO_SHALLOW, BowVerdict.TOO_DEEP, BowVerdict.RUSHED}
)


class GreetingVerdict(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # started after greeting.on_time_s


class PostureVerdict(StrEnum):
    OFF_STANDARD = "off_standard"


class BowValues(Values):
    peak_deg: float = Field(
        description="Deepest forward trunk pitch over the stance held just before the bow."
    )
    time_to_peak_s: float
    hold_s: float = Field(description="Time spent within 2 degrees of the peak.")
    duration_s: float
    reference: str = Field(
        description="The best upright at hand when the bow was judged (the depth itself is "
        "over the stance held just before): gravity, person_baseline, scene_baseline or "
        "camera_axis."
    )
    view: Literal["full_body", "upper_body"] = Field(
        "full_body",
        description="full_body: shoulders and hips seen; upper_body: the hips out of the "
        "picture or hidden (a counter camera), the depth less certain.",
    )
    uncertainty_deg: float = Field(
        3.0, description="How far the measured depth may be off, for this view (degrees)."
    )


class GestureValues(Values):
    hand: Literal["left", "right"]
    sweep: float = Field(
        description="How far the hand moved out from the chin, in shoulder widths."
    )
    fingers_together_share: float = Field(
        description="Share of frames with the fingers together and straight."
    )
    duration_s: float


class PostureValues(Values):
    off_s: float = Field(description="How long the posture was off standard.")
    reasons: list[str] = Field(
        description="What was off: leaning, shoulders_not_level, head_down, arms_crossed, "
        "hands_behind_back, hands_not_in_place, feet_apart."
    )
    post: str | None


class ArrivalValues(Values):
    first_of_day: bool = Field(description="The first customer of the day (the opening welcome).")
    floor: tuple[float, float] = Field(description="Where the customer was when arriving (metres).")


class PromptValues(Values):
    text: str
    customers: int


class GreetingValues(Values):
    latency_s: float = Field(description="From the (first) arrival to the start of the greeting.")
    by_track: int
    bow_deg: float | None = None
    bow_verdict: BowVerdict | None = None
    gesture: bool = False
    customers: int = 1
    customer_tracks: list[int] = Field(
        default_factory=list,
        description="The greeted customers' tracks (empty in greetings stored before it existed).",
    )


class MissedValues(Values):
    customers: int
    staff_present: bool = Field(description="Whether a staff member was at the door post.")


DoorEventType = Literal[
    "bow",
    "welcome_gesture",
    "guiding_gesture",
    "posture",
    "customer_arrived",
    "greeting_prompt",
    "greeting",
    "greeting_missed",
]
EventType = Literal[DoorEventType, VisitEventType]
AnyValues = (
    BowValues
    | GestureValues
    | PostureValues
    | ArrivalValues
    | PromptValues
    | GreetingValues
    | MissedValues
)


class BowEvent(EventBase):
    """A bow: starts, peaks (update) and ends with its verdict."""

    type: Literal["bow"] = "bow"
    values: BowValues
    verdict: BowVerdict | None = Field(None, description="Set when the bow has ended.")


class GestureEvent(EventBase):
    """A welcome or guiding gesture, reported when it ends."""

    type: Literal["welcome_gesture", "guiding_gesture"]
    values: GestureValues
    verdict: None = None


class PostureEvent(EventBase):
    """A standing-posture lapse of a staff member at a post, reported when it ends."""

    type: Literal["posture"] = "posture"
    values: PostureValues
    verdict: PostureVerdict = PostureVerdict.OFF_STANDARD


class ArrivalEvent(EventBase):
    """A customer came within the arrival distance of the door."""

    type: Literal["customer_arrived"] = "customer_arrived"
    values: ArrivalValues
    verdict: None = None


class PromptEvent(EventBase):
    """The greeting prompt spoken into the earpieces."""

    type: Literal["greeting_prompt"] = "greeting_prompt"
    values: PromptValues
    verdict: None = None


class GreetingEvent(EventBase):
    """A staff member at the door post greeted arriving customers."""

    type: Literal["greeting"] = "greeting"
    values: GreetingValues
    verdict: GreetingVerdict | None = Field(
        None, description="Absent in greetings stored before they were timed: counted on time."
    )


class MissedEvent(EventBase):
    """Arriving customers that nobody greeted within the window."""

    type: Literal["greeting_missed"] = "greeting_missed"
    values: MissedValues
    verdict: None = None


Event = Annotated[
    BowEvent
    | GestureEvent
    | PostureEvent
    | ArrivalEvent
    | PromptEvent
    | GreetingEvent
    | MissedEvent
    | VisitEvent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: object) -> Event:
    """An event from its JSON object (or dict), its kind chosen by ``type``."""
    return EVENT_ADAPTER.validate_python(data)
