"""How fast a person moves over the picture: the hips (is the person standing still, for
the upright baseline) and the feet (is the person walking, for bows). A bow moves the hips
back but leaves the feet where they are."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etiquette.rules.body import body_height_px, feet_point
from etiquette.vision.joints import Joint

SMOOTHING = 0.3  # weight of the newest speed sample
# Shoulders narrower than this share of their usual width: a broken skeleton (the head and
# shoulders leaving the picture in a deep bow).
MIN_SHOULDER_SHARE = 0.6


def _blend(sample: float, smoothed: float) -> float:
    return SMOOTHING * sample + (1 - SMOOTHING) * smoothed


@dataclass
class BodyMotion:
    """One track's speeds, in body heights per second, smoothed."""

    hip_speed: float = 0.0
    feet_speed: float = 0.0
    _last_time: float | None = None
    _last_hips: np.ndarray | None = None
    _last_feet: np.ndarray | None = None
    _last_shoulders: np.ndarray | None = None
    _shoulder_width: float = 0.0

    def update(self, keypoints: np.ndarray, now: float) -> None:
        dt = 0.0 if self._last_time is None else now - self._last_time
        self._last_time = now
        scale = body_height_px(keypoints)
        hips = keypoints[[Joint.LEFT_HIP, Joint.RIGHT_HIP], :2].mean(axis=0)
        feet = feet_point(keypoints)
        if dt > 0 and self._last_hips is not None:
            step = float(np.linalg.norm(hips - self._last_hips))
            self.hip_speed = _blend(step / scale / dt, self.hip_speed)
        if dt > 0 and feet is not None and self._last_feet is not None:
            step = float(np.linalg.norm(feet - self._last_feet))
            self.feet_speed = _blend(step / scale / dt, self.feet_speed)
        elif feet is None:
            self._shoulders_instead(keypoints, dt, scale)
        self._last_hips, self._last_feet = hips, feet

    def _shoulders_instead(self, keypoints: np.ndarray, dt: float, scale: float) -> None:
        """Feet out of the picture (a counter camera): walking is the shoulders moving
        sideways; frames with collapsed shoulders tell nothing."""
        left, right = keypoints[Joint.LEFT_SHOULDER, :2], keypoints[Joint.RIGHT_SHOULDER, :2]
        width = float(np.linalg.norm(left - right))
        if self._shoulder_width and width < MIN_SHOULDER_SHARE * self._shoulder_width:
            return
        self._shoulder_width = (
            _blend(width, self._shoulder_width) if self._shoulder_width else width
        )
        shoulders = (left + right) / 2
        if dt > 0 and self._last_shoulders is not None:
            step = abs(float(shoulders[0] - self._last_shoulders[0]))
            self.feet_speed = _blend(step / scale / dt, self.feet_speed)
        self._last_shoulders = shoulders
