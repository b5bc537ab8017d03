"""A standing person's trunk direction from the picture and the calibrated floor.

The pose model's world landmarks get the trunk's lean across the picture right but its lean
toward or away from the camera can be off by 10-20 degrees (Human3.6M, Greeting). With the
floor known, the picture fixes more than that:

- the ankles lie on their pixels' viewing rays at ankle height above the floor;
- a person standing has the hips over the feet, so the hips are the point on the hips' ray
  nearest the vertical through the ankles;
- the shoulders lie on their ray at the trunk's length from the hips.

That last condition has up to two solutions, one on each side of the ray's closest approach
to the hips. The picture cannot tell them apart and the model's depth is what is in doubt,
so the more upright one is taken: a lean straight toward or away from the camera may read
less than it is, and a person is never judged leaning unless the picture shows it. Near that
closest approach the solutions are sensitive to pixel noise (a few degrees a frame), which
the trunk meter's smoothing averages out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from etiquette.vision.joints import Joint

ANKLE_HEIGHT_M = 0.08  # the ankle joint above the floor, standing
ANKLES = [Joint.LEFT_ANKLE, Joint.RIGHT_ANKLE]
HIPS = [Joint.LEFT_HIP, Joint.RIGHT_HIP]
SHOULDERS = [Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER]
MIN_VISIBILITY = 0.5
LEG_MISMATCH_M = 0.15  # hips this far from where the legs put them: not standing on the floor
MAX_MODEL_LEAN_DEG = 30.0  # beyond this the person is bowing or stooping, not standing
MIN_RAY_TO_VERTICAL_DEG = 10.0  # a ray this close to vertical cannot place the hips


@dataclass(frozen=True)
class FloorGeometry:
    """The floor as the camera sees it: gravity's up and the camera's height."""

    up: np.ndarray  # unit vector, camera axes
    height_m: float

    def ray_to_height(self, ray: np.ndarray, height_m: float) -> np.ndarray | None:
        """Where a viewing ray from the camera meets the plane ``height_m`` above the floor."""
        along = float(np.dot(ray, self.up))
        if along >= -1e-6:  # level with or above the camera: never reaches that plane
            return None
        return ray * ((height_m - self.height_m) / along)


def _unit(vector: np.ndarray) -> np.ndarray:
    return np.asarray(vector / np.linalg.norm(vector))


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    cosine = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def _nearest_to_vertical(ray: np.ndarray, foot: np.ndarray, up: np.ndarray) -> np.ndarray | None:
    """The point on the ray (from the camera) nearest the vertical line through ``foot``."""
    if _angle_deg(ray, up) < MIN_RAY_TO_VERTICAL_DEG or _angle_deg(ray, -up) < (
        MIN_RAY_TO_VERTICAL_DEG
    ):
        return None
    cosine = float(np.dot(ray, up))
    # Minimise |t ray - (foot + s up)| over t and s (both unit vectors).
    system = np.array([[1.0, -cosine], [cosine, -1.0]])
    t, _ = np.linalg.solve(system, np.array([np.dot(ray, foot), np.dot(up, foot)]))
    return ray * t if t > 0 else None


def _shoulder_candidates(ray: np.ndarray, hips: np.ndarray, length: float) -> list[np.ndarray]:
    """Points on the shoulders' ray at ``length`` from the hips (the closest one if none)."""
    middle = float(np.dot(ray, hips))
    spread = middle * middle - (float(np.dot(hips, hips)) - length * length)
    if spread <= 0:
        return [ray * middle]
    half = math.sqrt(spread)
    return [ray * t for t in (middle - half, middle + half) if t > 0]


def standing_trunk(
    keypoints: np.ndarray, world: np.ndarray, rays: dict[str, np.ndarray], floor: FloorGeometry
) -> np.ndarray | None:
    """The unit trunk vector (hips to shoulders, camera axes) of a person standing on the
    floor, or None when the picture does not pin it down (feet or hips hidden, legs bent,
    bowing, or the view straight down).

    ``rays`` holds unit viewing rays for "ankles" (2, 3), "hips" and "shoulders" (3,), from
    undistorted pixels; ``world`` is the model's landmarks in camera axes."""
    needed = [*ANKLES, *HIPS, *SHOULDERS]
    if (keypoints[needed, 2] < MIN_VISIBILITY).any() or not np.isfinite(world).all():
        return None
    model_trunk = world[SHOULDERS].mean(axis=0) - world[HIPS].mean(axis=0)
    if _angle_deg(model_trunk, floor.up) > MAX_MODEL_LEAN_DEG:
        return None
    ankles = [floor.ray_to_height(ray, ANKLE_HEIGHT_M) for ray in rays["ankles"]]
    if any(a is None for a in ankles):
        return None
    feet = np.mean(np.stack(ankles), axis=0)  # type: ignore[arg-type]
    hips = _nearest_to_vertical(rays["hips"], feet, floor.up)
    if hips is None:
        return None
    model_legs = float(np.dot(world[HIPS].mean(axis=0) - world[ANKLES].mean(axis=0), floor.up))
    hip_height = float(np.dot(hips, floor.up)) + floor.height_m
    if abs(hip_height - (model_legs + ANKLE_HEIGHT_M)) > LEG_MISMATCH_M:
        return None
    length = float(np.linalg.norm(model_trunk))
    candidates = _shoulder_candidates(rays["shoulders"], hips, length)
    if not candidates:
        return None
    shoulders = min(candidates, key=lambda point: _angle_deg(point - hips, floor.up))
    return _unit(shoulders - hips)
