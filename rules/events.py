"""Events with a lifecycle: a bow starts, peaks and ends; an arrival happens; a greeting is
made or missed. Typed values per kind, never bare dicts."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The verdicts of a bow that was made; "cancelled" (walking, stooping, a hug) and
# "unfinished" (the recording ended mid-bow) are not bows made.
FINISHED_BOW_VERDICTS = frozenset({"to_standard", "too_shallow", "too_deep", "rushed"})


class Phase(StrEnum):
    START = "start"
    UPDATE = "update"
    END = "end"


class Values(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    bow_verdict: str | None = None
    gesture: bool = False
    customers: int = 1


class MissedValues(Values):
    customers: int
    staff_present: bool = Field(description="Whether a staff member was at the door post.")


EventType = Literal[
    "bow",
    "welcome_gesture",
    "guiding_gesture",
    "posture",
    "customer_arrived",
    "greeting_prompt",
    "greeting",
    "greeting_missed",
]
AnyValues = (
    BowValues
    | GestureValues
    | PostureValues
    | ArrivalValues
    | PromptValues
    | GreetingValues
    | MissedValues
)


class Event(BaseModel):
    """One event, in one phase of its life."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: EventType
    phase: Phase
    track: int
    role: Literal["staff", "customer"] | None
    start: float = Field(description="Seconds (capture time).")
    end: float
    peak: float | None = None
    values: AnyValues
    verdict: str | None = None

    def record(self) -> dict[str, object]:
        """The events.jsonl object of a finished event."""
        return self.model_dump(mode="json", exclude={"phase"})
