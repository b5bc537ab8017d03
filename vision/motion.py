"""Moving regions of a fixed camera: a second source of person proposals for the people the
face-based detector misses (seen from behind, small, far)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class MotionSettings:
    work_width: int = 192  # background model resolution (cheap; people stay several px wide)
    history: int = 300
    var_threshold: float = 24.0
    min_area_fraction: float = 0.002  # of the frame, to ignore noise and small objects
    learning_rate: float = -1.0  # OpenCV's automatic rate


class MotionRegions:
    """Background subtraction on a small grey copy of each frame, giving boxes of blobs."""

    def __init__(self, settings: MotionSettings | None = None) -> None:
        self.settings = settings or MotionSettings()
        self.subtractor = cv2.createBackgroundSubtractorMOG2(
            history=self.settings.history,
            varThreshold=self.settings.var_threshold,
            detectShadows=True,
        )
        self.kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        self.mask: np.ndarray | None = None
        self.scale = 1.0

    def update(self, image: np.ndarray) -> list[Box]:
        """Feed an RGB frame; returns boxes (pixels of the full frame) of moving blobs."""
        height, width = image.shape[:2]
        scale = self.settings.work_width / width
        small = cv2.resize(
            image,
            (self.settings.work_width, max(1, round(height * scale))),
            interpolation=cv2.INTER_LINEAR,
        )
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        mask = self.subtractor.apply(grey, learningRate=self.settings.learning_rate)
        # Shadows (127) are not people.
        _, mask = cv2.threshold(mask, 200, 255, cv2.THRESH_BINARY)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self.kernel)
        mask = cv2.dilate(mask, self.kernel, iterations=2)
        self.mask, self.scale = mask, scale
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        min_area = self.settings.min_area_fraction * mask.shape[0] * mask.shape[1]
        boxes: list[Box] = []
        for label in range(1, count):
            x, y, w, h, area = stats[label]
            if area >= min_area:
                boxes.append((x / scale, y / scale, (x + w) / scale, (y + h) / scale))
        return boxes

    def foreground_share(self, box: Box) -> float:
        """Share of a box (full-frame pixels) that moved in the last frame; 0 before any."""
        if self.mask is None:
            return 0.0
        x1, y1, x2, y2 = (max(0, round(v * self.scale)) for v in box)
        region = self.mask[y1 : max(y1 + 1, y2), x1 : max(x1 + 1, x2)]
        return float(np.count_nonzero(region)) / max(region.size, 1)
