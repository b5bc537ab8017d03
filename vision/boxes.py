"""Axis-aligned boxes in image pixels (x1, y1, x2, y2) and how they overlap."""

from __future__ import annotations

import numpy as np

# Two boxes this alike are one person seen twice.
DUPLICATE_IOU = 0.5
DUPLICATE_INSIDE = 0.8

Box = tuple[float, float, float, float]


def box_iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def box_coverage(inner: Box, outer: Box) -> float:
    """Share of ``inner``'s area that lies inside ``outer``."""
    ix = max(0.0, min(inner[2], outer[2]) - max(inner[0], outer[0]))
    iy = max(0.0, min(inner[3], outer[3]) - max(inner[1], outer[1]))
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return ix * iy / area if area > 0 else 0.0


def box_center(box: Box) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def box_area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def grown_box(box: Box, margin: float) -> Box:
    """The box grown by ``margin`` times its width and height on every side."""
    dx, dy = (box[2] - box[0]) * margin, (box[3] - box[1]) * margin
    return (box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy)


def point_in_box(point: tuple[float, float] | np.ndarray, box: Box) -> bool:
    return bool(box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3])


def already_kept(box: Box, kept: list[Box]) -> bool:
    """Is this box someone already kept: overlapping, or lying almost wholly inside (a
    half-seen person's second, squashed skeleton)?"""
    return any(
        box_iou(box, other) > DUPLICATE_IOU
        or box_coverage(box, other) >= DUPLICATE_INSIDE
        or box_coverage(other, box) >= DUPLICATE_INSIDE
        for other in kept
    )
