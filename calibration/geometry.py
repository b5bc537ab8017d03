"""Plane geometry on the floor (metres): polygons, segments, checks on point sets."""

from __future__ import annotations

import numpy as np

Point = tuple[float, float]


def point_in_polygon(point: np.ndarray, polygon: np.ndarray) -> bool:
    """Even-odd rule; ``polygon`` is (k, 2)."""
    x, y = float(point[0]), float(point[1])
    inside = False
    count = len(polygon)
    for i in range(count):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % count]
        if (y1 > y) != (y2 > y):
            cross_x = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross_x:
                inside = not inside
    return inside


def distance_to_segment(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    length_sq = float(ab @ ab)
    t = 0.0 if length_sq == 0 else float(np.clip((point - a) @ ab / length_sq, 0.0, 1.0))
    return float(np.linalg.norm(point - (a + t * ab)))


def side_of_line(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Positive left of a->b (seen from above, x right, y up), negative right, 0 on it."""
    return float((b[0] - a[0]) * (point[1] - a[1]) - (b[1] - a[1]) * (point[0] - a[0]))


def collinearity(points: np.ndarray) -> float:
    """How far a point set is from a line: the smaller singular value of the centred set over
    the larger (0 = all on one line)."""
    centred = points - points.mean(axis=0)
    singular = np.linalg.svd(centred, compute_uv=False)
    return float(singular[-1] / singular[0]) if singular[0] > 0 else 0.0


def closest_pair(points: np.ndarray) -> tuple[int, int, float]:
    """Indices and distance of the two closest points."""
    diff = points[:, None, :] - points[None, :, :]
    dist = np.sqrt((diff**2).sum(axis=-1))
    np.fill_diagonal(dist, np.inf)
    i, j = np.unravel_index(int(np.argmin(dist)), dist.shape)
    return int(min(i, j)), int(max(i, j)), float(dist[i, j])
