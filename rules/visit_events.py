"""Events of a customer's visit beyond the door greeting (issue 14): door crossings and the
polite farewell, guiding to the ticket machine, the queue and its second diversion, the
opening line-up, and the teller's five steps at a counter."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from etiquette.rules.event_base import EventBase, Values


class ProcessVerdict(StrEnum):
    """A whole process judged against the deck: done to standard, or not (with its faults)."""

    TO_STANDARD = "to_standard"
    OFF_STANDARD = "off_standard"


Hand = Literal["left", "right"]
QueueExit = Literal["counter", "self_service", "elsewhere", "unknown"]
# Every fault a process event may list (the pages and reports have words for each).
PROCESS_FAULTS = (
    "not_escorted",
    "not_front_left",
    "no_gesture",
    "destination_not_reached",
    "post_empty",
    "sitting",
    "posture_off",
    "stayed_seated",
    "one_handed",
    "did_not_watch_leaving",
)


class DoorCrossingValues(Values):
    direction: Literal["in", "out"] = Field(description="in: into the branch; out: leaving it.")
    floor: tuple[float, float] = Field(description="Where the feet crossed the door line (m).")


class DoorCrossingEvent(EventBase):
    """A person's feet crossed the door line (a moment: start = end)."""

    type: Literal["door_crossing"] = "door_crossing"
    values: DoorCrossingValues
    verdict: None = None


class FarewellValues(Values):
    customer: int = Field(description="The customer's track.")
    escorted: bool = Field(description="A staff member walked with them up to the door.")
    by_track: int | None = Field(None, description="The staff member who escorted them.")
    together_m: float = Field(
        0.0, ge=0, description="How far the customer walked with that staff member beside them."
    )
    staff_to_door_m: float | None = Field(
        None, description="The staff member's distance to the door line as the customer left."
    )


class FarewellEvent(EventBase):
    """A customer walked out through the door: escorted (礼貌送客) or not. track = the
    customer; start = when the escort (or the customer's last approach) began; end = the
    crossing."""

    type: Literal["farewell"] = "farewell"
    values: FarewellValues
    verdict: ProcessVerdict


class GuidingValues(Values):
    customer: int = Field(description="The customer's track.")
    front_left_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of the walk the staff member spent at the customer's front left.",
    )
    gesture: bool = Field(description="A guiding gesture (palm up, fingers together) was seen.")
    destination: str | None = Field(
        None, description="The area reached (ticket_machine, self_service, waiting), if any."
    )
    walked_m: float = Field(ge=0, description="How far the customer walked while guided.")
    duration_s: float = Field(ge=0)
    faults: list[str] = Field(
        default_factory=list,
        description="What fell short: not_front_left, no_gesture, destination_not_reached.",
    )


class GuidingEvent(EventBase):
    """A staff member led a greeted customer from the door (迎宾引导). track = the staff
    member."""

    type: Literal["guiding"] = "guiding"
    values: GuidingValues
    verdict: ProcessVerdict


class QueuePromptValues(Values):
    text: str
    length: int = Field(ge=0, description="People in the queue zone when prompted.")
    held_s: float = Field(ge=0, description="How long the queue had been at least that long.")


class QueuePromptEvent(EventBase):
    """The earpiece prompt for a second diversion (柜台排队 N 人，请二次分流)."""

    type: Literal["queue_prompt"] = "queue_prompt"
    values: QueuePromptValues
    verdict: None = None


class QueueResponseValues(Values):
    latency_s: float = Field(ge=0, description="From the prompt to a staff member at the queue.")
    length: int = Field(ge=0, description="People in the queue when the staff member came.")


class QueueResponseEvent(EventBase):
    """A staff member came within reach of the queued customers after a prompt. track = the
    staff member; start = the prompt; end = when they came."""

    type: Literal["queue_response"] = "queue_response"
    values: QueueResponseValues
    verdict: None = None


class QueueWaitValues(Values):
    wait_s: float = Field(ge=0, description="How long the customer stood in the queue zone.")
    left_to: QueueExit = Field(description="Where they went from the queue.")
    after_prompt: bool = Field(
        description="They left while a second-diversion prompt was open (diverted)."
    )


class QueueWaitEvent(EventBase):
    """One customer's stay in the queue zone, reported when they leave it."""

    type: Literal["queue_wait"] = "queue_wait"
    values: QueueWaitValues
    verdict: None = None


class OpeningPost(Values):
    post: str
    track: int | None = None
    present: bool
    standing: bool | None = Field(None, description="Standing, not sitting (None: not seen).")
    posture_ok: bool | None = Field(None, description="In the standard standing posture.")


class OpeningValues(Values):
    opening: float = Field(description="The scheduled opening (capture-clock seconds).")
    posts: list[OpeningPost]
    salutes: int = Field(0, ge=0, description="Raised-hand salutes seen for the first customers.")


class OpeningEvent(EventBase):
    """Who stood at which post, and how, when the branch opened (开门迎宾)."""

    type: Literal["opening_lineup"] = "opening_lineup"
    values: OpeningValues
    verdict: ProcessVerdict


class OpeningPromptValues(Values):
    text: str
    empty_posts: list[str]
    before_s: float = Field(ge=0, description="Seconds left before opening.")


class OpeningPromptEvent(EventBase):
    """Posts still empty a few minutes before opening."""

    type: Literal["opening_prompt"] = "opening_prompt"
    values: OpeningPromptValues
    verdict: None = None


class SaluteValues(Values):
    hand: Hand
    height: float = Field(description="The hand above the shoulder, in trunk lengths.")
    duration_s: float = Field(ge=0)


class SaluteEvent(EventBase):
    """A raised-hand salute (举手礼) by a staff member."""

    type: Literal["salute"] = "salute"
    values: SaluteValues
    verdict: None = None


class CounterVisitValues(Values):
    counter: str = Field(description="The counter zone's name.")
    duration_s: float = Field(ge=0)


class CounterVisitEvent(EventBase):
    """A customer stood at a counter (seen on the floor by a lobby camera)."""

    type: Literal["counter_visit"] = "counter_visit"
    values: CounterVisitValues
    verdict: None = None


class StoodUpValues(Values):
    post: str | None
    sat_s: float = Field(ge=0, description="How long they had been sitting.")


class StoodUpEvent(EventBase):
    """A staff member stood up from sitting (a moment at the end of the rise)."""

    type: Literal["stood_up"] = "stood_up"
    values: StoodUpValues
    verdict: None = None


class HandoverValues(Values):
    post: str | None
    both_hands: bool = Field(description="Both wrists together, reaching toward the counter.")
    duration_s: float = Field(ge=0)
    sitting: bool | None = Field(
        None, description="The staff member was sitting at the time (None: not known)."
    )


class HandoverEvent(EventBase):
    """Something passed across the counter (双手接 / 提醒递)."""

    type: Literal["handover"] = "handover"
    values: HandoverValues
    verdict: None = None


class AttentionValues(Values):
    post: str | None
    duration_s: float = Field(ge=0)
    sitting: bool | None = Field(
        None, description="The staff member was sitting at the time (None: not known)."
    )


class AttentionEvent(EventBase):
    """A staff member at a counter looking toward the customer's side of the counter."""

    type: Literal["attention"] = "attention"
    values: AttentionValues
    verdict: None = None


class TellerServiceValues(Values):
    counter: str
    customer: int | None = None
    stood_up: bool | None = Field(
        None, description="Stood up as the customer came (None: was already standing)."
    )
    stand_latency_s: float | None = Field(None, description="From the customer's arrival.")
    handovers: int = Field(0, ge=0)
    both_hands: int = Field(0, ge=0, description="Handovers made with both hands.")
    watched_leaving: bool | None = Field(
        None, description="Looked toward the customer as they left (None: not seen)."
    )
    faults: list[str] = Field(
        default_factory=list,
        description="What fell short: stayed_seated, one_handed, did_not_watch_leaving.",
    )


class TellerServiceEvent(EventBase):
    """One customer served at a counter, judged on the teller's five steps (临柜五部曲).
    start/end = the customer's visit."""

    type: Literal["teller_service"] = "teller_service"
    values: TellerServiceValues
    verdict: ProcessVerdict


VisitEvent = (
    DoorCrossingEvent
    | FarewellEvent
    | GuidingEvent
    | QueuePromptEvent
    | QueueResponseEvent
    | QueueWaitEvent
    | OpeningEvent
    | OpeningPromptEvent
    | SaluteEvent
    | CounterVisitEvent
    | StoodUpEvent
    | HandoverEvent
    | AttentionEvent
    | TellerServiceEvent
)
VisitEventType = Literal[
    "door_crossing",
    "farewell",
    "guiding",
    "queue_prompt",
    "queue_response",
    "queue_wait",
    "opening_lineup",
    "opening_prompt",
    "salute",
    "counter_visit",
    "stood_up",
    "handover",
    "attention",
    "teller_service",
]
