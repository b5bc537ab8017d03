"""Where people stand and how their bodies are oriented in the camera's frame.

Floor positions come from the feet through the calibration. World landmarks from the pose
model are expressed as if the camera looked straight at the person's crop; with known
intrinsics they are turned into the real camera's axes (about the ray through the hips), so
that the calibration's gravity direction applies to them. With the camera's pose over the
floor as well, a standing person's trunk is also measured from the picture (standing_trunk).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from etiquette.calibration.camera_file import CameraFile, Intrinsics
from etiquette.calibration.projection import FloorProjection, undistort_pixels
from etiquette.vision.frame import FrameResult
from etiquette.vision.joints import Joint
from etiquette.vision.standing_trunk import ANKLES, SHOULDERS, FloorGeometry, standing_trunk

FEET = [Joint.LEFT_HEEL, Joint.RIGHT_HEEL, Joint.LEFT_ANKLE, Joint.RIGHT_ANKLE]
HIPS = [Joint.LEFT_HIP, Joint.RIGHT_HIP]
MIN_FOOT_VISIBILITY = 0.5


def ray_rotation(direction: np.ndarray) -> np.ndarray:
    """The smallest rotation taking the optical axis (0, 0, 1) onto ``direction``."""
    axis_z = np.array([0.0, 0.0, 1.0])
    target = direction / np.linalg.norm(direction)
    cross = np.cross(axis_z, target)
    sine, cosine = float(np.linalg.norm(cross)), float(np.dot(axis_z, target))
    if sine < 1e-12:
        return np.eye(3)
    k = cross / sine
    skew = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rotation: np.ndarray = np.eye(3) + sine * skew + (1 - cosine) * skew @ skew
    return rotation


def feet_pixel(keypoints: np.ndarray) -> np.ndarray | None:
    """The floor contact point: between the visible heels (or ankles)."""
    for pair in (FEET[:2], FEET[2:]):
        seen = [j for j in pair if keypoints[j, 2] >= MIN_FOOT_VISIBILITY]
        if seen:
            centre: np.ndarray = keypoints[seen, :2].mean(axis=0)
            return centre
    return None


@dataclasses.dataclass(frozen=True)
class Placement:
    """Adds floor positions and camera-axis world landmarks to each frame."""

    projection: FloorProjection | None
    intrinsics: Intrinsics | None

    @classmethod
    def from_camera(cls, camera: CameraFile | None) -> Placement:
        if camera is None:
            return cls(None, None)
        floor = camera.floor
        projection = None if floor is None else FloorProjection.from_camera(camera, floor)
        return cls(projection, camera.intrinsics)

    def place(self, result: FrameResult) -> FrameResult:
        people = result.people
        if len(people) == 0 or (self.projection is None and self.intrinsics is None):
            return result
        floor, world = people.floor.copy(), people.world.copy()
        if self.projection is not None:
            feet = [feet_pixel(k) for k in people.keypoints]
            rows = [row for row, f in enumerate(feet) if f is not None]
            if rows:
                pixels = np.stack([feet[row] for row in rows])  # type: ignore[misc]
                floor[rows] = self.projection.to_floor(pixels)
        standing = people.standing_trunk.copy()
        if self.intrinsics is not None:
            rays = self._rays(people.keypoints)
            geometry = self._floor_geometry()
            for row in range(len(people)):
                if not np.isfinite(world[row]).all():
                    continue
                world[row] = world[row] @ ray_rotation(rays["hips"][row]).T
                if geometry is not None:
                    mine = {name: ray[row] for name, ray in rays.items()}
                    trunk = standing_trunk(people.keypoints[row], world[row], mine, geometry)
                    if trunk is not None:
                        standing[row] = trunk
        placed = dataclasses.replace(people, floor=floor, world=world, standing_trunk=standing)
        return dataclasses.replace(result, people=placed)

    def _rays(self, keypoints: np.ndarray) -> dict[str, np.ndarray]:
        """Unit viewing rays (camera axes) through each person's ankles, hips and shoulders."""
        assert self.intrinsics is not None
        inverse = np.linalg.inv(self.intrinsics.matrix())

        def through(pixels: np.ndarray) -> np.ndarray:
            flat = undistort_pixels(self.intrinsics, pixels.reshape(-1, 2))  # type: ignore[arg-type]
            rays = np.column_stack([flat, np.ones(len(flat))]) @ inverse.T
            rays /= np.linalg.norm(rays, axis=1, keepdims=True)
            return rays.reshape(*pixels.shape[:-1], 3)

        return {
            "ankles": through(keypoints[:, ANKLES, :2]),
            "hips": through(keypoints[:, HIPS, :2].mean(axis=1)),
            "shoulders": through(keypoints[:, SHOULDERS, :2].mean(axis=1)),
        }

    def _floor_geometry(self) -> FloorGeometry | None:
        pose = None if self.projection is None else self.projection.pose
        if pose is None:
            return None
        up = -np.asarray(pose.gravity_camera, dtype=np.float64)
        return FloorGeometry(up=up / np.linalg.norm(up), height_m=pose.height_m)
