"""Body measures from one person's landmarks: numbers in, numbers out.

World landmarks are metres, hip-centred, in camera axes (x right, y down, z away from the
camera), as vision delivers them. ``up`` is a unit vector in the same axes.
"""

from __future__ import annotations

import math

import numpy as np

from vision.joints import Joint

CAMERA_UP = np.array([0.0, -1.0, 0.0])
SHOULDERS = [Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER]
HIPS = [Joint.LEFT_HIP, Joint.RIGHT_HIP]
EARS = [Joint.LEFT_EAR, Joint.RIGHT_EAR]


def unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return np.asarray(vector / norm if norm > 1e-9 else np.zeros_like(vector))


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    cosine = float(np.dot(unit(a), unit(b)))
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def midpoint(points: np.ndarray, joints: list[Joint]) -> np.ndarray:
    return np.asarray(points[joints].mean(axis=0))


def trunk_vector(world: np.ndarray) -> np.ndarray:
    """Hip midpoint to shoulder midpoint."""
    return np.asarray(midpoint(world, SHOULDERS) - midpoint(world, HIPS))


def horizontal(vector: np.ndarray, up: np.ndarray) -> np.ndarray:
    return unit(vector - np.dot(vector, up) * up)


def facing(world: np.ndarray, up: np.ndarray) -> np.ndarray:
    """The horizontal direction the chest faces."""
    across = world[Joint.LEFT_SHOULDER] - world[Joint.RIGHT_SHOULDER]
    return horizontal(np.cross(across, up), up)


def forward_pitch_deg(trunk: np.ndarray, up: np.ndarray, forward: np.ndarray) -> float:
    """Signed trunk angle from ``up`` in the sagittal plane: positive leaning forward."""
    return math.degrees(math.atan2(float(np.dot(trunk, forward)), float(np.dot(trunk, up))))


def head_down_deg(world: np.ndarray, trunk: np.ndarray) -> float:
    """How far the face points down relative to the trunk's normal plane (a nod raises it;
    a bow leaves it as it was)."""
    face = world[Joint.NOSE] - midpoint(world, EARS)
    return math.degrees(math.asin(max(-1.0, min(1.0, -float(np.dot(unit(face), unit(trunk)))))))


def torso_visibility(keypoints: np.ndarray) -> float:
    return float(keypoints[SHOULDERS + HIPS, 2].min())


def joint_angle_deg(points: np.ndarray, a: Joint, b: Joint, c: Joint) -> float:
    """The angle at ``b`` between b->a and b->c."""
    return angle_deg(points[a] - points[b], points[c] - points[b])


def knee_angle_deg(world: np.ndarray) -> float:
    """The more bent knee's hip-knee-ankle angle (180 = straight)."""
    left = joint_angle_deg(world, Joint.LEFT_HIP, Joint.LEFT_KNEE, Joint.LEFT_ANKLE)
    right = joint_angle_deg(world, Joint.RIGHT_HIP, Joint.RIGHT_KNEE, Joint.RIGHT_ANKLE)
    return min(left, right)


def shoulder_tilt_deg(world: np.ndarray, up: np.ndarray) -> float:
    across = world[Joint.LEFT_SHOULDER] - world[Joint.RIGHT_SHOULDER]
    return math.degrees(math.asin(min(1.0, abs(float(np.dot(unit(across), up))))))


def shoulder_width(world: np.ndarray) -> float:
    return float(np.linalg.norm(world[Joint.LEFT_SHOULDER] - world[Joint.RIGHT_SHOULDER]))


def body_height_px(keypoints: np.ndarray) -> float:
    """Image height of the body from the nose to the lower ankle (a speed scale)."""
    feet = max(keypoints[Joint.LEFT_ANKLE, 1], keypoints[Joint.RIGHT_ANKLE, 1])
    return max(float(feet - keypoints[Joint.NOSE, 1]), 1.0)
