"""Lens intrinsics from chessboard photos.

Corners come from OpenCV's sector-based detector (sub-pixel by design). The fit releases the
board (Strobl and Hirzinger's object-releasing calibration, cv2.calibrateCameraRO): a printed
sheet is never perfectly flat or regular, and estimating its true corner positions with the
lens roughly halves the reprojection error on the shared webcam views, also on views left out
of the fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from etiquette.calibration.camera_file import Intrinsics
from etiquette.calibration.errors import CalibrationError

MIN_VIEWS = 3
# A view this much worse than the median (and above OUTLIER_FLOOR_PX) is a bad detection.
OUTLIER_FACTOR = 3.0
OUTLIER_FLOOR_PX = 1.0
COVERAGE_GRID = (8, 6)
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Board:
    columns: int  # inner corners along a row
    rows: int
    square_m: float

    def object_points(self) -> np.ndarray:
        grid = np.mgrid[0 : self.columns, 0 : self.rows].T.reshape(-1, 2)
        points = np.zeros((self.columns * self.rows, 3), np.float32)
        points[:, :2] = grid * self.square_m
        return points


@dataclass
class ViewResult:
    path: str
    found: bool
    rms_px: float | None = None
    rejected: str | None = None  # why the view was left out


@dataclass
class IntrinsicsFit:
    intrinsics: Intrinsics
    rms_px: float
    views: list[ViewResult]
    coverage: float  # share of image grid cells the boards covered
    image_size: tuple[int, int]
    warnings: list[str] = field(default_factory=list)
    undistorted_corners_max_shift_px: float = 0.0

    def report(self) -> list[str]:
        used = [v for v in self.views if v.rms_px is not None and v.rejected is None]
        lines = [
            f"intrinsics: fx {self.intrinsics.fx:.1f} fy {self.intrinsics.fy:.1f} "
            f"cx {self.intrinsics.cx:.1f} cy {self.intrinsics.cy:.1f} px, distortion "
            + ", ".join(f"{c:.4f}" for c in self.intrinsics.distortion),
            f"RMS reprojection error {self.rms_px:.3f} px over {len(used)} views; undistortion "
            f"moves image corners by up to {self.undistorted_corners_max_shift_px:.1f} px",
        ]
        for view in self.views:
            if view.rejected:
                lines.append(f"  {view.path}: rejected: {view.rejected}")
            else:
                lines.append(f"  {view.path}: {view.rms_px:.3f} px")
        lines += [f"warning: {w}" for w in self.warnings]
        return lines


def parse_board(text: str, square_m: float) -> Board:
    try:
        columns, rows = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise CalibrationError(
            f"--board {text!r}: give the inner corners as COLSxROWS, e.g. 7x7"
        ) from None
    if columns < 2 or rows < 2:
        raise CalibrationError(f"--board {text!r}: a board needs at least 2x2 inner corners")
    if not square_m > 0:
        raise CalibrationError(f"--square {square_m}: give the square size in metres, e.g. 0.025")
    return Board(columns, rows, square_m)


def find_corners(image: np.ndarray, board: Board) -> np.ndarray | None:
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    found, corners = cv2.findChessboardCornersSB(grey, (board.columns, board.rows))
    return np.asarray(corners, dtype=np.float32) if found else None


def _per_view_rms(
    objects: list[np.ndarray],
    corners: list[np.ndarray],
    matrix: np.ndarray,
    distortion: np.ndarray,
    rvecs: tuple[np.ndarray, ...],
    tvecs: tuple[np.ndarray, ...],
) -> list[float]:
    errors = []
    for obj, img, rvec, tvec in zip(objects, corners, rvecs, tvecs, strict=True):
        projected, _ = cv2.projectPoints(obj, rvec, tvec, matrix, distortion)
        diff = projected.reshape(-1, 2) - img.reshape(-1, 2)
        errors.append(float(np.sqrt(np.mean(np.sum(diff**2, axis=1)))))
    return errors


def corner_cells(
    points: np.ndarray, size: tuple[int, int], columns: int, rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """The (row, column) cells of a columns x rows grid over the picture holding ``points``."""
    width, height = size
    column = np.clip((points[:, 0] / width * columns).astype(int), 0, columns - 1)
    row = np.clip((points[:, 1] / height * rows).astype(int), 0, rows - 1)
    return row, column


def _coverage(corners: list[np.ndarray], size: tuple[int, int]) -> float:
    cols, rows = COVERAGE_GRID
    covered = np.zeros((rows, cols), dtype=bool)
    for view in corners:
        covered[corner_cells(view.reshape(-1, 2), size, cols, rows)] = True
    return float(covered.mean())


def _fit(
    board: Board, corners: list[np.ndarray], size: tuple[int, int]
) -> tuple[float, np.ndarray, np.ndarray, list[float]]:
    objects = [board.object_points()] * len(corners)
    fixed_point = board.columns - 1  # releasing the board keeps one far corner fixed
    rms, matrix, distortion, rvecs, tvecs, new_objects = cv2.calibrateCameraRO(
        objects,
        corners,
        size,
        fixed_point,
        None,
        None,  # type: ignore[call-overload]
    )[:6]
    refined = [np.asarray(new_objects, np.float32).reshape(-1, 3)] * len(corners)
    per_view = _per_view_rms(refined, corners, matrix, distortion, rvecs, tvecs)
    return float(rms), matrix, distortion, per_view


def calibrate_intrinsics(paths: list[Path], board: Board) -> IntrinsicsFit:
    """Fit intrinsics from chessboard photos; views without a board, or gross outliers, are
    left out and named."""
    views: list[ViewResult] = []
    corners: list[np.ndarray] = []
    size: tuple[int, int] | None = None
    for path in paths:
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None:
            views.append(ViewResult(str(path), False, rejected="not a readable image"))
            continue
        image_size = (image.shape[1], image.shape[0])
        if size is not None and image_size != size:
            views.append(
                ViewResult(str(path), False, rejected=f"size {image_size} differs from {size}")
            )
            continue
        size = image_size
        found = find_corners(image, board)
        if found is None:
            views.append(ViewResult(str(path), False, rejected="board not found"))
            continue
        views.append(ViewResult(str(path), True))
        corners.append(found)
    if size is None or len(corners) < MIN_VIEWS:
        raise CalibrationError(
            f"the board ({board.columns}x{board.rows} inner corners) was found in "
            f"{len(corners)} of {len(paths)} images; at least {MIN_VIEWS} are needed: check "
            "--board and take more photos with the whole board in view"
        )
    return fit_views(views, corners, board, size)


def fit_views(
    views: list[ViewResult], corners: list[np.ndarray], board: Board, size: tuple[int, int]
) -> IntrinsicsFit:
    """Fit intrinsics to boards already found (at least MIN_VIEWS), from files or from the
    calibration page's views alike. ``views`` lists every view tried, those whose board was
    found (``found``) in the order of ``corners``; gross outliers are left out and named."""
    found_views = [v for v in views if v.found]
    if len(found_views) != len(corners):
        raise ValueError(f"{len(found_views)} views found but {len(corners)} boards given")
    if len(corners) < MIN_VIEWS:
        raise CalibrationError(
            f"{len(corners)} chessboard views; at least {MIN_VIEWS} are needed",
            f"只有 {len(corners)} 个棋盘格视角；至少需要 {MIN_VIEWS} 个",
        )
    rms, matrix, distortion, per_view = _fit(board, corners, size)
    median = float(np.median(per_view))
    limit = max(OUTLIER_FLOOR_PX, OUTLIER_FACTOR * median)
    outliers = [i for i, e in enumerate(per_view) if e > limit]
    if outliers and len(corners) - len(outliers) >= MIN_VIEWS:
        for i in outliers:
            found_views[i].rejected = f"outlier: {per_view[i]:.2f} px, over {limit:.2f} px"
        corners = [c for i, c in enumerate(corners) if i not in outliers]
        found_views = [v for i, v in enumerate(found_views) if i not in outliers]
        rms, matrix, distortion, per_view = _fit(board, corners, size)
    for view, error in zip(found_views, per_view, strict=True):
        view.rms_px = error
    intrinsics = Intrinsics(
        fx=float(matrix[0, 0]),
        fy=float(matrix[1, 1]),
        cx=float(matrix[0, 2]),
        cy=float(matrix[1, 2]),
        distortion=[float(v) for v in distortion.ravel()],
        rms_px=rms,
        views=len(corners),
    )
    coverage = _coverage(corners, size)
    warnings = []
    if coverage < MIN_COVERAGE:
        warnings.append(
            f"the boards cover only {coverage:.0%} of the image; the lens distortion near the "
            "uncovered edges is a guess: add photos with the board near the corners and edges"
        )
    fit = IntrinsicsFit(intrinsics, rms, views, coverage, size, warnings)
    fit.undistorted_corners_max_shift_px = _undistortion_shift(intrinsics, size)
    return fit


def _undistortion_shift(intrinsics: Intrinsics, size: tuple[int, int]) -> float:
    width, height = size
    corners = np.array(
        [[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]], np.float64
    )
    matrix = intrinsics.matrix()
    moved = cv2.undistortPoints(
        corners.reshape(-1, 1, 2), matrix, intrinsics.coefficients(), P=matrix
    )
    return float(np.linalg.norm(moved.reshape(-1, 2) - corners, axis=1).max())
