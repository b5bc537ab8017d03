"""Hand landmark model (hand_landmark_lite / _full, 224x224): a hand region in, 21 landmarks
and a hand presence score out. Regions come from the body pose (wrist, index, pinky) or
from the previous frame's hand landmarks, so no palm detector runs in the steady state."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from etiquette.models.network import Network
from etiquette.models.roi import Roi, normalize_radians, warp_roi

NUM_HAND_LANDMARKS = 21
WRIST, INDEX_MCP, MIDDLE_MCP, RING_MCP = 0, 5, 9, 13
# A hand seen in a pose: centre between the knuckles and the wrist, side ~ 3x the
# wrist-to-knuckle distance (validated on real hands: presence and landmark stability).
POSE_HAND_SCALE = 3.0
POSE_HAND_SHIFT_Y = 0.2
# A hand along the forearm: centre 0.3 forearm lengths past the wrist, side 1.2 forearm
# lengths (on intel_asl_want's palms-up hands the pose region's presence is ~0, this ~0.9).
FOREARM_HAND_SHIFT = 0.3
FOREARM_HAND_SCALE = 1.2
# hand_landmark_landmarks_to_roi: landmark box, grown 2x and shifted toward the fingers.
LANDMARK_HAND_SCALE = 2.0
LANDMARK_HAND_SHIFT_Y = -0.1
# Landmarks and presence (the side comes from the body pose, not the handedness output).
USED_OUTPUTS = ["Identity", "Identity_1"]


@dataclass(frozen=True, slots=True)
class HandLandmarks:
    keypoints: np.ndarray  # (n, 21, 3): x_px, y_px, z (pixels, wrist-relative)
    score: np.ndarray  # (n,) hand presence

    @property
    def count(self) -> int:
        return int(self.score.shape[0])


def hand_roi_from_pose(wrist: np.ndarray, index: np.ndarray, pinky: np.ndarray) -> Roi:
    """A hand region from the pose model's wrist, index and pinky landmarks (pixels)."""
    knuckles = (2.0 * index[:2] + pinky[:2]) / 3.0
    half = Roi.aligned(wrist[:2], knuckles, scale=0.5)
    return half.transformed(scale=POSE_HAND_SCALE, shift_y=-POSE_HAND_SHIFT_Y)


def hand_roi_from_forearm(elbow: np.ndarray, wrist: np.ndarray) -> Roi:
    """A hand region along the forearm, for hands the pose's own hand points misplace: a
    palm turned up or toward the camera foreshortens the wrist-to-knuckle line, so the
    region from it comes out too small and turned the wrong way."""
    forearm = wrist[:2] - elbow[:2]
    length = float(np.linalg.norm(forearm))
    direction = forearm / max(length, 1e-6)
    center = wrist[:2] + FOREARM_HAND_SHIFT * length * direction
    aligned = Roi.aligned(center, center + direction, scale=1.0)
    side = FOREARM_HAND_SCALE * length
    return Roi(aligned.center_x, aligned.center_y, side, side, aligned.rotation)


def hand_roi_from_landmarks(keypoints: np.ndarray) -> Roi:
    """The next frame's hand region from this frame's 21 hand landmarks (pixels)."""
    points = keypoints[:, :2]
    fingers = ((points[INDEX_MCP] + points[RING_MCP]) / 2.0 + points[MIDDLE_MCP]) / 2.0
    wrist = points[WRIST]
    rotation = normalize_radians(
        math.pi / 2 - math.atan2(-(fingers[1] - wrist[1]), fingers[0] - wrist[0])
    )
    cos_r, sin_r = math.cos(-rotation), math.sin(-rotation)
    centered = points - points.mean(axis=0)
    local = np.stack(
        [
            cos_r * centered[:, 0] - sin_r * centered[:, 1],
            sin_r * centered[:, 0] + cos_r * centered[:, 1],
        ],
        axis=1,
    )
    low, high = local.min(axis=0), local.max(axis=0)
    mid_local = (low + high) / 2.0
    cos_b, sin_b = math.cos(rotation), math.sin(rotation)
    center = points.mean(axis=0) + np.array(
        [cos_b * mid_local[0] - sin_b * mid_local[1], sin_b * mid_local[0] + cos_b * mid_local[1]]
    )
    size = high - low
    box = Roi(float(center[0]), float(center[1]), float(size[0]), float(size[1]), rotation)
    return box.transformed(scale=LANDMARK_HAND_SCALE, shift_y=LANDMARK_HAND_SHIFT_Y)


class HandLandmarker:
    """Runs a hand landmark model on a batch of hand regions."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.size = network.input_shape[0]

    def run(self, image: np.ndarray, rois: list[Roi]) -> HandLandmarks:
        if not rois:
            return HandLandmarks(np.zeros((0, NUM_HAND_LANDMARKS, 3)), np.zeros(0))
        crops = np.stack([warp_roi(image, roi, self.size) for roi in rois])
        outputs = self.network.run(crops.astype(np.float32) * (1.0 / 255.0))
        count = len(rois)
        raw = outputs["Identity"].reshape(count, NUM_HAND_LANDMARKS, 3).astype(np.float64)
        keypoints = np.empty_like(raw)
        for index, roi in enumerate(rois):
            keypoints[index, :, :2] = roi.crop_to_image(raw[index, :, :2] / self.size)
            keypoints[index, :, 2] = raw[index, :, 2] / self.size * roi.width
        return HandLandmarks(
            keypoints=keypoints,
            score=outputs["Identity_1"].reshape(count).astype(np.float64),
        )
