"""Lens intrinsics on the 19 real webcam chessboard photos, and on rendered boards."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from etiquette.calibration import intrinsics as intrinsics_module
from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.intrinsics import Board, calibrate_intrinsics, find_corners, parse_board
from tests.conftest import SHARED_DATA, read_grey

pytestmark = pytest.mark.real_data  # reads ../shared/data

VIEWS = sorted((SHARED_DATA / "calibration" / "chessboard_7x7").glob("view*.jpg"))
BOARD = Board(7, 7, 0.025)  # the square size is not known: 25 mm is an assumption


def _plain_opencv_rms(paths: list[Path]) -> float:
    """The baseline: OpenCV's sector-based detector and a plain calibrateCamera."""
    corners = []
    for path in paths:
        found, points = cv2.findChessboardCornersSB(read_grey(path), (7, 7))
        assert found
        corners.append(points)
    objects = [BOARD.object_points()] * len(corners)
    rms, *_ = cv2.calibrateCamera(objects, corners, (640, 480), None, None)  # type: ignore[call-overload]
    return float(rms)


def test_real_webcam_views_beat_the_plain_opencv_fit() -> None:
    assert len(VIEWS) == 19
    fit = calibrate_intrinsics(VIEWS, BOARD)
    baseline = _plain_opencv_rms(VIEWS)
    print("\n" + "\n".join(fit.report()))
    print(f"plain OpenCV (findChessboardCornersSB + calibrateCamera): {baseline:.3f} px")
    assert all(view.found and view.rejected is None for view in fit.views), "a view was dropped"
    assert fit.intrinsics.views == 19
    assert fit.rms_px <= baseline
    assert all(view.rms_px is not None and view.rms_px < 1.0 for view in fit.views)


def test_the_gain_holds_on_views_left_out_of_the_fit() -> None:
    """Fit on 15 views, measure on the other 4 (pose fitted, lens and board fixed): the
    lower error is not bought by overfitting."""
    train, test = VIEWS[::5] + VIEWS[1::5] + VIEWS[2::5] + VIEWS[3::5], VIEWS[4::5]
    fit = calibrate_intrinsics(train, BOARD)
    objects = BOARD.object_points()
    found = [find_corners(read_grey(p), BOARD) for p in train]
    plain_corners = [c for c in found if c is not None]
    assert len(plain_corners) == len(train)
    _, plain_k, plain_d, *_ = cv2.calibrateCamera(  # type: ignore[call-overload]
        [objects] * len(train), plain_corners, (640, 480), None, None
    )
    ours: list[float] = []
    plain: list[float] = []
    for path in test:
        corners = find_corners(read_grey(path), BOARD)
        assert corners is not None
        for matrix, distortion, errors in (
            (fit.intrinsics.matrix(), fit.intrinsics.coefficients(), ours),
            (plain_k, plain_d, plain),
        ):
            _, rvec, tvec = cv2.solvePnP(objects, corners, matrix, distortion)
            projected, _ = cv2.projectPoints(objects, rvec, tvec, matrix, distortion)
            residual = projected.reshape(-1, 2) - corners.reshape(-1, 2)
            errors.append(float(np.sqrt(np.mean(np.sum(residual**2, axis=1)))))
    print(f"\nheld-out views: ours {np.mean(ours):.3f} px, plain {np.mean(plain):.3f} px")
    assert np.mean(ours) <= np.mean(plain) * 1.05


def _render_board(matrix: np.ndarray, rvec: np.ndarray, tvec: np.ndarray) -> np.ndarray:
    """A synthetic photo of an 8x8-square board (7x7 inner corners), 25 mm squares."""
    pixels_per_m, margin = 4000, 0.05
    side = 8 * 0.025 + 2 * margin
    size = int(side * pixels_per_m)
    texture = np.full((size, size), 255, np.uint8)
    for row in range(8):
        for col in range(8):
            if (row + col) % 2 == 0:
                y0 = int((margin + row * 0.025) * pixels_per_m)
                x0 = int((margin + col * 0.025) * pixels_per_m)
                texture[y0 : y0 + 100, x0 : x0 + 100] = 0
    rotation, _ = cv2.Rodrigues(rvec)
    # Texture pixel -> board metres (first inner corner at the origin) -> image.
    to_board = np.array(
        [[1 / pixels_per_m, 0, -margin - 0.025], [0, 1 / pixels_per_m, -margin - 0.025], [0, 0, 1]]
    )
    to_image = matrix @ np.column_stack([rotation[:, 0], rotation[:, 1], tvec]) @ to_board
    image = cv2.warpPerspective(texture, to_image, (640, 480), borderValue=(128,))
    return cv2.GaussianBlur(image, (3, 3), 0)


def test_boards_in_one_corner_of_the_image_give_a_coverage_warning(tmp_path: Path) -> None:
    matrix = np.array([[600.0, 0, 320], [0, 600, 240], [0, 0, 1]])
    paths = []
    for index, (rx, ry) in enumerate([(0.3, 0.0), (-0.3, 0.1), (0.0, 0.35), (0.2, -0.3)]):
        image = _render_board(matrix, np.array([rx, ry, 0.05]), np.array([-0.12, -0.1, 0.6]))
        path = tmp_path / f"board{index}.png"
        cv2.imwrite(str(path), image)
        paths.append(path)
    fit = calibrate_intrinsics(paths, BOARD)
    assert fit.coverage < 0.5
    assert any("cover only" in warning for warning in fit.warnings)


def test_a_bad_detection_is_rejected_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    real = intrinsics_module.find_corners
    calls = [0]

    def shaky(image: np.ndarray, board: Board) -> np.ndarray | None:
        corners = real(image, board)
        if corners is not None and calls[0] == 4:  # the fifth photo, view05
            noise = np.random.default_rng(0).normal(0, 6.0, corners.shape)
            corners = (corners + noise).astype(np.float32)
        calls[0] += 1
        return corners

    monkeypatch.setattr(intrinsics_module, "find_corners", shaky)
    fit = calibrate_intrinsics(VIEWS, BOARD)
    rejected = [v for v in fit.views if v.rejected]
    assert [Path(v.path).name for v in rejected] == ["view05.jpg"]
    assert rejected[0].rejected is not None and rejected[0].rejected.startswith("outlier")
    assert fit.intrinsics.views == 18
    assert any("view05.jpg: rejected: outlier" in line for line in fit.report())


def test_too_few_boards_found(tmp_path: Path) -> None:
    unreadable = tmp_path / "broken.jpg"
    unreadable.write_bytes(b"no image here")
    with pytest.raises(CalibrationError, match="found in 2 of 3 images; at least 3"):
        calibrate_intrinsics([*VIEWS[:2], unreadable], BOARD)
    with pytest.raises(CalibrationError, match="found in 0 of 3 images"):
        calibrate_intrinsics(VIEWS[:3], Board(9, 6, 0.025))


@pytest.mark.parametrize(
    ("board", "square", "message"),
    [("7by7", 0.025, "COLSxROWS"), ("1x7", 0.025, "at least 2x2"), ("7x7", 0.0, "metres")],
)
def test_board_arguments(board: str, square: float, message: str) -> None:
    with pytest.raises(CalibrationError, match=message):
        parse_board(board, square)
