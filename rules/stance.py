"""Sitting or standing, per person and frame.

With the legs in view the knees and thighs say it: a seated thigh lies near level with the
knee bent. A frontal counter camera sees the upper body only; there the change is what
shows: standing up lifts the shoulders in the picture by about a thigh's length (1.0-1.2
shoulder widths) within a second or two, and sitting down drops them as much. Between
changes the last stance is kept (unknown until the first change or the first legs seen).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from etiquette.rules.body import CAMERA_UP, angle_deg, joint_angle_deg, legs_visible, unit
from etiquette.rules.scene import Stance
from etiquette.rules.upper_body import MIN_WIDTH_SHARE, ShoulderCue
from etiquette.rules.visit_config import StanceConfig
from etiquette.vision.joints import Joint

# The shoulders and the nose must be seen this well to read the shoulders' height (the
# pose model's own visibility threshold elsewhere in the rules).
MIN_VISIBILITY = 0.5
# Sitting down keeps the head's height above the shoulders (in shoulder widths) at 0.86 of
# the standing one for a counter camera at seated head height (the viewing angle changes);
# a 45-degree bow brings it to 0.46 and a 60-degree one to nearly 0 (synthetic teller,
# tests/rules/test_stance.py), so a drop keeping more than this is not a bow.
SIT_HEAD_SHARE = 0.7
# Frame times are sums of 1/fps: a stance held exactly hold_s must count as held.
TIME_TOLERANCE_S = 1e-6
LEGS = (
    (Joint.LEFT_HIP, Joint.LEFT_KNEE, Joint.LEFT_ANKLE),
    (Joint.RIGHT_HIP, Joint.RIGHT_KNEE, Joint.RIGHT_ANKLE),
)


def thigh_from_level_deg(world: np.ndarray, hip: Joint, knee: Joint, up: np.ndarray) -> float:
    """How far the thigh (hip to knee) points away from the plane level to ``up``."""
    return abs(90.0 - angle_deg(world[knee] - world[hip], up))


def stance_of(
    keypoints: np.ndarray, world: np.ndarray, up: np.ndarray | None, config: StanceConfig
) -> str | None:
    """The stance the legs show in one frame; None when the legs are not in view. Sitting:
    a leg with the knee bent below sit_knee_deg and the thigh within sit_thigh_deg of level
    (one leg is enough: a seated person may stretch the other out), or a knee bent below
    sit_deep_knee_deg whatever the thigh."""
    if not legs_visible(keypoints, MIN_VISIBILITY) or not np.isfinite(world).all():
        return None
    upright = unit(np.asarray(CAMERA_UP if up is None else up, dtype=np.float64))
    for hip, knee, ankle in LEGS:
        knee_deg = joint_angle_deg(world, hip, knee, ankle)
        if knee_deg < config.sit_deep_knee_deg:
            return Stance.SITTING
        level = thigh_from_level_deg(world, hip, knee, upright) <= config.sit_thigh_deg
        if knee_deg < config.sit_knee_deg and level:
            return Stance.SITTING
    return Stance.STANDING


@dataclass(frozen=True)
class ShoulderSample:
    time: float
    cue: ShoulderCue


class ShoulderRise:
    """Upper body only: standing up or sitting down seen as the shoulders rising or
    dropping in the picture by config.upper_rise_widths shoulder widths within
    config.upper_rise_s. The level before the move is kept while the new level holds."""

    def __init__(self, config: StanceConfig) -> None:
        self.config = config
        self.recent: deque[ShoulderSample] = deque()
        self.base: ShoulderSample | None = None  # where the shoulders were before the move

    def reset(self) -> None:
        self.recent.clear()
        self.base = None

    def update(self, time: float, keypoints: np.ndarray) -> str | None:
        """The stance the latest move points to, None when none (or nothing readable)."""
        seen = keypoints[[Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER, Joint.NOSE], 2]
        if float(seen.min()) < MIN_VISIBILITY:
            return None
        cue = ShoulderCue.from_keypoints(keypoints)
        if cue.width <= 0:
            return None
        while self.recent and time - self.recent[0].time > self.config.upper_rise_s:
            self.recent.popleft()
        self.recent.append(ShoulderSample(time, cue))
        if self.base is not None:
            moved = self._moved(self.base.cue, cue)
            if moved is not None:
                return moved
            self.base = None
        for before in self.recent:
            moved = self._moved(before.cue, cue)
            if moved is not None:
                self.base = before
                return moved
        return None

    def _moved(self, before: ShoulderCue, now: ShoulderCue) -> str | None:
        width = max(before.width, now.width)
        if min(before.width, now.width) < MIN_WIDTH_SHARE * width:
            return None  # a broken skeleton (the body leaving the picture), not a move
        # A deep bow drops the shoulders too (and rising from it lifts them), but carries the
        # head down to them; sitting down or standing up keeps the head where it was above
        # the shoulders.
        heads = (before.head / before.width, now.head / now.width)
        if min(heads) < SIT_HEAD_SHARE * max(heads):
            return None
        rise = (before.y - now.y) / width  # pixels grow downward
        if rise >= self.config.upper_rise_widths:
            return Stance.STANDING
        if -rise >= self.config.upper_rise_widths:
            return Stance.SITTING
        return None


class StanceMeter:
    """One track's stance over time: a new stance is believed once it has held
    config.hold_s; ``since`` is when it was first seen."""

    def __init__(self, config: StanceConfig) -> None:
        self.config = config
        self.stance: str = Stance.UNKNOWN
        self.since: float | None = None
        self._pending: tuple[str, float] | None = None
        self._shoulders = ShoulderRise(config)

    def update(
        self, time: float, keypoints: np.ndarray, world: np.ndarray, up: np.ndarray | None
    ) -> str:
        """``keypoints`` with joints outside the picture unseen; ``up`` the person's upright
        in camera axes (the trunk meter's; None: the camera's)."""
        legs = stance_of(keypoints, world, up, self.config)
        moved = self._shoulders.update(time, keypoints)
        candidate = legs if legs is not None else moved
        if candidate is None or candidate == self.stance:
            self._pending = None
            return self.stance
        if self._pending is None or self._pending[0] != candidate:
            self._pending = (candidate, time)
        started = self._pending[1]
        if time - started >= self.config.hold_s - TIME_TOLERANCE_S:
            if legs is None and self.stance == Stance.UNKNOWN:
                # The shoulders rose (dropped) by a thigh's length and stayed: the person
                # was sitting (standing) before, whatever the first frames could not tell.
                # Said for one frame, so that a change of stance is seen.
                self.stance = Stance.SITTING if candidate == Stance.STANDING else Stance.STANDING
                return self.stance
            self.stance, self.since, self._pending = candidate, started, None
            self._shoulders.reset()
        return self.stance
