"""Synthetic cameras with exact ground truth: a pinhole over a floor (z = 0, z up)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from etiquette.calibration.camera_file import Intrinsics

# World -> camera for a level camera looking along +y: x right, y down, z forward.
LEVEL = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


def _rx(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _rz(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class SyntheticCamera:
    height_m: float
    tilt_deg: float
    focal_px: float
    roll_deg: float = 0.0
    yaw_deg: float = 0.0
    position_xy: tuple[float, float] = (0.0, 0.0)
    width: int = 1280
    height: int = 720

    @property
    def rotation(self) -> np.ndarray:
        """World -> camera."""
        return np.asarray(
            _rz(math.radians(self.roll_deg))
            @ _rx(math.radians(self.tilt_deg))
            @ LEVEL
            @ _rz(-math.radians(self.yaw_deg))
        )

    @property
    def centre(self) -> np.ndarray:
        return np.array([*self.position_xy, self.height_m])

    @property
    def tvec(self) -> np.ndarray:
        return np.asarray(-self.rotation @ self.centre)

    @property
    def intrinsics(self) -> Intrinsics:
        return Intrinsics(fx=self.focal_px, fy=self.focal_px, cx=self.width / 2, cy=self.height / 2)

    def gravity_camera(self) -> np.ndarray:
        return np.asarray(self.rotation @ np.array([0.0, 0.0, -1.0]))

    def project(self, world: np.ndarray) -> np.ndarray:
        """(n, 3) world metres -> (n, 2) pixels."""
        rvec, _ = cv2.Rodrigues(self.rotation)
        pixels, _ = cv2.projectPoints(
            world.astype(np.float64), rvec, self.tvec, self.intrinsics.matrix(), None
        )
        return np.asarray(pixels, dtype=np.float64).reshape(-1, 2)

    def floor_of_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Exact floor (x, y) under each pixel (rays must point below the horizon)."""
        k_inv = np.linalg.inv(self.intrinsics.matrix())
        rays_cam = np.column_stack([pixels, np.ones(len(pixels))]) @ k_inv.T
        rays = rays_cam @ self.rotation  # camera -> world: R^T r, row-wise
        scale = -self.centre[2] / rays[:, 2]
        return np.asarray(self.centre[:2] + scale[:, None] * rays[:, :2])

    def horizontal_distance(self, floor: np.ndarray) -> np.ndarray:
        return np.asarray(np.linalg.norm(floor - self.centre[:2], axis=1))

    def floor_pixels(
        self, rng: np.random.Generator, count: int, max_distance_m: float
    ) -> np.ndarray:
        """``count`` pixels spread over the part of the view showing floor within reach."""
        pixels: list[np.ndarray] = []
        grid = max(3, math.ceil(math.sqrt(count * 3)))
        cells = [(i, j) for i in range(grid) for j in range(grid)]
        rng.shuffle(cells)
        for i, j in cells:
            pixel = np.array(
                [
                    (i + rng.uniform(0.1, 0.9)) / grid * self.width,
                    (j + rng.uniform(0.1, 0.9)) / grid * self.height,
                ]
            )
            rays = np.linalg.inv(self.intrinsics.matrix()) @ np.array([*pixel, 1.0])
            if (rays @ self.rotation)[2] >= -1e-3:
                continue  # at or above the horizon
            floor = self.floor_of_pixels(pixel[None])[0]
            if self.horizontal_distance(floor[None])[0] <= max_distance_m:
                pixels.append(pixel)
            if len(pixels) == count:
                break
        return np.array(pixels).reshape(-1, 2)
