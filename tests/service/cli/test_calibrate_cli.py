"""`etiquette calibrate` end to end on a real photo: a chessboard lying flat stands in for
the floor, its squares for floor tiles measured on site."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from etiquette.calibration.camera_file import load_camera
from etiquette.calibration.intrinsics import Board, find_corners
from etiquette.calibration.projection import FloorProjection
from etiquette.service.cli.main import main
from tests.conftest import SHARED_DATA, read_bgr, read_grey

pytestmark = pytest.mark.real_data  # reads ../shared/data

BOARD_DIR = SHARED_DATA / "calibration" / "chessboard_7x7"
SNAPSHOT = BOARD_DIR / "view12.jpg"
SQUARE = 0.025
MARKED = [0, 6, 42, 48, 3, 21, 27, 45, 24]  # 9 of the 49 corners are "measured on site"


def _corner_floor(index: int) -> tuple[float, float]:
    row, col = divmod(index, 7)
    # Seen from above the board, y runs 90 degrees counter-clockwise from x.
    return col * SQUARE, -row * SQUARE


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("camera")
    camera = folder / "camera.yaml"
    views = [str(p) for p in sorted(BOARD_DIR.glob("view*.jpg"))]
    args = ["calibrate", "intrinsics", *views, "--board", "7x7", "--square", "0.025"]
    assert main([*args, "--out", str(camera)]) == 0
    corners = find_corners(read_grey(SNAPSHOT), Board(7, 7, SQUARE))
    assert corners is not None
    pixels = corners.reshape(-1, 2)
    lines = ["u,v,x,y"] + [
        f"{pixels[i, 0]:.2f},{pixels[i, 1]:.2f},{_corner_floor(i)[0]},{_corner_floor(i)[1]}"
        for i in MARKED
    ]
    (folder / "points.csv").write_text("\n".join(lines) + "\n")
    assert (
        main(
            [
                "calibrate",
                "floor",
                "--camera",
                str(camera),
                "--points",
                str(folder / "points.csv"),
                "--image",
                str(SNAPSHOT),
                "--out",
                str(camera),
            ]
        )
        == 0
    )
    data = yaml.safe_load(camera.read_text())
    data["zones"] = {
        "door": {"a": [0.0, 0.0], "b": [0.15, 0.0], "inside": [0.075, -0.1]},
        "arrival_distance_m": 0.05,
        "posts": {"door_post": [[0.025, -0.1], [0.075, -0.1], [0.075, -0.15], [0.025, -0.15]]},
    }
    camera.write_text(yaml.safe_dump(data))
    return camera


def test_unmarked_corners_land_on_the_floor_where_they_are(calibrated: Path) -> None:
    camera = load_camera(calibrated)
    assert camera.intrinsics is not None and camera.floor is not None
    pose = camera.floor.pose
    assert pose is not None and pose.height_m > 0
    projection = FloorProjection.from_camera(camera, camera.floor)
    corners = find_corners(read_grey(SNAPSHOT), Board(7, 7, SQUARE))
    assert corners is not None
    others = [i for i in range(49) if i not in MARKED]
    found = projection.to_floor(corners.reshape(-1, 2)[others])
    expected = np.array([_corner_floor(i) for i in others])
    error_mm = np.linalg.norm(found - expected, axis=1) * 1000
    print(
        f"\n40 unmarked corners: floor error median {np.median(error_mm):.2f} mm, "
        f"max {error_mm.max():.2f} mm (squares of {SQUARE * 1000:.0f} mm)"
    )
    assert error_mm.max() < 1.0


def test_locate_both_ways(calibrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["calibrate", "locate", "--camera", str(calibrated), "--floor", "0.075,-0.075"]) == 0
    )
    pixel = json.loads(capsys.readouterr().out)["pixel"]
    assert (
        main(
            [
                "calibrate",
                "locate",
                "--camera",
                str(calibrated),
                "--pixel",
                f"{pixel[0]},{pixel[1]}",
            ]
        )
        == 0
    )
    floor = json.loads(capsys.readouterr().out)["floor"]
    assert floor == pytest.approx([0.075, -0.075], abs=1e-4)


def test_check_picture(calibrated: Path, tmp_path: Path) -> None:
    out = tmp_path / "overlay.png"
    args = ["calibrate", "check", "--camera", str(calibrated), "--image", str(SNAPSHOT)]
    assert main([*args, "--out", str(out), "--grid", "0.025"]) == 0
    overlay, original = read_bgr(out), read_bgr(SNAPSHOT)
    assert overlay.shape == original.shape
    changed = np.any(overlay != original, axis=2)
    assert 0.05 < changed.mean() < 0.9
    # The door line (red) runs along the first row of inner corners.
    corners = find_corners(read_grey(SNAPSHOT), Board(7, 7, SQUARE))
    assert corners is not None
    u, v = corners.reshape(-1, 2)[3]
    _, g, r = overlay[round(v), round(u)].astype(int)
    assert r > 150 and g < 120


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["locate", "--pixel", "10;20"], "two numbers separated by a comma"),
        (
            ["check", "--image", str(BOARD_DIR / "missing.jpg"), "--out", "x.png"],
            "not a readable image",
        ),
    ],
)
def test_user_errors_exit_2(
    calibrated: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    command, *rest = args
    assert main(["calibrate", command, "--camera", str(calibrated), *rest]) == 2
    assert message in capsys.readouterr().err


def test_floor_without_intrinsics_or_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = tmp_path / "points.csv"
    points.write_text("u,v,x,y\n1,1,0,0\n")
    code = main(
        [
            "calibrate",
            "floor",
            "--camera",
            str(tmp_path / "new.yaml"),
            "--points",
            str(points),
            "--out",
            str(tmp_path / "new.yaml"),
        ]
    )
    assert code == 2
    assert "give --image SNAPSHOT" in capsys.readouterr().err


def test_snapshot_of_another_size_is_refused(
    calibrated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = tmp_path / "small.png"
    cv2.imwrite(str(small), np.zeros((240, 320, 3), np.uint8))
    args = ["calibrate", "check", "--camera", str(calibrated), "--image", str(small)]
    assert main([*args, "--out", str(tmp_path / "o.png")]) == 2
    assert "use a snapshot at the camera's resolution" in capsys.readouterr().err


def test_a_camera_without_intrinsics_still_checks_and_locates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Homography only: floor distances, the check picture and locate work; no gravity."""
    corners = find_corners(read_grey(SNAPSHOT), Board(7, 7, SQUARE))
    assert corners is not None
    pixels = corners.reshape(-1, 2)
    rows = [
        f"{pixels[i, 0]:.2f},{pixels[i, 1]:.2f},{_corner_floor(i)[0]},{_corner_floor(i)[1]}"
        for i in MARKED
    ]
    (tmp_path / "points.csv").write_text("u,v,x,y\n" + "\n".join(rows) + "\n")
    camera = tmp_path / "plain.yaml"
    assert (
        main(
            [
                "calibrate",
                "floor",
                "--camera",
                str(camera),
                "--points",
                str(tmp_path / "points.csv"),
                "--image",
                str(SNAPSHOT),
                "--out",
                str(camera),
            ]
        )
        == 0
    )
    assert "gravity direction are unknown" in capsys.readouterr().out
    assert main(["calibrate", "locate", "--camera", str(camera), "--floor", "0.0,0.0"]) == 0
    pixel = json.loads(capsys.readouterr().out)["pixel"]
    assert pixel == pytest.approx(pixels[0].tolist(), abs=1.5)
    out = tmp_path / "plain.png"
    args = ["calibrate", "check", "--camera", str(camera), "--image", str(SNAPSHOT)]
    assert main([*args, "--out", str(out), "--grid", "0.025"]) == 0
    changed = np.any(read_bgr(out) != read_bgr(SNAPSHOT), axis=2)
    # The grid and the marks are drawn over the marked board and one grid cell around it.
    assert changed.mean() > 0.03


def test_the_check_picture_labels_zones_in_chinese(tmp_path: Path) -> None:
    """Issue 13: cv2 draws no Chinese; the check picture's labels use the bundled font."""
    from etiquette.calibration.overlay import draw_overlay
    from etiquette.service.cli.calibrate import _zone_words
    from etiquette.service.offline.demo import DEMO_CAMERA, DEMO_SAMPLE

    camera = load_camera(DEMO_CAMERA)
    assert camera.floor is not None
    words = _zone_words(camera)
    assert words["door"] == "门线 door line" and words["door_post"] == "岗位 door_post"
    video = cv2.VideoCapture(str(DEMO_SAMPLE))
    ok, frame = video.read()
    video.release()
    assert ok
    out = tmp_path / "check.png"
    args = ["calibrate", "check", "--camera", str(DEMO_CAMERA), "--image"]
    cv2.imwrite(str(tmp_path / "frame.png"), frame)
    assert main([*args, str(tmp_path / "frame.png"), "--out", str(out)]) == 0
    ascii_only = draw_overlay(frame, camera, camera.floor)
    assert np.any(read_bgr(out) != ascii_only)  # the labels differ: drawn by the CJK font
