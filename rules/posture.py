"""The standard standing posture (标准站姿), frame by frame, and lapses that last."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from etiquette.rules.body import (
    HIPS,
    SHOULDERS,
    facing,
    midpoint,
    shoulder_tilt_deg,
    shoulder_width,
    unit,
)
from etiquette.rules.config import PostureConfig
from etiquette.rules.events import PostureValues
from etiquette.rules.trunk import TrunkReading
from etiquette.vision.joints import Joint

CLASPED_M = 0.25  # wrists this close together count as clasped
SIDE_REACH_M = 0.35  # a hanging hand stays this close to the body's axis
BEHIND_M = 0.12  # a wrist this far behind the hips' plane is behind the back


def posture_faults(world: np.ndarray, reading: TrunkReading, config: PostureConfig) -> list[str]:
    """Why this frame's posture is off standard (empty: to standard)."""
    up = reading.up
    faults: list[str] = []
    if reading.angle_deg > config.max_trunk_deg:
        faults.append("leaning")
    if shoulder_tilt_deg(world, up) > config.max_shoulder_tilt_deg:
        faults.append("shoulders_not_level")
    if reading.head_down_deg > config.max_head_down_deg:
        faults.append("head_down")
    across = unit(world[Joint.LEFT_SHOULDER] - world[Joint.RIGHT_SHOULDER])
    forward = facing(world, up)
    hips, chest = midpoint(world, HIPS), midpoint(world, SHOULDERS)
    left, right = world[Joint.LEFT_WRIST], world[Joint.RIGHT_WRIST]
    if (
        np.dot(left - chest, across) < 0
        and np.dot(right - chest, across) > 0
        and min(np.dot(left - hips, up), np.dot(right - hips, up)) > 0.5 * np.dot(chest - hips, up)
    ):
        faults.append("arms_crossed")
    if max(np.dot(left - hips, forward), np.dot(right - hips, forward)) < -BEHIND_M:
        faults.append("hands_behind_back")
    elif not _hands_in_place(left, right, hips, chest, up):
        faults.append("hands_not_in_place")
    feet = float(np.linalg.norm(world[Joint.LEFT_ANKLE] - world[Joint.RIGHT_ANKLE]))
    if feet > config.max_feet_apart * shoulder_width(world):
        faults.append("feet_apart")
    return faults


def _hands_in_place(
    left: np.ndarray, right: np.ndarray, hips: np.ndarray, chest: np.ndarray, up: np.ndarray
) -> bool:
    """Clasped in front of the abdomen, or hanging at the sides."""
    torso = float(np.dot(chest - hips, up))
    heights = [float(np.dot(w - hips, up)) for w in (left, right)]
    clasped = float(np.linalg.norm(left - right)) <= CLASPED_M and all(
        -0.25 * torso <= h <= 0.6 * torso for h in heights
    )
    hanging = all(h <= 0.25 * torso for h in heights) and all(
        float(np.linalg.norm((w - hips) - np.dot(w - hips, up) * up)) <= SIDE_REACH_M
        for w in (left, right)
    )
    return clasped or hanging


@dataclass
class PostureTracker:
    """One staff track's posture lapses: off standard for longer than allowed."""

    config: PostureConfig
    off_since: float | None = None
    off_reasons: set[str] = field(default_factory=set)
    last_judged: float | None = None

    def update(
        self, timestamp: float, faults: list[str], post: str | None
    ) -> tuple[float, float, PostureValues] | None:
        """Judge a frame at the post; returns (start, end, values) when a lapse that lasted
        longer than allowed has ended."""
        self.last_judged = timestamp
        if not faults:
            return self._close(timestamp, post)
        if self.off_since is None:
            self.off_since = timestamp
            self.off_reasons = set()
        self.off_reasons.update(faults)
        return None

    def left_post(self, post: str | None) -> tuple[float, float, PostureValues] | None:
        """Away from the post (or gone): a lapse ends where judging stopped."""
        if self.last_judged is None:
            return None
        return self._close(self.last_judged, post)

    def _close(
        self, timestamp: float, post: str | None
    ) -> tuple[float, float, PostureValues] | None:
        if self.off_since is None:
            return None
        start, self.off_since = self.off_since, None
        off = timestamp - start
        if off <= self.config.max_off_s:
            return None
        return (
            start,
            timestamp,
            PostureValues(off_s=round(off, 3), reasons=sorted(self.off_reasons), post=post),
        )
