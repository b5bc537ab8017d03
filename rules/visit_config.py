"""Thresholds of the checks beyond the door greeting (issue 14), with the training deck's
defaults where the deck gives one; every other default says where it comes from."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from etiquette.settings import Settings


class StanceConfig(Settings):
    """Sitting or standing (needed by the opening line-up and the teller's five steps)."""

    sit_knee_deg: float = Field(
        130.0,
        gt=0,
        le=180,
        description="Legs in view: a knee bent below this hip-knee-ankle angle, with the thigh near level (sit_thigh_deg), is sitting.",
    )
    sit_thigh_deg: float = Field(
        45.0,
        gt=0,
        le=90,
        description="Legs in view: a thigh within this of level (hip to knee) is a seated thigh.",
    )
    sit_deep_knee_deg: float = Field(
        100.0,
        gt=0,
        le=180,
        description="Legs in view: a knee bent below this is sitting (or crouching) whatever the thigh's slope. Walking bends the knee to 110-120 degrees at most; the pose model misreads a seated thigh's slope by up to 20 degrees (Human3.6M SittingDown: 69 from level read, 51 by motion capture, knee 59 read, 68 true).",
    )
    hold_s: float = Field(
        0.5, ge=0, description="A new stance must hold this long before it is believed."
    )
    upper_rise_widths: float = Field(
        0.6,
        gt=0,
        description="Upper body only (legs out of the picture): the shoulders rising (falling) in the picture by this many shoulder widths is standing up (sitting down). A thigh's length is 1.0-1.2 shoulder widths; a 45-degree bow drops the shoulders about 0.45 (and a deeper one carries the head down, which sitting does not); walking toward a camera at head height moves them about 0.25 from 2 m to 1 m.",
    )
    upper_rise_s: float = Field(
        2.0,
        gt=0,
        description="...within this long (standing up or sitting down takes 1-2 s; a slow slump over minutes is not a change of stance).",
    )


class DoorConfig(Settings):
    """Door crossings: the feet going from one side of the door line to the other."""

    margin_m: float = Field(
        0.2,
        ge=0,
        description="A crossing counts once the feet are this far past the line, having been this far on the other side (floor jitter at the line is not a crossing).",
    )


class FarewellConfig(Settings):
    """礼貌送客: the lobby manager escorts a leaving customer to the door or stairs."""

    escort_distance_m: float = Field(
        1.5,
        gt=0,
        description="A staff member within this of the customer is walking with them (the deck: about 1.5 m).",
    )
    min_together_m: float = Field(
        2.0,
        ge=0,
        description="The customer must have walked at least this far with the staff member beside them.",
    )
    staff_to_door_m: float = Field(
        2.0,
        gt=0,
        description="The staff member must be within this of the door line as the customer goes out (up to the door).",
    )
    lookback_s: float = Field(
        20.0, gt=0, description="How far back before the crossing the walk is looked at."
    )


class GuidingConfig(Settings):
    """迎宾引导: after the greeting, the manager leads the customer at their front left with
    the guiding gesture to the ticket machine, self-service or waiting area."""

    start_within_s: float = Field(
        15.0,
        gt=0,
        description="The walk must begin within this after the greeting to count as guiding.",
    )
    together_m: float = Field(
        2.0,
        gt=0,
        description="Staff within this of the customer (floor distance) is walking with them.",
    )
    apart_s: float = Field(
        4.0,
        gt=0,
        description="Staff and customer apart (beyond together_m) longer than this ends the walk.",
    )
    min_walk_m: float = Field(
        1.5, ge=0, description="The customer must walk at least this far for a guided walk."
    )
    min_front_left_share: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Share of the walk the staff member must spend at the customer's front left (the deck: walk at the customer's front left).",
    )
    destinations: list[str] = Field(
        default_factory=lambda: ["ticket_machine", "self_service", "waiting"],
        description="Areas (camera file zones.areas) a guided walk may lead to.",
    )
    max_s: float = Field(90.0, gt=0, description="A guided walk longer than this is closed.")
    hand: Literal["left", "right", "either"] = Field(
        "left",
        description="Which of the staff member's own hands makes the guiding gesture (the deck: 左手指引, the left hand; either: both count).",
    )


class QueueConfig(Settings):
    """客户分流: a queue at the counters calls for a second diversion."""

    min_people: int = Field(
        3, ge=1, description="A queue of at least this many people (N) calls for a diversion."
    )
    min_s: float = Field(
        60.0, ge=0, description="...held for at least this long (T) before the prompt."
    )
    join_s: float = Field(
        3.0,
        ge=0,
        description="Standing still this long in the queue zone makes a person part of the queue (walking through it does not); their wait counts from entering the zone.",
    )
    prompt_text: str = Field(
        "柜台排队{people}人，请二次分流",
        description="What the earpieces say; {people} is the queue's length.",
    )
    repeat_s: float = Field(
        300.0, gt=0, description="The prompt is not repeated sooner than this for one queue."
    )
    reach_m: float = Field(
        1.0,
        gt=0,
        description="A staff member within this of a queued customer has come to the queue.",
    )
    diverted_within_s: float = Field(
        180.0,
        gt=0,
        description="A customer leaving the queue within this after a prompt was diverted.",
    )


class OpeningConfig(Settings):
    """开门迎宾: at opening, staff stand at their posts; tellers salute the first customers."""

    posts: list[str] = Field(
        default_factory=list,
        description="Posts that must be manned at opening (empty: every post this camera sees).",
    )
    prompt_before_s: float = Field(
        300.0, ge=0, description="Posts still empty this long before opening are prompted."
    )
    prompt_text: str = Field(
        "距开门还有{minutes}分钟，{posts}尚未到岗",
        description="What the earpieces say; {minutes} and {posts} are filled in.",
    )
    check_within_s: float = Field(
        60.0,
        ge=0,
        description="The line-up is judged from what is seen up to this long after opening.",
    )
    salute_within_s: float = Field(
        600.0,
        ge=0,
        description="Raised-hand salutes count for the first customers within this after opening.",
    )
    salute_min_height: float = Field(
        0.35,
        description="A salute raises the wrist at least this far above its shoulder (trunk lengths; the mouth is about 0.34, the ear 0.45). A welcome gesture's hand held up to the chin reaches about 0.27.",
    )
    salute_min_s: float = Field(0.3, ge=0, description="Shortest salute.")
    salute_max_motion: float = Field(
        0.2,
        gt=0,
        description="A salute is held still: the wrist strays at most this far from where it is held (root mean square, trunk lengths; a held synthetic salute with the pose model's noise 0.07-0.08, a real wave, har_wave.mp4, 0.36).",
    )


class TellerConfig(Settings):
    """临柜五部曲 at a counter: stand up to greet, both hands, watch the customer leave."""

    stand_within_s: float = Field(
        5.0,
        ge=0,
        description="Standing up this long before or after the customer arrives at the counter counts.",
    )
    hands_together_m: float = Field(
        0.3, gt=0, description="Both wrists within this of each other (metres) are both hands."
    )
    reach_deg: float = Field(
        35.0,
        gt=0,
        le=90,
        description="Forearms held this far forward of hanging (toward the counter) are handing over.",
    )
    handover_min_s: float = Field(0.4, ge=0, description="Shortest handover.")
    facing_deg: float = Field(
        35.0,
        gt=0,
        le=90,
        description="The face turned within this of the camera counts as looking at the customer's side (a camera facing the teller across the counter).",
    )
    watch_window_s: float = Field(
        3.0,
        ge=0,
        description="Looking toward the customer within this of their leaving is watching them leave.",
    )
    watch_min_s: float = Field(0.5, ge=0, description="...for at least this long.")
