"""The welcome gesture (flat hand swept out between waist and chin) and the guiding gesture
(palm up, fingers together, arm extended), per track and hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from etiquette.rules.body import SHOULDERS, angle_deg, midpoint
from etiquette.rules.config import GestureConfig
from etiquette.rules.events import GestureValues
from etiquette.rules.hand_shape import hand_shape, palm_normal
from etiquette.vision.joints import HandSide, Joint

ARM = {
    HandSide.LEFT: (Joint.LEFT_SHOULDER, Joint.LEFT_ELBOW, Joint.LEFT_WRIST),
    HandSide.RIGHT: (Joint.RIGHT_SHOULDER, Joint.RIGHT_ELBOW, Joint.RIGHT_WRIST),
}
SIDE_NAMES = {HandSide.LEFT: "left", HandSide.RIGHT: "right"}
WAIST_FRACTION = 0.2  # of the torso above the hips
CHIN_MARGIN_M = 0.08  # above the mouth line


@dataclass(frozen=True)
class HandFrame:
    """What one frame says about one hand, in world metres (camera axes)."""

    timestamp: float
    flat: bool  # fingers together and straight
    in_band: bool  # between waist and chin
    reach: float  # image distance of the hand from the mouth, in shoulder widths
    hand_x_px: float  # image x of the hand (left/right)
    palm_up: bool
    arm_extended: bool


def read_hand(
    timestamp: float,
    keypoints: np.ndarray,
    world: np.ndarray,
    hand: np.ndarray,
    side: HandSide,
    up: np.ndarray,
    config: GestureConfig,
) -> HandFrame:
    """Heights come from the world landmarks; how far the hand moves out comes from the
    image (the hand model's 2D landmarks are far steadier than the pose's depth)."""
    shoulder_joint, elbow_joint, wrist_joint = ARM[side]
    hips = midpoint(world, [Joint.LEFT_HIP, Joint.RIGHT_HIP])
    chest = midpoint(world, SHOULDERS)
    mouth = midpoint(world, [Joint.MOUTH_LEFT, Joint.MOUTH_RIGHT])
    wrist = world[wrist_joint]
    height = float(np.dot(wrist - hips, up))
    waist = WAIST_FRACTION * float(np.dot(chest - hips, up))
    chin = float(np.dot(mouth - hips, up)) + CHIN_MARGIN_M
    mouth_px = keypoints[[Joint.MOUTH_LEFT, Joint.MOUTH_RIGHT], :2].mean(axis=0)
    shoulders_px = float(
        np.linalg.norm(keypoints[Joint.LEFT_SHOULDER, :2] - keypoints[Joint.RIGHT_SHOULDER, :2])
    )
    hand_px = hand[:, :2].mean(axis=0)
    reach = float(np.linalg.norm(hand_px - mouth_px)) / max(shoulders_px, 1.0)
    normal = palm_normal(hand, side)
    elbow = angle_deg(world[shoulder_joint] - world[elbow_joint], wrist - world[elbow_joint])
    return HandFrame(
        timestamp=timestamp,
        flat=hand_shape(hand).together(config.hand),
        in_band=waist <= height <= chin,
        reach=reach,
        hand_x_px=float(hand_px[0]),
        palm_up=angle_deg(normal, up) <= config.guide_palm_up_deg,
        arm_extended=elbow >= config.guide_min_elbow_deg,
    )


@dataclass
class Run:
    """Consecutive qualifying frames of one hand (short gaps allowed)."""

    frames: list[HandFrame] = field(default_factory=list)
    seen: int = 0  # frames fed while the run was open, gaps included

    @property
    def share(self) -> float:
        return len(self.frames) / max(self.seen, 1)

    @property
    def start(self) -> float:
        return self.frames[0].timestamp

    @property
    def end(self) -> float:
        return self.frames[-1].timestamp


@dataclass(frozen=True)
class GestureFound:
    kind: Literal["welcome_gesture", "guiding_gesture"]
    start: float
    end: float
    values: GestureValues


class GestureDetector:
    """Both gestures for one hand of one track."""

    def __init__(self, side: HandSide, config: GestureConfig) -> None:
        self.side = side
        self.config = config
        self.welcome = Run()
        self.guide = Run()

    def update(self, frame: HandFrame | None, timestamp: float) -> list[GestureFound]:
        """Feed one frame (None: the hand was not read); returns gestures that just ended."""
        found: list[GestureFound] = []
        welcome_ok = frame is not None and frame.flat and frame.in_band
        guide_ok = frame is not None and frame.flat and frame.palm_up and frame.arm_extended
        for run, ok, finish in (
            (self.welcome, welcome_ok, self._finish_welcome),
            (self.guide, guide_ok, self._finish_guide),
        ):
            if run.frames or ok:
                run.seen += 1
            if ok and frame is not None:
                run.frames.append(frame)
            elif run.frames and timestamp - run.end > self.config.max_gap_s:
                result = finish(run)
                if result is not None:
                    found.append(result)
                run.frames, run.seen = [], 0
        return found

    def _sweep(self, run: Run) -> tuple[float, float]:
        """Largest outward movement (later reach minus an earlier one, in shoulder widths)
        and its image-x direction."""
        # A 3-frame median keeps landmark jitter from adding up to a sweep.
        reach = [
            float(np.median([f.reach for f in run.frames[max(0, i - 1) : i + 2]]))
            for i in range(len(run.frames))
        ]
        best, direction = 0.0, 0.0
        lowest = 0
        for index in range(1, len(reach)):
            if reach[index] - reach[lowest] > best:
                best = reach[index] - reach[lowest]
                direction = run.frames[index].hand_x_px - run.frames[lowest].hand_x_px
            if reach[index] < reach[lowest]:
                lowest = index
        return best, direction

    def open_since(self) -> float | None:
        """When the welcome gesture in progress began (None if none is)."""
        return self.welcome.start if self.welcome.frames else None

    def flush(self) -> list[GestureFound]:
        """The track or the recording ended: close what is open."""
        found = [
            f
            for f in (self._finish_welcome(self.welcome), self._finish_guide(self.guide))
            if f is not None
        ]
        self.welcome, self.guide = Run(), Run()
        return found

    def _values(self, run: Run, sweep: float) -> GestureValues:
        return GestureValues(
            hand=SIDE_NAMES[self.side],  # type: ignore[arg-type]
            sweep=round(sweep, 3),
            fingers_together_share=round(run.share, 3),
            duration_s=round(run.end - run.start, 3),
        )

    def _finish_welcome(self, run: Run) -> GestureFound | None:
        if not run.frames:
            return None
        sweep, direction = self._sweep(run)
        if run.end - run.start < self.config.min_duration_s or sweep < self.config.min_sweep:
            return None
        wanted = self.config.direction
        if (wanted == "left" and direction >= 0) or (wanted == "right" and direction <= 0):
            return None
        return GestureFound("welcome_gesture", run.start, run.end, self._values(run, sweep))

    def _finish_guide(self, run: Run) -> GestureFound | None:
        if not run.frames or run.end - run.start < self.config.guide_min_s:
            return None
        sweep, _ = self._sweep(run)
        return GestureFound("guiding_gesture", run.start, run.end, self._values(run, sweep))
