"""Rotated square regions of interest and the affine warps between image and network input.

A region is given in image pixels: a centre, a size and a rotation (radians, clockwise in
the y-down image, as MediaPipe's NormalizedRect). A point (u, v) in [0, 1]^2 of the crop
lands in the image at ``centre + R(rotation) @ ((u - 0.5) * width, (v - 0.5) * height)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


def normalize_radians(angle: float) -> float:
    """Wrap an angle to [-pi, pi)."""
    return angle - 2.0 * math.pi * math.floor((angle + math.pi) / (2.0 * math.pi))


@dataclass(frozen=True, slots=True)
class Roi:
    """A rotated rectangle in image pixels."""

    center_x: float
    center_y: float
    width: float
    height: float
    rotation: float = 0.0

    @classmethod
    def aligned(
        cls,
        start: np.ndarray,
        end: np.ndarray,
        scale: float,
        target_angle: float = math.pi / 2,
    ) -> Roi:
        """Square region centred on ``start``, side ``2 * |end - start| * scale``, rotated so
        that ``end`` points up (MediaPipe's alignment-points rects plus a rect transformation)."""
        dx = float(end[0] - start[0])
        dy = float(end[1] - start[1])
        side = 2.0 * math.hypot(dx, dy) * scale
        rotation = normalize_radians(target_angle - math.atan2(-dy, dx))
        return cls(float(start[0]), float(start[1]), side, side, rotation)

    def transformed(
        self, scale: float = 1.0, shift_x: float = 0.0, shift_y: float = 0.0, square: bool = True
    ) -> Roi:
        """Scale the region and shift it along its own (rotated) axes, in units of its size."""
        cos_r, sin_r = math.cos(self.rotation), math.sin(self.rotation)
        dx = shift_x * self.width
        dy = shift_y * self.height
        cx = self.center_x + cos_r * dx - sin_r * dy
        cy = self.center_y + sin_r * dx + cos_r * dy
        width, height = self.width, self.height
        if square:
            width = height = max(width, height)
        return Roi(cx, cy, width * scale, height * scale, self.rotation)

    def corners(self) -> np.ndarray:
        """The four corners in image pixels, (4, 2): top-left, top-right, bottom-right,
        bottom-left as seen in the crop."""
        unit = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
        return self.crop_to_image(unit)

    def bounding_box(self) -> tuple[float, float, float, float]:
        """Axis-aligned (x1, y1, x2, y2) box around the rotated region."""
        pts = self.corners()
        return (
            float(pts[:, 0].min()),
            float(pts[:, 1].min()),
            float(pts[:, 0].max()),
            float(pts[:, 1].max()),
        )

    def crop_to_image(self, points: np.ndarray) -> np.ndarray:
        """Map (..., 2) crop-normalised points (u, v in [0, 1]) to image pixels."""
        cos_r, sin_r = math.cos(self.rotation), math.sin(self.rotation)
        local_x = (points[..., 0] - 0.5) * self.width
        local_y = (points[..., 1] - 0.5) * self.height
        out = np.empty((*points.shape[:-1], 2), dtype=np.float64)
        out[..., 0] = self.center_x + cos_r * local_x - sin_r * local_y
        out[..., 1] = self.center_y + sin_r * local_x + cos_r * local_y
        return out

    def rotate_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """Rotate (..., >=2) vectors' x, y by the region's rotation (world landmarks)."""
        cos_r, sin_r = math.cos(self.rotation), math.sin(self.rotation)
        out = vectors.astype(np.float64, copy=True)
        out[..., 0] = cos_r * vectors[..., 0] - sin_r * vectors[..., 1]
        out[..., 1] = sin_r * vectors[..., 0] + cos_r * vectors[..., 1]
        return out

    def image_to_crop_matrix(self, size: int) -> np.ndarray:
        """The 2x3 affine matrix mapping image pixels to a ``size`` x ``size`` crop."""
        src = self.crop_to_image(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
        dst = np.array([[0.0, 0.0], [size, 0.0], [0.0, size]])
        return cv2.getAffineTransform(src.astype(np.float32), dst.astype(np.float32))


def warp_roi(image: np.ndarray, roi: Roi, size: int) -> np.ndarray:
    """Cut ``roi`` out of an HxWx3 uint8 image as a ``size`` x ``size`` crop, zero outside."""
    matrix = roi.image_to_crop_matrix(size)
    return cv2.warpAffine(
        image,
        matrix,
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )


def square_roi_around(box: tuple[float, float, float, float], margin: float = 1.0) -> Roi:
    """An upright square region covering an axis-aligned box (times ``margin``)."""
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1) * margin
    return Roi((x1 + x2) / 2, (y1 + y2) / 2, side, side, 0.0)
