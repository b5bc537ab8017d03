"""Thresholds of the etiquette checks, with the training deck's defaults (one section of a
site's YAML file)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from etiquette.rules.visit_config import (
    DoorConfig,
    FarewellConfig,
    GuidingConfig,
    OpeningConfig,
    QueueConfig,
    StanceConfig,
    TellerConfig,
)
from etiquette.settings import Settings


class TrunkConfig(Settings):
    """How the trunk angle is measured."""

    min_visibility: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Posture is not judged while shoulders or hips are seen less than this (the angle is unreliable); bows need the shoulders seen this well (with the hips below it, as seen from the shoulders: an upper-body view).",
    )
    baseline_still_s: float = Field(
        2.0,
        gt=0,
        description="Without camera gravity: how long a person must stand still and upright before their trunk direction becomes their upright reference.",
    )
    still_speed: float = Field(
        0.15,
        gt=0,
        description="Below this speed (body heights per second) a person counts as standing still.",
    )
    baseline_max_tilt_deg: float = Field(
        30.0,
        gt=0,
        description="A trunk this far from the camera's vertical is not taken as an upright baseline.",
    )
    smoothing_hz: float = Field(
        1.5, gt=0, description="One-Euro minimum cutoff for the trunk angle."
    )


class BowConfig(Settings):
    """The 15-degree bow (欠身礼)."""

    target_deg: float = Field(15.0, gt=0, description="The standard bow depth.")
    tolerance_deg: float = Field(
        5.0, ge=0, description="A bow within target +- tolerance is to standard."
    )
    start_deg: float = Field(
        3.5,
        gt=0,
        description="Forward trunk pitch over the stance held just before that starts a bow.",
    )
    rest_window_s: float = Field(
        3.0,
        gt=0,
        description="The stance before a bow is the median trunk direction over this many seconds.",
    )
    stance_min_s: float = Field(
        0.5,
        ge=0,
        description="A bow is judged once the stance before it has been seen this long (from a person's first frames, no learned upright needed).",
    )
    upper_body_start_deg: float = Field(
        20.0,
        gt=0,
        description="With the hips out of the picture (a frontal counter camera) a bow is only seen once the shoulders have sunk this far (degrees of bow) and the head has dropped toward them; shallower bows are lost in the landmark noise there.",
    )
    end_deg: float = Field(
        2.0, ge=0, description="A bow ends when the pitch falls back below this."
    )
    min_duration_s: float = Field(0.4, ge=0, description="Shorter excursions are jitter, not bows.")
    shallow_deg: float = Field(
        6.0,
        ge=0,
        description="A bow shallower than this must last at least shallow_min_duration_s (arm movements shift the shoulders by a few degrees).",
    )
    shallow_min_duration_s: float = Field(
        0.8, ge=0, description="Shortest bow shallower than shallow_deg."
    )
    rushed_s: float = Field(
        1.0, ge=0, description="A bow (down and up) quicker than this is rushed."
    )
    max_duration_s: float = Field(
        8.0, gt=0, description="Longer forward leans are not bows (leaning over a counter)."
    )
    max_descent_s: float = Field(
        1.5,
        gt=0,
        description="A bow goes down in about a second: a lean that takes longer than this from leaving the stance (end_deg) to coming within 2 degrees of its deepest is settling over a table or counter (reading, writing), not a bow.",
    )
    walking_speed: float = Field(
        0.35,
        gt=0,
        description="Feet moving faster than this over the picture (body heights per second) is walking, not bowing (a bow moves the hips back, not the feet).",
    )
    min_knee_deg: float = Field(
        120.0,
        gt=0,
        le=180,
        description="Knees bent more than this (hip-knee-ankle angle below it, legs in view) mean sitting down or squatting to pick something up, not bowing; a bow may flex them a little.",
    )
    reach_height: float = Field(
        0.45,
        gt=0,
        description="Leaning in with both arms held out (a hug, reaching across) is not a bow: both wrists at least this high above the hips (trunk lengths, along the trunk), with reach_elbow_deg and reach_lift_deg. A shallower bow than shallow_deg with either wrist this high is an arm movement shifting the shoulders.",
    )
    reach_elbow_deg: float = Field(
        120.0,
        gt=0,
        le=180,
        description="Arms held out (see reach_height): mean elbow angle at least this; hands signing or holding something close to the chest bend the elbows more and do not spoil a bow.",
    )
    reach_lift_deg: float = Field(
        30.0,
        gt=0,
        le=180,
        description="Arms held out (see reach_height): both arms at least this far from hanging straight down (arms hanging from a deep bow are high along the bent trunk, but hang).",
    )
    stoop_deg: float = Field(
        85.0,
        gt=0,
        le=180,
        description="Bending further forward than this is stooping (to pick something up from the floor), not a bow; the deepest bow of respect is about 45-60 degrees.",
    )


class HandShapeConfig(Settings):
    """Five fingers together and straight (validated on the real hand photos)."""

    max_finger_angle_deg: float = Field(
        10.0,
        gt=0,
        description="Largest mean angle between neighbouring fingers (knuckle to tip) for fingers together.",
    )
    max_thumb_angle_deg: float = Field(
        65.0,
        gt=0,
        description="Largest angle between the thumb and the index finger for the thumb alongside.",
    )
    max_bend_deg: float = Field(
        25.0,
        gt=0,
        description="Largest mean bend at the middle finger joints for straight fingers.",
    )


class GestureConfig(Settings):
    """The welcome gesture and the guiding gesture."""

    hand: HandShapeConfig = Field(
        default_factory=HandShapeConfig, description="What counts as five fingers together."
    )
    min_sweep: float = Field(
        0.2,
        gt=0,
        description="How far the hand must move out from the chin during a welcome gesture, in shoulder widths.",
    )
    min_duration_s: float = Field(0.3, ge=0, description="Shortest welcome gesture.")
    max_gap_s: float = Field(
        0.3,
        ge=0,
        description="Frames without a readable hand shorter than this do not break a gesture.",
    )
    direction: Literal["any", "left", "right"] = Field(
        "any",
        description="Where the service area is, seen from the camera: the sweep must go that way (any = outward).",
    )
    guide_min_elbow_deg: float = Field(
        140.0, gt=0, le=180, description="Arm extended: elbow angle at least this."
    )
    guide_palm_up_deg: float = Field(
        50.0, gt=0, le=90, description="Palm up: palm normal within this of straight up."
    )
    guide_min_s: float = Field(0.4, ge=0, description="Shortest guiding gesture.")


class PostureConfig(Settings):
    """The standard standing posture (标准站姿) at a post."""

    max_trunk_deg: float = Field(
        12.0,
        gt=0,
        description="Trunk further from upright is leaning (the pose model reads a still person within about 10 degrees; with a calibrated floor, from the picture, within about 3).",
    )
    max_shoulder_tilt_deg: float = Field(
        10.0, gt=0, description="Shoulders tilted more than this are not level."
    )
    max_head_down_deg: float = Field(
        25.0,
        gt=0,
        description="Head pitched down more than this (relative to the trunk) is not head up.",
    )
    max_feet_apart: float = Field(
        1.3,
        gt=0,
        description="Ankles further apart than this many shoulder widths are not together.",
    )
    max_off_s: float = Field(
        5.0, gt=0, description="Off standard longer than this emits a posture event."
    )


class RolesConfig(Settings):
    """Who is staff and who is a customer."""

    staff_dwell_s: float = Field(
        5.0, ge=0, description="A track that stays this long in a staff post zone is staff."
    )
    enrolled_staff: list[int] = Field(
        default_factory=list, description="Track ids declared staff by hand."
    )


class GreetingConfig(Settings):
    """Door arrivals and greeting timing."""

    window_s: float = Field(
        3.0, gt=0, description="A greeting must start within this many seconds of the arrival."
    )
    on_time_s: float = Field(
        2.0,
        gt=0,
        description="A greeting that starts within this many seconds of the arrival is on time; later, but within window_s, it is late (at most window_s).",
    )
    early_s: float = Field(
        1.0,
        ge=0,
        description="A greeting that starts up to this long before the arrival still counts.",
    )
    group_s: float = Field(
        3.0,
        ge=0,
        description="Customers arriving within this of an open opportunity share its greeting.",
    )
    door_post: str = Field(
        "door_post",
        description="The staff post whose staff member greets at the door (any staff if no such post).",
    )
    prompt_text: str = Field(
        "客户进门，请迎宾", description="What the earpieces say when a customer arrives."
    )

    @model_validator(mode="after")
    def _on_time_inside_window(self) -> GreetingConfig:
        if self.on_time_s > self.window_s and "on_time_s" not in self.model_fields_set:
            # A site file written before on_time_s existed, with a short window: every
            # greeting inside that window stays on time, as it was.
            object.__setattr__(self, "on_time_s", self.window_s)
        elif self.on_time_s > self.window_s:
            raise ValueError(
                f"greeting.on_time_s ({self.on_time_s:g} s) must not exceed "
                f"greeting.window_s ({self.window_s:g} s): a late greeting must still start "
                "inside the window"
            )
        return self


class RulesConfig(Settings):
    trunk: TrunkConfig = Field(
        default_factory=TrunkConfig, description="How the trunk angle is measured."
    )
    bow: BowConfig = Field(
        default_factory=BowConfig, description="The bow standard (15 degrees) and its timing."
    )
    gestures: GestureConfig = Field(
        default_factory=GestureConfig, description="The welcome and guiding gestures."
    )
    posture: PostureConfig = Field(
        default_factory=PostureConfig, description="The standard standing posture at a post."
    )
    roles: RolesConfig = Field(
        default_factory=RolesConfig, description="Who is staff and who is a customer."
    )
    greeting: GreetingConfig = Field(
        default_factory=GreetingConfig,
        description="Door arrivals, the greeting prompt and the greeting window.",
    )
    stance: StanceConfig = Field(
        default_factory=StanceConfig, description="Sitting or standing, per person."
    )
    door: DoorConfig = Field(default_factory=DoorConfig, description="Door crossings.")
    farewell: FarewellConfig = Field(
        default_factory=FarewellConfig, description="Polite farewell (礼貌送客): the escort."
    )
    guiding: GuidingConfig = Field(
        default_factory=GuidingConfig, description="Guiding (迎宾引导) after the greeting."
    )
    queue: QueueConfig = Field(
        default_factory=QueueConfig, description="The queue and the second diversion (客户分流)."
    )
    opening: OpeningConfig = Field(
        default_factory=OpeningConfig, description="The opening line-up (开门迎宾)."
    )
    teller: TellerConfig = Field(
        default_factory=TellerConfig, description="The teller's five steps (临柜五部曲)."
    )
