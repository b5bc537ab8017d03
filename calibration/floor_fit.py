"""Fitting the floor plane from marks: pixel (u, v) <-> floor (x, y) metres."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from pydantic import ValidationError

from etiquette.calibration.camera_file import (
    CameraFile,
    CameraPose,
    Floor,
    Intrinsics,
    MarkedPoint,
)
from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.geometry import closest_pair, collinearity
from etiquette.calibration.projection import (
    FloorProjection,
    homography_from_pose,
    pose_from_extrinsics,
)

MIN_POINTS = 4
MIN_FLOOR_SEPARATION_M = 0.02
MIN_PIXEL_SEPARATION = 2.0
MIN_SPREAD = 0.02  # smaller / larger singular value of the centred points


@dataclass(frozen=True)
class FloorFit:
    floor: Floor
    residuals_cm: np.ndarray  # per mark, floor distance between given and fitted

    def report(self) -> list[str]:
        lines = [
            f"floor fit: {len(self.residuals_cm)} marks, RMS error "
            f"{self.floor.fit_error_cm:.2f} cm, worst {self.residuals_cm.max():.2f} cm"
        ]
        pose = self.floor.pose
        if pose is None:
            lines.append(
                "no intrinsics: floor distances are valid, but the camera's height, "
                "tilt and gravity direction are unknown (run `etiquette calibrate "
                "intrinsics` to get them)"
            )
        else:
            lines.append(
                f"camera: height {pose.height_m:.2f} m, tilt {pose.tilt_deg:.1f} deg "
                f"down, roll {pose.roll_deg:.1f} deg"
            )
        return lines


def read_points_csv(text: str, source: str = "POINTS.csv") -> list[MarkedPoint]:
    """Marks from CSV text with the header u,v,x,y."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if header[:4] != ["u", "v", "x", "y"]:
        raise CalibrationError(
            f"{source}: the header must be u,v,x,y (pixel u, v; floor x, y in metres); "
            f"got {','.join(header) or 'nothing'}"
        )
    points: list[MarkedPoint] = []
    for line, row in enumerate(reader, start=2):
        try:
            values = [float(row[key]) for key in ("u", "v", "x", "y")]
        except (TypeError, ValueError):
            raise CalibrationError(f"{source}: line {line} is not four numbers u,v,x,y") from None
        points.append(MarkedPoint(u=values[0], v=values[1], x=values[2], y=values[3]))
    return points


def read_points_file(path: Path) -> list[MarkedPoint]:
    try:
        return read_points_csv(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        raise CalibrationError(f"{path}: no such points file; check the path") from None
    except UnicodeDecodeError:
        raise CalibrationError(f"{path}: not a text CSV file with u,v,x,y") from None


def check_marks(marks: list[MarkedPoint]) -> tuple[np.ndarray, np.ndarray]:
    """Refuse mark sets no fit can trust; returns (pixels, floor) arrays."""
    if len(marks) < MIN_POINTS:
        raise CalibrationError(
            f"{len(marks)} floor marks given; at least {MIN_POINTS} are needed, spread over "
            "the floor the camera sees",
            f"只有 {len(marks)} 个地面标记；至少需要 {MIN_POINTS} 个（最好 6 个以上），"
            "分散在摄像头看到的地面上",
        )
    pixels = np.array([[m.u, m.v] for m in marks], dtype=np.float64)
    floor = np.array([[m.x, m.y] for m in marks], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(pixels).all(axis=1) | ~np.isfinite(floor).all(axis=1))
    if bad.size:
        mark = int(bad[0]) + 1
        raise CalibrationError(
            f"mark {mark} has NaN or infinite coordinates; give numbers for u, v, x, y",
            f"标记 {mark} 的坐标不是有效数字；请填写数字",
            mark,
        )
    for values, unit, minimum, what, where in (
        (floor, "m", MIN_FLOOR_SEPARATION_M, "floor", "地面坐标（米）"),
        (pixels, "px", MIN_PIXEL_SEPARATION, "image", "画面上"),
    ):
        i, j, distance = closest_pair(values)
        if distance < minimum:
            raise CalibrationError(
                f"marks {i + 1} and {j + 1} nearly coincide on the {what} "
                f"({distance:.3g} {unit} apart); remove one or mark a different spot",
                f"标记 {i + 1} 和标记 {j + 1} 在{where}几乎重合（相距 {distance:.3g} {unit}）；"
                "请删掉一个或换一个位置",
                j + 1,
            )
        if collinearity(values) < MIN_SPREAD:
            raise CalibrationError(
                f"the marks lie (nearly) on one line in the {what}; add marks off that line, "
                "spread over the floor the camera sees",
                f"标记在{where}几乎排成一条直线；请在这条线以外再加标记，分散在摄像头看到的地面上",
            )
    return pixels, floor


def fit_floor(marks: list[MarkedPoint], intrinsics: Intrinsics | None = None) -> FloorFit:
    """Fit pixels -> floor metres; with intrinsics also the camera pose over the floor."""
    fit = fit_floor_unchecked(marks, intrinsics)
    if not np.isfinite(fit.residuals_cm).all():
        raise CalibrationError(
            "some marks fall above the horizon of the fitted floor; check the u,v,x,y pairs",
            "有标记落在拟合出的地面的地平线以上；请检查各标记的 x、y 是否填对",
        )
    return fit


def fit_floor_unchecked(marks: list[MarkedPoint], intrinsics: Intrinsics | None = None) -> FloorFit:
    """``fit_floor`` whose residuals may be infinite (marks above the fitted horizon), for
    the fit gate to find the mark to blame."""
    pixels, floor = check_marks(marks)
    if intrinsics is None:
        # Fit floor -> pixels so the least squares runs where the click noise is.
        floor_to_pixels, _ = cv2.findHomography(floor, pixels, 0)
        if floor_to_pixels is None:
            raise CalibrationError(
                "the marks admit no floor homography; check the u,v,x,y pairs",
                "这些标记拟合不出地面；请检查各标记的 x、y 是否填对",
            )
        homography = oriented(np.linalg.inv(floor_to_pixels), pixels)
        fitted = _floor(homography, marks)
    else:
        fitted = _fit_with_pose(pixels, floor, marks, intrinsics)
    projection = FloorProjection(np.asarray(fitted.homography), intrinsics, fitted.pose)
    residuals = np.linalg.norm(projection.to_floor(pixels) - floor, axis=1) * 100.0
    residuals[~np.isfinite(residuals)] = np.inf
    rms = float(np.sqrt(np.mean(residuals**2)))
    return FloorFit(fitted.model_copy(update={"fit_error_cm": rms}), residuals)


def _fit_with_pose(
    pixels: np.ndarray, floor: np.ndarray, marks: list[MarkedPoint], intrinsics: Intrinsics
) -> Floor:
    world = np.column_stack([floor, np.zeros(len(floor))])
    matrix, coefficients = intrinsics.matrix(), intrinsics.coefficients()
    ok, rvec, tvec = cv2.solvePnP(world, pixels, matrix, coefficients, flags=cv2.SOLVEPNP_IPPE)
    if not ok:
        raise CalibrationError(
            "no camera pose fits the marks; check the u,v,x,y pairs",
            "没有摄像头位置能符合这些标记；请检查各标记的 x、y 是否填对",
        )
    rvec, tvec = cv2.solvePnPRefineLM(world, pixels, matrix, coefficients, rvec, tvec)
    pose = pose_from_extrinsics(rvec, tvec)
    homography = oriented(homography_from_pose(intrinsics, rvec, tvec), pixels)
    return _floor(homography, marks, pose)


def _floor(
    homography: np.ndarray, marks: list[MarkedPoint], pose: CameraPose | None = None
) -> Floor:
    try:
        return Floor(homography=homography.tolist(), points=marks, pose=pose)
    except ValidationError:  # singular: the marks are inconsistent
        raise CalibrationError(
            "the marks admit no floor homography; check the u,v,x,y pairs",
            "这些标记拟合不出地面；请检查各标记的 x、y 是否填对",
        ) from None


def oriented(homography: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Scale a pixels->floor homography so that the floor side of the horizon has w > 0
    (the projection tells floor pixels from sky pixels by that sign)."""
    w = np.column_stack([pixels, np.ones(len(pixels))]) @ homography[2]
    sign = 1.0 if np.median(w) > 0 else -1.0
    return np.asarray(sign * homography / np.abs(homography).max(), dtype=np.float64)


def with_floor(camera: CameraFile, fit: FloorFit) -> CameraFile:
    return camera.model_copy(update={"floor": fit.floor})
