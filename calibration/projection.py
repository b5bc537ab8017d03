"""Pixels to floor metres and back, for a camera file's intrinsics and floor."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from etiquette.calibration.camera_file import CameraFile, CameraPose, Floor, Intrinsics
from etiquette.calibration.errors import CalibrationError

DOWN = np.array([0.0, 0.0, -1.0])


@dataclass(frozen=True)
class FloorProjection:
    """Maps raw image pixels to floor metres (z = 0) and floor metres to raw pixels."""

    homography: np.ndarray  # pixels (undistorted if intrinsics) -> floor
    intrinsics: Intrinsics | None = None
    pose: CameraPose | None = None

    @classmethod
    def from_camera(cls, camera: CameraFile, floor: Floor) -> FloorProjection:
        return cls(np.asarray(floor.homography, dtype=np.float64), camera.intrinsics, floor.pose)

    def _undistort(self, pixels: np.ndarray) -> np.ndarray:
        if self.intrinsics is None:
            return np.asarray(pixels, dtype=np.float64)
        return undistort_pixels(self.intrinsics, pixels)

    def to_floor(self, pixels: np.ndarray) -> np.ndarray:
        """(n, 2) raw pixels -> (n, 2) floor metres (NaN above the horizon)."""
        flat = self._undistort(np.asarray(pixels, dtype=np.float64).reshape(-1, 2))
        homogeneous = np.column_stack([flat, np.ones(len(flat))]) @ self.homography.T
        with np.errstate(divide="ignore", invalid="ignore"):
            floor = homogeneous[:, :2] / homogeneous[:, 2:3]
        # Points at or above the horizon have no floor position.
        floor[homogeneous[:, 2] <= 0] = np.nan
        return np.asarray(floor)

    def to_pixels(self, floor: np.ndarray) -> np.ndarray:
        """(n, 2) floor metres -> (n, 2) raw pixels."""
        points = np.asarray(floor, dtype=np.float64).reshape(-1, 2)
        if self.intrinsics is not None and self.pose is not None:
            world = np.column_stack([points, np.zeros(len(points))])
            projected, _ = cv2.projectPoints(
                world,
                np.asarray(self.pose.rvec),
                np.asarray(self.pose.tvec),
                self.intrinsics.matrix(),
                self.intrinsics.coefficients(),
            )
            return np.asarray(projected, dtype=np.float64).reshape(-1, 2)
        inverse = np.linalg.inv(self.homography)
        homogeneous = np.column_stack([points, np.ones(len(points))]) @ inverse.T
        return homogeneous[:, :2] / homogeneous[:, 2:3]

    def in_front(self, floor: np.ndarray) -> np.ndarray:
        """(n,) True for floor points in front of the camera (drawable)."""
        points = np.asarray(floor, dtype=np.float64).reshape(-1, 2)
        if self.pose is not None:
            rotation, _ = cv2.Rodrigues(np.asarray(self.pose.rvec))
            world = np.column_stack([points, np.zeros(len(points))])
            depth = (world @ rotation.T + np.asarray(self.pose.tvec))[:, 2]
            return np.asarray(depth > 1e-6)
        # H maps floor-side pixels to w > 0 (see floor_fit.oriented), so a floor point's pixel
        # has a positive last coordinate under the inverse exactly when it is in front.
        inverse = np.linalg.inv(self.homography)
        w = (np.column_stack([points, np.ones(len(points))]) @ inverse.T)[:, 2]
        return np.asarray(w > 0)


def undistort_pixels(intrinsics: Intrinsics, pixels: np.ndarray) -> np.ndarray:
    """(n, 2) raw pixels -> where an ideal pinhole with the same K would see them."""
    matrix = intrinsics.matrix()
    points = np.asarray(pixels, dtype=np.float64).reshape(-1, 1, 2)
    undistorted = cv2.undistortPoints(points, matrix, intrinsics.coefficients(), P=matrix)
    return np.asarray(undistorted, dtype=np.float64).reshape(-1, 2)


def pose_from_extrinsics(rvec: np.ndarray, tvec: np.ndarray) -> CameraPose:
    """The camera's height, tilt, roll and gravity direction from floor->camera rvec/tvec."""
    rotation, _ = cv2.Rodrigues(rvec)
    centre = -rotation.T @ tvec.reshape(3)
    if centre[2] <= 0:
        raise CalibrationError(
            "the fit puts the camera below the floor: the floor axes may be mirrored (seen from "
            "above, y must be 90 degrees counter-clockwise from x) or points are mismatched",
            "拟合结果把摄像头放到了地面以下：地面坐标轴可能是镜像的（从上往下看，y 轴应在 x 轴"
            "逆时针转 90 度的方向），或有标记的坐标填错了",
        )
    optical_axis = rotation.T @ np.array([0.0, 0.0, 1.0])
    image_right = rotation.T @ np.array([1.0, 0.0, 0.0])
    gravity = rotation @ DOWN
    return CameraPose(
        rvec=[float(v) for v in rvec.reshape(3)],
        tvec=[float(v) for v in tvec.reshape(3)],
        height_m=float(centre[2]),
        tilt_deg=math.degrees(math.asin(float(np.clip(-optical_axis[2], -1, 1)))),
        roll_deg=math.degrees(math.asin(float(np.clip(image_right[2], -1, 1)))),
        gravity_camera=[float(v) for v in gravity],
    )


def homography_from_pose(intrinsics: Intrinsics, rvec: np.ndarray, tvec: np.ndarray) -> np.ndarray:
    """Undistorted pixels -> floor, from K [r1 r2 t]."""
    rotation, _ = cv2.Rodrigues(rvec)
    floor_to_pixels = intrinsics.matrix() @ np.column_stack(
        [rotation[:, 0], rotation[:, 1], tvec.reshape(3)]
    )
    return np.asarray(np.linalg.inv(floor_to_pixels), dtype=np.float64)
