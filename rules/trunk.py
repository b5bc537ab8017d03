"""The trunk angle per person and frame, against true vertical when the camera's gravity is
known, else against the person's own upright baseline (or the scene's)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from etiquette.rules.body import (
    CAMERA_UP,
    angle_deg,
    facing,
    forward_pitch_deg,
    head_down_deg,
    shoulder_visibility,
    side_visibility,
    torso_visibility,
    trunk_vector,
    unit,
)
from etiquette.rules.config import TrunkConfig
from etiquette.vision.joints import Joint
from etiquette.vision.smoothing import OneEuroFilter

BASELINE_MEMORY_S = 60.0  # the upright baseline follows the last minute of stillness
STANDING_WINDOW_S = 0.8  # posture lapses last seconds; this median is steady, and late by 0.4 s
BASELINE_REFRESH_S = 0.5  # recomputing the median more often changes nothing visible
SCENE_MEMORY = 50  # people whose baselines make the scene's
DEGREE = math.radians(1.0)  # the direction filter adapts to degrees per second, as the angles'


class Reference(StrEnum):
    GRAVITY = "gravity"
    PERSON = "person_baseline"
    SCENE = "scene_baseline"
    CAMERA = "camera_axis"


class View(StrEnum):
    """How much of the body the trunk angle rests on."""

    FULL_BODY = "full_body"  # shoulders and hips seen
    UPPER_BODY = "upper_body"  # hips out of the picture or hidden: the model guesses them


@dataclass(frozen=True)
class TrunkReading:
    angle_deg: float  # from upright, any direction
    pitch_deg: float  # signed, forward positive
    head_down_deg: float
    confidence: float  # how well the trunk is seen (the view's weakest joint)
    torso_seen: float  # how well both shoulders and both hips are seen (for posture)
    reference: Reference
    up: np.ndarray
    ready: bool  # upright is known (gravity or a learned baseline)
    direction: np.ndarray  # smoothed unit trunk vector, hips to shoulders, camera axes
    across: np.ndarray  # unit vector from the right to the left shoulder
    view: View


@dataclass
class SceneBaseline:
    """Upright as learned from everyone seen standing still, for cameras without gravity."""

    ups: deque[np.ndarray] = field(default_factory=lambda: deque(maxlen=SCENE_MEMORY))
    _up: np.ndarray | None = None

    def add(self, up: np.ndarray) -> None:
        self.ups.append(up)
        self._up = unit(np.median(np.stack(list(self.ups)), axis=0))

    def up(self) -> np.ndarray | None:
        return self._up


class TrunkMeter:
    """One track's trunk angle over time."""

    def __init__(
        self, config: TrunkConfig, gravity: np.ndarray | None, scene: SceneBaseline
    ) -> None:
        self.config = config
        self.gravity_up = None if gravity is None else unit(-np.asarray(gravity, dtype=float))
        self.scene = scene
        self.baseline: np.ndarray | None = None
        self._still: deque[tuple[float, np.ndarray]] = deque()
        self._still_since: float | None = None
        self._baseline_time = -math.inf
        self._pitch = OneEuroFilter(min_cutoff=config.smoothing_hz, beta=0.05)
        self._angle = OneEuroFilter(min_cutoff=config.smoothing_hz, beta=0.05)
        self._direction = OneEuroFilter(min_cutoff=config.smoothing_hz, beta=0.05)
        self._standing: deque[tuple[float, np.ndarray]] = deque()

    @property
    def ready(self) -> bool:
        """Is 'upright' known well enough to judge bows and posture?"""
        return self.gravity_up is not None or self.baseline is not None

    def reference(self) -> tuple[np.ndarray, Reference]:
        if self.gravity_up is not None:
            return self.gravity_up, Reference.GRAVITY
        if self.baseline is not None:
            return self.baseline, Reference.PERSON
        scene = self.scene.up()
        if scene is not None:
            return scene, Reference.SCENE
        return CAMERA_UP, Reference.CAMERA

    def update(
        self,
        timestamp: float,
        keypoints: np.ndarray,
        world: np.ndarray,
        speed: float,
        standing: np.ndarray | None = None,
    ) -> TrunkReading | None:
        """``speed`` is body heights per second; ``standing`` the trunk direction measured
        from the picture on the calibrated floor (vision's standing_trunk), used for the angle
        from upright when finite. None when the world landmarks are missing."""
        if not np.isfinite(world).all():
            return None
        trunk = trunk_vector(world)
        if self.gravity_up is None:
            self._learn(timestamp, unit(trunk), speed)
        up, reference = self.reference()
        forward = facing(world, up)
        pitch = float(self._pitch(np.array([forward_pitch_deg(trunk, up, forward)]), timestamp)[0])
        angle = float(self._angle(np.array([angle_deg(trunk, up)]), timestamp)[0])
        measured = self._standing_direction(timestamp, standing)
        if measured is not None:
            angle = angle_deg(measured, up)
        # The bow's depth is measured against the stance just before, in whatever axes: the
        # smoothed direction itself, not its angle to a reference that may change meanwhile.
        direction = unit(self._direction(unit(trunk), timestamp, scale=DEGREE))
        across = unit(world[Joint.LEFT_SHOULDER] - world[Joint.RIGHT_SHOULDER])
        full_body = side_visibility(keypoints)
        upper_body = shoulder_visibility(keypoints)
        view = View.FULL_BODY if full_body >= self.config.min_visibility else View.UPPER_BODY
        return TrunkReading(
            angle_deg=angle,
            pitch_deg=pitch,
            head_down_deg=head_down_deg(world, trunk),
            confidence=full_body if view == View.FULL_BODY else upper_body,
            torso_seen=torso_visibility(keypoints),
            reference=reference,
            up=up,
            ready=self.ready,
            direction=direction,
            across=across,
            view=view,
        )

    def _standing_direction(
        self, timestamp: float, standing: np.ndarray | None
    ) -> np.ndarray | None:
        """The median of the picture's standing trunk over the last STANDING_WINDOW_S. Each
        frame's is good to a few degrees only (see vision.standing_trunk); the median of the
        direction, not of its angle, since an angle's noise only ever adds."""
        while self._standing and timestamp - self._standing[0][0] > STANDING_WINDOW_S:
            self._standing.popleft()
        if standing is None or not np.isfinite(standing).all():
            return None
        self._standing.append((timestamp, unit(standing)))
        return unit(np.median(np.stack([d for _, d in self._standing]), axis=0))

    def _learn(self, timestamp: float, direction: np.ndarray, speed: float) -> None:
        """The person's upright: the median trunk direction over the frames they stood
        still (bows and sway are brief next to a stance, so the median ignores them). A first
        baseline needs baseline_still_s of uninterrupted stillness."""
        upright_enough = angle_deg(direction, CAMERA_UP) <= self.config.baseline_max_tilt_deg
        if speed > self.config.still_speed or not upright_enough:
            self._still_since = None
            return
        if self._still_since is None:
            self._still_since = timestamp
        self._still.append((timestamp, direction))
        while timestamp - self._still[0][0] > BASELINE_MEMORY_S:
            self._still.popleft()
        if self.baseline is None and timestamp - self._still_since < self.config.baseline_still_s:
            return
        if self.baseline is not None and timestamp - self._baseline_time < BASELINE_REFRESH_S:
            return
        learned = self.baseline is None
        self.baseline = unit(np.median(np.stack([d for _, d in self._still]), axis=0))
        self._baseline_time = timestamp
        if learned:
            self.scene.add(self.baseline)
