"""Per-person tracks: each track follows its own landmark region from frame to frame, keeps
its id through short occlusions, and smooths what it reports."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from etiquette.models.roi import Roi
from etiquette.vision.boxes import Box, box_center, box_coverage, box_iou
from etiquette.vision.frame import NUM_HAND_JOINTS, NUM_HAND_SIDES, NUM_JOINTS
from etiquette.vision.smoothing import OneEuroFilter

__all__ = ["Box", "Track", "TrackBook", "box_center", "box_coverage", "box_iou", "keypoint_box"]


def keypoint_box(keypoints: np.ndarray, width: int, height: int, pad: float = 0.05) -> Box:
    """Box around all 33 landmarks, padded and clipped to the frame."""
    x1, y1 = keypoints[:, 0].min(), keypoints[:, 1].min()
    x2, y2 = keypoints[:, 0].max(), keypoints[:, 1].max()
    px, py = (x2 - x1) * pad, (y2 - y1) * pad
    right, bottom = width - 1.0, height - 1.0
    return (
        float(np.clip(x1 - px, 0.0, right)),
        float(np.clip(y1 - py, 0.0, bottom)),
        float(np.clip(x2 + px, 0.0, right)),
        float(np.clip(y2 + py, 0.0, bottom)),
    )


@dataclass
class Track:
    """One person followed over time."""

    track_id: int
    roi: Roi
    first_seen: float
    last_seen: float
    box: Box
    score: float = 0.0
    lowest_score: float = 1.0  # lowest landmark presence seen (a phantom's flickers)
    keypoints: np.ndarray = field(default_factory=lambda: np.zeros((NUM_JOINTS, 3)))
    world: np.ndarray = field(default_factory=lambda: np.full((NUM_JOINTS, 3), np.nan))
    hands: np.ndarray = field(
        default_factory=lambda: np.zeros((NUM_HAND_SIDES, NUM_HAND_JOINTS, 3))
    )
    hand_scores: np.ndarray = field(default_factory=lambda: np.zeros(NUM_HAND_SIDES))
    hand_rois: list[Roi | None] = field(default_factory=lambda: [None, None])
    velocity: tuple[float, float] = (0.0, 0.0)  # box centre, pixels per second
    # A new track is reported only once confirmed (it persisted, and moved or was certain).
    confirmed: bool = False
    frames_seen: int = 0
    moved: bool = False
    keypoint_filter: OneEuroFilter = field(default_factory=lambda: OneEuroFilter(1.0, 0.8))
    world_filter: OneEuroFilter = field(default_factory=lambda: OneEuroFilter(1.0, 0.8))
    _steady_size: float = 0.0

    def body_size(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1], 1.0)

    @property
    def steady_size(self) -> float:
        """The body size over the last second or so (the last box of a person leaving the
        picture, or bowing out of it, can be a sliver)."""
        return self._steady_size or self.body_size()

    def predicted_center(self, timestamp: float) -> tuple[float, float]:
        cx, cy = box_center(self.box)
        dt = timestamp - self.last_seen
        return (cx + self.velocity[0] * dt, cy + self.velocity[1] * dt)

    def update(
        self,
        timestamp: float,
        roi: Roi,
        box: Box,
        score: float,
        keypoints: np.ndarray,
        world: np.ndarray,
    ) -> None:
        dt = timestamp - self.last_seen
        if dt > 0:
            (ox, oy), (nx, ny) = box_center(self.box), box_center(box)
            self.velocity = ((nx - ox) / dt, (ny - oy) / dt)
        self.roi = roi
        self.box = box
        self.score = score
        self.lowest_score = min(self.lowest_score, score)
        self.frames_seen += 1
        self.last_seen = timestamp
        size = self.body_size()
        weight = min(1.0, max(dt, 0.0)) if self._steady_size else 1.0
        self._steady_size += weight * (size - self._steady_size)
        smoothed_xy = self.keypoint_filter(keypoints[:, :2], timestamp, scale=size)
        self.keypoints = np.concatenate([smoothed_xy, keypoints[:, 2:3]], axis=1)
        self.world = (
            self.world_filter(world, timestamp) if not np.isnan(world).any() else world.copy()
        )


class TrackBook:
    """Live tracks plus recently lost ones whose ids can be given back."""

    def __init__(self, grace_seconds: float = 1.5, rematch_distance: float = 0.6) -> None:
        self.active: list[Track] = []
        self.lost: list[Track] = []
        self.grace_seconds = grace_seconds
        self.rematch_distance = rematch_distance
        self._next_id = 1

    def lose(self, track: Track) -> None:
        self.active.remove(track)
        self.lost.append(track)

    def expire(self, timestamp: float) -> None:
        self.lost = [t for t in self.lost if timestamp - t.last_seen <= self.grace_seconds]

    def start(self, timestamp: float, roi: Roi, box: Box) -> Track:
        """A new person: take back the id of a lost track near its predicted place, or a new
        id."""
        center = box_center(box)
        best: Track | None = None
        best_distance = math.inf
        for candidate in self.lost:
            # Where they were, or where their last motion was taking them: a person who
            # bowed out of the picture comes back where they went down, not where the
            # head's downward speed would have carried them.
            places = (box_center(candidate.box), candidate.predicted_center(timestamp))
            distance = min(math.hypot(center[0] - px, center[1] - py) for px, py in places) / max(
                candidate.body_size(), candidate.steady_size
            )
            if distance < best_distance:
                best, best_distance = candidate, distance
        if best is not None and best_distance <= self.rematch_distance:
            self.lost.remove(best)
            best.roi = roi
            best.hand_rois = [None, None]
            self.active.append(best)
            return best
        track = Track(self._next_id, roi, timestamp, timestamp, box)
        self._next_id += 1
        self.active.append(track)
        return track
