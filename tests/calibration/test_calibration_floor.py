"""Floor fitting against synthetic cameras with exact ground truth, and its refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from etiquette.calibration.camera_file import MarkedPoint
from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.floor_fit import fit_floor, read_points_csv
from etiquette.calibration.projection import FloorProjection
from etiquette.service.offline.synthetic.camera import SyntheticCamera

CAMERAS = 60
NOISE_PX = 0.5
REACH_M = 6.0


def _marks(pixels: np.ndarray, floor: np.ndarray) -> list[MarkedPoint]:
    return [MarkedPoint(u=u, v=v, x=x, y=y) for (u, v), (x, y) in zip(pixels, floor, strict=True)]


def _random_camera(rng: np.random.Generator) -> SyntheticCamera:
    return SyntheticCamera(
        height_m=rng.uniform(2.0, 4.0),
        tilt_deg=rng.uniform(10.0, 60.0),
        focal_px=rng.uniform(500.0, 1500.0),
        roll_deg=rng.uniform(-3.0, 3.0),
        yaw_deg=rng.uniform(-180.0, 180.0),
        position_xy=(rng.uniform(-3, 3), rng.uniform(-3, 3)),
    )


def test_synthetic_cameras_meet_the_accuracy_targets() -> None:
    rng = np.random.default_rng(2026)
    rows: list[tuple[float, ...]] = []
    while len(rows) < CAMERAS:
        camera = _random_camera(rng)
        clicked = camera.floor_pixels(rng, int(rng.integers(6, 11)), max_distance_m=8.0)
        probes = camera.floor_pixels(rng, 40, max_distance_m=REACH_M)
        if len(clicked) < 6 or len(probes) < 10:
            continue  # this view shows too little floor to mark
        truth = camera.floor_of_pixels(clicked)
        noisy = clicked + rng.normal(0.0, NOISE_PX, clicked.shape)
        fit = fit_floor(_marks(noisy, truth), camera.intrinsics)
        pose = fit.floor.pose
        assert pose is not None
        projection = FloorProjection(np.asarray(fit.floor.homography), camera.intrinsics, pose)
        expected, found = camera.floor_of_pixels(probes), projection.to_floor(probes)
        i, j = rng.integers(0, len(probes), (2, 100))
        pair_error = np.abs(
            np.linalg.norm(found[i] - found[j], axis=1)
            - np.linalg.norm(expected[i] - expected[j], axis=1)
        )
        gravity = np.asarray(pose.gravity_camera) @ camera.gravity_camera()
        rows.append(
            (
                abs(pose.tilt_deg - camera.tilt_deg),
                abs(pose.height_m - camera.height_m),
                float(pair_error.max()),
                float(np.linalg.norm(found - expected, axis=1).max()),
                float(np.linalg.norm(projection.to_pixels(found) - probes, axis=1).max()),
                math.degrees(math.acos(min(1.0, float(gravity)))),
            )
        )
    table = np.array(rows)
    names = ["tilt deg", "height m", "distance m", "position m", "round trip px", "gravity deg"]
    print(f"\n{CAMERAS} synthetic cameras, {NOISE_PX} px noise, probes within {REACH_M} m:")
    print(f"{'error':>14} {'median':>9} {'p95':>9} {'max':>9}")
    for name, column in zip(names, table.T, strict=True):
        print(
            f"{name:>14} {np.median(column):9.4f} {np.percentile(column, 95):9.4f} "
            f"{column.max():9.4f}"
        )
    tilt, height, distance, position, round_trip, gravity = table.T
    assert tilt.max() < 1.0
    assert height.max() < 0.05
    assert distance.max() < 0.05
    assert np.percentile(position, 95) < 0.05
    assert round_trip.max() < 0.5
    assert gravity.max() < 1.0


def test_homography_only_floor_keeps_distances_and_says_gravity_is_unknown() -> None:
    rng = np.random.default_rng(7)
    camera = SyntheticCamera(height_m=3.0, tilt_deg=35.0, focal_px=900.0)
    clicked = camera.floor_pixels(rng, 8, max_distance_m=8.0)
    fit = fit_floor(_marks(clicked, camera.floor_of_pixels(clicked)), intrinsics=None)
    assert fit.floor.pose is None
    assert any("gravity direction are unknown" in line for line in fit.report())
    probes = camera.floor_pixels(rng, 30, max_distance_m=REACH_M)
    projection = FloorProjection(np.asarray(fit.floor.homography))
    error = np.linalg.norm(projection.to_floor(probes) - camera.floor_of_pixels(probes), axis=1)
    assert error.max() < 0.01
    round_trip = projection.to_pixels(projection.to_floor(probes)) - probes
    assert np.abs(round_trip).max() < 0.01


def test_pixels_above_the_horizon_have_no_floor() -> None:
    rng = np.random.default_rng(3)
    camera = SyntheticCamera(height_m=3.0, tilt_deg=10.0, focal_px=800.0)
    clicked = camera.floor_pixels(rng, 8, max_distance_m=8.0)
    fit = fit_floor(_marks(clicked, camera.floor_of_pixels(clicked)), camera.intrinsics)
    projection = FloorProjection(
        np.asarray(fit.floor.homography), camera.intrinsics, fit.floor.pose
    )
    sky = projection.to_floor(np.array([[640.0, 5.0]]))  # far above the horizon at 10 degrees
    assert np.isnan(sky).all()


GOOD = [(100, 400, 0, 0), (500, 410, 2, 0), (520, 200, 2, 3), (120, 210, 0, 3), (300, 300, 1, 1.5)]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (GOOD[:3], "3 floor marks given; at least 4 are needed"),
        (
            [(100, 400, 0, 0), (200, 400, 1, 0), (300, 400, 2, 0), (400, 400, 3, 0)],
            "lie \\(nearly\\) on one line in the floor",
        ),
        ([*GOOD[:4], (100.5, 400.2, 0.001, 0.0)], "marks 1 and 5 nearly coincide on the floor"),
        ([*GOOD[:4], (100.5, 400.2, 1.0, 1.0)], "marks 1 and 5 nearly coincide on the image"),
        ([*GOOD[:4], (300, 300, float("nan"), 1.5)], "mark 5 has NaN"),
    ],
)
def test_refusals(points: list[tuple[float, float, float, float]], message: str) -> None:
    marks = [MarkedPoint(u=u, v=v, x=x, y=y) for u, v, x, y in points]
    with pytest.raises(CalibrationError, match=message):
        fit_floor(marks)


def test_mirrored_floor_axes_put_the_camera_below_the_floor() -> None:
    rng = np.random.default_rng(11)
    camera = SyntheticCamera(height_m=3.0, tilt_deg=40.0, focal_px=1000.0)
    clicked = camera.floor_pixels(rng, 8, max_distance_m=8.0)
    mirrored = camera.floor_of_pixels(clicked) * np.array([1.0, -1.0])
    with pytest.raises(CalibrationError, match="puts the camera below the floor"):
        fit_floor(_marks(clicked, mirrored), camera.intrinsics)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x,y,u,v\n1,2,3,4\n", "the header must be u,v,x,y"),
        ("u,v,x,y\n1,2,three,4\n", "line 2 is not four numbers"),
    ],
)
def test_points_csv_errors(text: str, message: str) -> None:
    with pytest.raises(CalibrationError, match=message):
        read_points_csv(text)
