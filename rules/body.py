"""Body measures from one person's landmarks: numbers in, numbers out.

World landmarks are metres, hip-centred, in camera axes (x right, y down, z away from the
camera), as vision delivers them. ``up`` is a unit vector in the same axes.
"""

from __future__ import annotations

import math

import numpy as np

from etiquette.vision.joints import Joint

CAMERA_UP = np.array([0.0, -1.0, 0.0])
SHOULDERS = [Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER]
HIPS = [Joint.LEFT_HIP, Joint.RIGHT_HIP]
EARS = [Joint.LEFT_EAR, Joint.RIGHT_EAR]
KNEES = [Joint.LEFT_KNEE, Joint.RIGHT_KNEE]
ANKLES = [Joint.LEFT_ANKLE, Joint.RIGHT_ANKLE]


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
    return forward_of(world[Joint.LEFT_SHOULDER] - world[Joint.RIGHT_SHOULDER], up)


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


def in_picture(keypoints: np.ndarray, width: int, height: int) -> np.ndarray:
    """The keypoints with those outside the picture marked unseen. The pose model guesses
    joints beyond the picture's edge (a counter camera's hips) with visibilities up to 0.8;
    a bow judged from guessed hips is judged from nothing."""
    x, y = keypoints[:, 0], keypoints[:, 1]
    outside = (x < 0) | (x >= width) | (y < 0) | (y >= height)
    if not outside.any():
        return keypoints
    seen = keypoints.copy()
    seen[outside, 2] = 0.0
    return seen


def side_visibility(keypoints: np.ndarray) -> float:
    """How well one side's shoulder and hip are seen, the better side: a person in profile
    hides the far side but shows the trunk."""
    left = min(keypoints[Joint.LEFT_SHOULDER, 2], keypoints[Joint.LEFT_HIP, 2])
    right = min(keypoints[Joint.RIGHT_SHOULDER, 2], keypoints[Joint.RIGHT_HIP, 2])
    return float(max(left, right))


def shoulder_visibility(keypoints: np.ndarray) -> float:
    return float(keypoints[SHOULDERS, 2].min())


def forward_of(across: np.ndarray, up: np.ndarray) -> np.ndarray:
    """The horizontal direction a chest with shoulders along ``across`` (right to left)
    faces, for the given up."""
    return horizontal(np.cross(across, up), up)


def feet_point(keypoints: np.ndarray, min_visibility: float = 0.5) -> np.ndarray | None:
    """Image point between the visible ankles, None when neither is seen."""
    seen = [j for j in ANKLES if keypoints[j, 2] >= min_visibility]
    if not seen:
        return None
    return np.asarray(keypoints[seen, :2].mean(axis=0))


def legs_visible(keypoints: np.ndarray, min_visibility: float = 0.5) -> bool:
    return bool(keypoints[KNEES + ANKLES, 2].min() >= min_visibility)


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


def wrist_heights(world: np.ndarray, up: np.ndarray) -> tuple[float, float]:
    """Both wrists' height above the hips along ``up`` (unit; the trunk's direction for
    heights along the trunk), in trunk lengths: hands hanging or folded in front are below
    about 0.3, arms held out forward 0.5 and more."""
    length = float(np.linalg.norm(trunk_vector(world)))
    if length < 1e-6:
        return (0.0, 0.0)
    hips = midpoint(world, HIPS)
    left, right = (
        float(np.dot(world[j] - hips, up)) / length for j in (Joint.LEFT_WRIST, Joint.RIGHT_WRIST)
    )
    return (left, right)


def elbow_angles_deg(world: np.ndarray) -> tuple[float, float]:
    """Left and right shoulder-elbow-wrist angles (180 = arm straight)."""
    return (
        joint_angle_deg(world, Joint.LEFT_SHOULDER, Joint.LEFT_ELBOW, Joint.LEFT_WRIST),
        joint_angle_deg(world, Joint.RIGHT_SHOULDER, Joint.RIGHT_ELBOW, Joint.RIGHT_WRIST),
    )


def arms_held_out(
    world: np.ndarray, up: np.ndarray, min_height: float, min_elbow_deg: float, min_lift_deg: float
) -> bool:
    """Both hands raised along the trunk (see wrist_heights) on straight arms lifted away
    from hanging (``up`` is the stance's upright): a hug or a reach. Hands signing or
    holding something close bend the elbows; arms hanging from a deep bow are straight and
    high along the bent trunk, but point down."""
    trunk = unit(trunk_vector(world))
    if min(wrist_heights(world, trunk)) < min_height:
        return False
    if float(np.mean(elbow_angles_deg(world))) < min_elbow_deg:
        return False
    lifts = (
        angle_deg(world[wrist] - world[shoulder], -up)
        for shoulder, wrist in (
            (Joint.LEFT_SHOULDER, Joint.LEFT_WRIST),
            (Joint.RIGHT_SHOULDER, Joint.RIGHT_WRIST),
        )
    )
    return min(lifts) >= min_lift_deg
