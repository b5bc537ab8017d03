"""A bow seen from the front with the hips out of the picture (a counter camera): the model
only guesses the hips, so the trunk vector drifts by several degrees while the person stands
still. What the picture does show is the shoulders dropping below where they stood and the
head dropping toward (and below) them; a nod moves the head but not the shoulders."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from etiquette.vision.joints import Joint

# Hip-to-shoulder height in shoulder widths, as the pose model places the joints: 1.49-1.58
# in the frontal clips (intel_asl_*, har_stand), 1.51-1.65 in Human3.6M's motion capture.
TRUNK_IN_SHOULDER_WIDTHS = 1.5
# A frame whose shoulders look this much narrower than in the stance is a broken skeleton
# (the head and shoulders leaving the picture), not a bow: a bow does not narrow them.
MIN_WIDTH_SHARE = 0.6
# A bow begins when the head has come down toward the shoulders by this share of its
# height above them in the stance (a bow carries the head down with the trunk).
HEAD_DROP_SHARE = 0.85


@dataclass(frozen=True)
class ShoulderCue:
    """Where the shoulders and head are in the picture, pixels (y down)."""

    y: float  # shoulder midpoint
    width: float  # shoulder to shoulder
    head: float  # height of the nose above the shoulder midpoint

    @classmethod
    def from_keypoints(cls, keypoints: np.ndarray) -> ShoulderCue:
        left, right = keypoints[Joint.LEFT_SHOULDER, :2], keypoints[Joint.RIGHT_SHOULDER, :2]
        y = float((left[1] + right[1]) / 2)
        return cls(y, float(np.linalg.norm(left - right)), y - float(keypoints[Joint.NOSE, 1]))


@dataclass(frozen=True)
class Stance(ShoulderCue):
    """The median cue over the stance held before a bow."""

    @classmethod
    def of(cls, cues: list[ShoulderCue]) -> Stance:
        return cls(
            float(np.median([c.y for c in cues])),
            float(np.median([c.width for c in cues])),
            float(np.median([c.head for c in cues])),
        )

    @property
    def frontal(self) -> bool:
        """Shoulders at least as wide as the head stands above them: a front view, where
        the drop model holds (in profile the shoulders overlap and move forward instead)."""
        return self.width >= self.head

    def readable(self, cue: ShoulderCue) -> bool:
        return self.width > 0 and cue.width >= MIN_WIDTH_SHARE * self.width

    def depth_deg(self, cue: ShoulderCue) -> float:
        """Forward bow from the shoulders' drop, for a camera near head height in front of
        the person: the shoulders sink by trunk * (1 - cos depth)."""
        drop = (cue.y - self.y) / self.width / TRUNK_IN_SHOULDER_WIDTHS
        angle = math.degrees(math.acos(max(-1.0, min(1.0, 1.0 - abs(drop)))))
        return math.copysign(angle, drop)

    def head_dropped(self, cue: ShoulderCue) -> bool:
        return self.head > 0 and cue.head <= HEAD_DROP_SHARE * self.head
