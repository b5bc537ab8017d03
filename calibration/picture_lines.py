"""Floor lines as pixel polylines, for a page to draw on the picture: the floor grid and the
zones, densified so that lens distortion bends them, cut where they leave the view."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from etiquette.calibration.camera_file import Zones
from etiquette.calibration.overlay import SAMPLES_PER_SEGMENT, grid_lines
from etiquette.calibration.projection import FloorProjection
from etiquette.calibration.zones import FloorZones


@dataclass(frozen=True)
class Shape:
    kind: str  # door, arrival, post, counter, queue, area
    name: str
    floor: np.ndarray  # (n, 2) metres, closed polygons repeat their first corner


def pieces(
    projection: FloorProjection, floor: np.ndarray, size: tuple[int, int]
) -> list[np.ndarray]:
    """The pixel polylines of a floor polyline: the parts in front of the camera and near
    the picture (a line running off to the horizon is cut)."""
    dense = [
        start + (end - start) * np.linspace(0.0, 1.0, SAMPLES_PER_SEGMENT)[:, None]
        for start, end in itertools.pairwise(np.asarray(floor, dtype=np.float64))
    ]
    if not dense:
        return []
    path = np.vstack(dense)
    pixels = projection.to_pixels(path)
    limit = 2 * max(size)
    ok = projection.in_front(path) & np.isfinite(pixels).all(axis=1)
    ok &= (np.abs(pixels) < limit).all(axis=1)
    found, current = [], []
    for keep, pixel in zip(ok, pixels, strict=True):
        if keep:
            current.append(pixel)
        elif current:
            found.append(np.array(current))
            current = []
    if current:
        found.append(np.array(current))
    return [piece for piece in found if len(piece) > 1]


def grid(
    projection: FloorProjection,
    size: tuple[int, int],
    spacing_m: float,
    known: np.ndarray | None = None,
) -> list[np.ndarray]:
    """The floor grid's lines in the picture, within one cell of the ``known`` floor points
    (the marks and zones; see overlay.grid_lines)."""
    lines = grid_lines(projection, size, spacing_m, known)
    return [piece for line in lines for piece in pieces(projection, line, size)]


def shapes(zones: Zones) -> list[Shape]:
    """The zones as floor polylines, named (closed polygons end at their first corner)."""
    floor = FloorZones(zones)
    found = []
    if floor.door is not None:
        arrival = floor.arrival_polygon()
        found.append(Shape("arrival", "arrival", np.vstack([arrival, arrival[:1]])))
        found.append(Shape("door", "door", np.array([floor.door.a, floor.door.b])))
    for kind, polygons in (
        ("post", floor.posts),
        ("counter", floor.counters),
        ("area", floor.areas),
    ):
        for name, polygon in polygons.items():
            found.append(Shape(kind, name, np.vstack([polygon, polygon[:1]])))
    if floor.queue is not None:
        found.append(Shape("queue", "queue", np.vstack([floor.queue, floor.queue[:1]])))
    return found
