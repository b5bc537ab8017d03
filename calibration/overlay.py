"""The check picture: zones, the door line, a floor grid and the marks drawn on a snapshot."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

import cv2
import numpy as np

from etiquette.calibration.camera_file import CameraFile, Floor
from etiquette.calibration.projection import FloorProjection
from etiquette.calibration.zones import FloorZones

GRID_COLOR = (255, 255, 255)  # BGR
DOOR_COLOR = (0, 0, 255)
ARRIVAL_COLOR = (0, 165, 255)
POST_COLOR = (0, 200, 0)
COUNTER_COLOR = (255, 128, 0)
QUEUE_COLOR = (0, 255, 255)
AREA_COLOR = (170, 36, 142)  # purple, as the calibration page draws areas
MARK_COLOR = (255, 0, 255)
SAMPLES_PER_SEGMENT = 24  # enough for lens distortion to bend a drawn line
MAX_GRID_LINES = 200
Outline = tuple[np.ndarray, tuple[int, int, int]]  # pixels (n, 2), BGR colour
# Draws text on a BGR canvas at a pixel in a BGR colour (the service passes one that draws
# Chinese with its bundled font; cv2's own draws ASCII only).
TextWriter = Callable[[np.ndarray, str, tuple[int, int], tuple[int, int, int]], None]


def ascii_text(
    canvas: np.ndarray, text: str, at: tuple[int, int], color: tuple[int, int, int]
) -> None:
    cv2.putText(canvas, text, at, cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1, cv2.LINE_AA)


def visible_floor_bounds(projection: FloorProjection, size: tuple[int, int]) -> np.ndarray:
    """(x_min, y_min, x_max, y_max) of the floor the image shows (bounded)."""
    width, height = size
    us, vs = np.meshgrid(np.linspace(0, width - 1, 40), np.linspace(0, height - 1, 30))
    floor = projection.to_floor(np.column_stack([us.ravel(), vs.ravel()]))
    floor = floor[np.isfinite(floor).all(axis=1)]
    if len(floor) == 0:
        return np.zeros(4)
    # The far floor near the horizon runs off to infinity: keep the nearest 90%.
    centre = np.median(floor, axis=0)
    distance = np.linalg.norm(floor - centre, axis=1)
    floor = floor[distance <= np.percentile(distance, 90)]
    return np.array([*floor.min(axis=0), *floor.max(axis=0)])


def _polyline(
    canvas: np.ndarray,
    projection: FloorProjection,
    floor: np.ndarray,
    color: tuple[int, int, int],
    thickness: int,
    closed: bool = False,
) -> None:
    """Draw a floor polyline, densified so lens distortion bends it, skipping parts behind
    the camera."""
    points = np.vstack([floor, floor[:1]]) if closed else floor
    dense = []
    for start, end in itertools.pairwise(points):
        steps = np.linspace(0.0, 1.0, SAMPLES_PER_SEGMENT)[:, None]
        dense.append(start + (end - start) * steps)
    path = np.vstack(dense)
    visible = projection.in_front(path)
    pixels = projection.to_pixels(path)
    height, width = canvas.shape[:2]
    limit = 4 * max(width, height)
    ok = visible & (np.abs(pixels) < limit).all(axis=1)
    for index in range(len(path) - 1):
        if ok[index] and ok[index + 1]:
            a = (round(pixels[index, 0]), round(pixels[index, 1]))
            b = (round(pixels[index + 1, 0]), round(pixels[index + 1, 1]))
            cv2.line(canvas, a, b, color, thickness, cv2.LINE_AA)


def _label(
    canvas: np.ndarray,
    projection: FloorProjection,
    floor: np.ndarray,
    text: str,
    color: tuple[int, int, int],
    write: TextWriter,
) -> None:
    centre = floor.mean(axis=0)[None]
    if projection.in_front(centre)[0]:
        u, v = projection.to_pixels(centre)[0]
        if np.isfinite([u, v]).all():
            write(canvas, text, (int(u), int(v)), color)


def grid_lines(
    projection: FloorProjection,
    size: tuple[int, int],
    spacing_m: float,
    known: np.ndarray | None = None,
) -> list[np.ndarray]:
    """The floor grid's lines in metres: over the floor the picture shows and, when
    ``known`` floor points are given (the marks, the zones), only within one cell of them:
    the plane goes on up the walls to the horizon, where a grid would mislead. None when
    it would be denser than the picture can show."""
    x0, y0, x1, y1 = visible_floor_bounds(projection, size)
    if known is not None and len(known):
        low, high = np.min(known, axis=0) - spacing_m, np.max(known, axis=0) + spacing_m
        x0, y0 = max(x0, low[0]), max(y0, low[1])
        x1, y1 = min(x1, high[0]), min(y1, high[1])
        # Lines on the cell boundaries within the band: the bounds themselves stay inside.
        first_x, first_y = math.ceil(x0 / spacing_m - 1e-9), math.ceil(y0 / spacing_m - 1e-9)
        last_x, last_y = math.floor(x1 / spacing_m + 1e-9), math.floor(y1 / spacing_m + 1e-9)
    else:
        first_x, first_y = math.floor(x0 / spacing_m), math.floor(y0 / spacing_m)
        last_x, last_y = math.ceil(x1 / spacing_m), math.ceil(y1 / spacing_m)
    if last_x < first_x or last_y < first_y:
        return []
    if (last_x - first_x) + (last_y - first_y) > MAX_GRID_LINES:
        return []  # a grid this dense would hide the picture
    xs = [i * spacing_m for i in range(first_x, last_x + 1)]
    ys = [j * spacing_m for j in range(first_y, last_y + 1)]
    return [np.array([[x, ys[0]], [x, ys[-1]]]) for x in xs] + [
        np.array([[xs[0], y], [xs[-1], y]]) for y in ys
    ]


def draw_grid(
    canvas: np.ndarray,
    projection: FloorProjection,
    spacing_m: float,
    known: np.ndarray | None = None,
) -> None:
    size = (canvas.shape[1], canvas.shape[0])
    for line in grid_lines(projection, size, spacing_m, known):
        _polyline(canvas, projection, line, GRID_COLOR, 1)


def measured_floor(floor: Floor, zones: FloorZones) -> np.ndarray:
    """The floor points the installer measured or drew: the marks and the zones' corners."""
    points = [np.array([[p.x, p.y] for p in floor.points]).reshape(-1, 2)]
    if zones.door is not None:
        points.append(zones.arrival_polygon())
    points += [*zones.posts.values(), *zones.counters.values(), *zones.areas.values()]
    if zones.queue is not None:
        points.append(zones.queue)
    return np.vstack(points)


def draw_overlay(
    image_bgr: np.ndarray,
    camera: CameraFile,
    floor: Floor,
    grid_m: float = 0.5,
    write: TextWriter = ascii_text,
    words: Mapping[str, str] | None = None,
) -> np.ndarray:
    """A copy of the snapshot with the floor grid, zones, door line and marks; labels are
    ``words`` for "door" and "queue" and the zones' names (as they are without)."""
    said = dict(words or {})
    canvas = image_bgr.copy()
    projection = FloorProjection.from_camera(camera, floor)
    zones = FloorZones(camera.zones)
    draw_grid(canvas, projection, grid_m, measured_floor(floor, zones))
    arrival = zones.arrival_polygon()
    if len(arrival):
        layer = canvas.copy()
        _fill(layer, projection, arrival, ARRIVAL_COLOR)
        canvas = cv2.addWeighted(layer, 0.35, canvas, 0.65, 0)
        _polyline(canvas, projection, arrival, ARRIVAL_COLOR, 2, closed=True)
    if zones.door is not None:
        _polyline(canvas, projection, np.array([zones.door.a, zones.door.b]), DOOR_COLOR, 3)
        door = np.array([zones.door.a, zones.door.b])
        _label(canvas, projection, door, said.get("door", "door"), DOOR_COLOR, write)
    for polygons, color in (
        (zones.posts, POST_COLOR),
        (zones.counters, COUNTER_COLOR),
        (zones.areas, AREA_COLOR),
    ):
        for name, polygon in polygons.items():
            _polyline(canvas, projection, polygon, color, 2, closed=True)
            _label(canvas, projection, polygon, said.get(name, name), color, write)
    if zones.queue is not None:
        _polyline(canvas, projection, zones.queue, QUEUE_COLOR, 2, closed=True)
        _label(canvas, projection, zones.queue, said.get("queue", "queue"), QUEUE_COLOR, write)
    for mark in floor.points:
        cv2.circle(canvas, (round(mark.u), round(mark.v)), 5, MARK_COLOR, 1, cv2.LINE_AA)
        fitted = projection.to_pixels(np.array([[mark.x, mark.y]]))[0]
        if np.isfinite(fitted).all():
            cv2.drawMarker(
                canvas, (round(fitted[0]), round(fitted[1])), MARK_COLOR, cv2.MARKER_CROSS, 8, 1
            )
    return canvas


def _fill(
    canvas: np.ndarray,
    projection: FloorProjection,
    polygon: np.ndarray,
    color: tuple[int, int, int],
) -> None:
    visible = projection.in_front(polygon)
    if not visible.all():
        return
    pixels = projection.to_pixels(polygon)
    cv2.fillPoly(canvas, [np.round(pixels).astype(np.int32)], color, cv2.LINE_AA)


def zone_outlines(camera: CameraFile, floor: Floor) -> list[Outline]:
    """The door line and zone outlines in pixels (BGR colours), computed once for drawing on
    every live frame."""
    projection = FloorProjection.from_camera(camera, floor)
    zones = FloorZones(camera.zones)
    shapes: list[Outline] = []
    if zones.door is not None:
        shapes.append((np.array([zones.door.a, zones.door.b]), DOOR_COLOR))
        arrival = zones.arrival_polygon()
        shapes.append((np.vstack([arrival, arrival[:1]]), ARRIVAL_COLOR))
    for polygon in zones.posts.values():
        shapes.append((np.vstack([polygon, polygon[:1]]), POST_COLOR))
    for polygon in zones.counters.values():
        shapes.append((np.vstack([polygon, polygon[:1]]), COUNTER_COLOR))
    outlines = []
    for floor_points, color in shapes:
        dense = np.vstack(
            [
                start + (end - start) * np.linspace(0.0, 1.0, SAMPLES_PER_SEGMENT)[:, None]
                for start, end in itertools.pairwise(floor_points)
            ]
        )
        visible = projection.in_front(dense)
        if visible.any():
            outlines.append((projection.to_pixels(dense[visible]), color))
    return outlines
