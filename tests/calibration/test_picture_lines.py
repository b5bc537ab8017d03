"""The floor grid drawn on the calibration picture covers the floor the installer measured
(the marks and zones, one grid cell around them), not the plane's continuation up the walls
toward the horizon."""

from __future__ import annotations

import numpy as np
import pytest

from etiquette.calibration.camera_file import load_camera
from etiquette.calibration.picture_lines import grid
from etiquette.calibration.projection import FloorProjection
from etiquette.service.offline.demo import DEMO_CAMERA

SPACING_M = 0.5


@pytest.fixture(scope="module")
def sample() -> tuple[FloorProjection, tuple[int, int], np.ndarray]:
    camera = load_camera(DEMO_CAMERA)
    assert camera.floor is not None
    projection = FloorProjection.from_camera(camera, camera.floor)
    marks = np.array([[p.x, p.y] for p in camera.floor.points])
    return projection, (camera.image_size[0], camera.image_size[1]), marks


def _grid_floor(projection: FloorProjection, lines: list[np.ndarray]) -> np.ndarray:
    return projection.to_floor(np.vstack(lines))


def test_the_grid_stays_within_a_cell_of_the_marks(
    sample: tuple[FloorProjection, tuple[int, int], np.ndarray],
) -> None:
    projection, size, marks = sample
    lines = grid(projection, size, SPACING_M, known=marks)
    assert lines, "the measured floor must be drawn"
    floor = _grid_floor(projection, lines)
    low, high = marks.min(axis=0) - SPACING_M, marks.max(axis=0) + SPACING_M
    outside = ~((floor >= low - 1e-6) & (floor <= high + 1e-6)).all(axis=1)
    assert not outside.any(), f"grid drawn off the measured floor at {floor[outside][:3]}"


def test_the_grid_covers_the_marks(
    sample: tuple[FloorProjection, tuple[int, int], np.ndarray],
) -> None:
    projection, size, marks = sample
    floor = _grid_floor(projection, grid(projection, size, SPACING_M, known=marks))
    low, high = marks.min(axis=0), marks.max(axis=0)
    assert (floor.min(axis=0) <= low).all() and (floor.max(axis=0) >= high).all()


def test_the_grid_stays_below_the_measured_floor_in_the_picture(
    sample: tuple[FloorProjection, tuple[int, int], np.ndarray],
) -> None:
    """What the installer saw: no grid line climbs the wall above the measured floor."""
    projection, size, marks = sample
    (x0, y0), (x1, y1) = marks.min(axis=0) - SPACING_M, marks.max(axis=0) + SPACING_M
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    highest_corner_v = float(projection.to_pixels(corners)[:, 1].min())
    lines = grid(projection, size, SPACING_M, known=marks)
    top = min(float(line[:, 1].min()) for line in lines)
    assert top >= highest_corner_v - 2.0, f"grid up to v={top:.0f}, floor to {highest_corner_v:.0f}"
