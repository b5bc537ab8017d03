"""BlazePose GHUM full landmark model (pose_landmark_full, 256x256): ROI crops in,
33 image landmarks with visibility, 33 world landmarks in metres and a presence score out.

Landmarks 33 and 34 are auxiliary: the hip centre and full-body scale point that place the
next frame's region (pose_landmarks_to_roi), the way the detector's keypoints 0 and 1 do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etiquette.models.network import Network
from etiquette.models.roi import Roi, warp_roi

NUM_POSE_LANDMARKS = 33
NUM_MODEL_LANDMARKS = 39
ROI_CENTER_LANDMARK = 33
ROI_SCALE_LANDMARK = 34
LANDMARK_ROI_SCALE = 1.25
# Landmarks, pose flag and world landmarks; leaving out the segmentation mask and heatmap
# drops their decoder layers and makes the network ~2.5x faster.
USED_OUTPUTS = ["Identity", "Identity_1", "Identity_4"]


def sigmoid(values: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(values, -80.0, 80.0))), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PoseLandmarks:
    """Landmarks of N people; arrays are parallel along the first axis."""

    keypoints: np.ndarray  # (n, 33, 3): x_px, y_px, visibility
    world: np.ndarray  # (n, 33, 3) metres, hip-centred, rotated back into the image frame
    score: np.ndarray  # (n,) pose presence flag
    next_rois: list[Roi]  # where to look in the next frame

    @property
    def count(self) -> int:
        return int(self.score.shape[0])


class PoseLandmarker:
    """Runs the landmark model on a batch of person regions."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.size = network.input_shape[0]

    @staticmethod
    def preprocess(crops: np.ndarray) -> np.ndarray:
        """uint8 RGB (N, H, W, 3) -> float32 in [0, 1]."""
        return crops.astype(np.float32) * (1.0 / 255.0)

    def crops(self, image: np.ndarray, rois: list[Roi]) -> np.ndarray:
        return np.stack([warp_roi(image, roi, self.size) for roi in rois])

    def run(self, image: np.ndarray, rois: list[Roi]) -> PoseLandmarks:
        """Landmarks for each region of an RGB frame."""
        if not rois:
            return empty_pose_landmarks()
        outputs = self.network.run(self.preprocess(self.crops(image, rois)))
        return self.decode(outputs, rois)

    def decode(self, outputs: dict[str, np.ndarray], rois: list[Roi]) -> PoseLandmarks:
        count = len(rois)
        raw = outputs["Identity"].reshape(count, NUM_MODEL_LANDMARKS, 5).astype(np.float64)
        flag = outputs["Identity_1"].reshape(count).astype(np.float64)
        world_raw = outputs["Identity_4"].reshape(count, NUM_MODEL_LANDMARKS, 3)
        keypoints = np.empty((count, NUM_MODEL_LANDMARKS, 3))
        world = np.empty((count, NUM_POSE_LANDMARKS, 3))
        next_rois: list[Roi] = []
        for index, roi in enumerate(rois):
            keypoints[index, :, :2] = roi.crop_to_image(raw[index, :, :2] / self.size)
            world[index] = roi.rotate_vectors(world_raw[index, :NUM_POSE_LANDMARKS])
            next_rois.append(
                Roi.aligned(
                    keypoints[index, ROI_CENTER_LANDMARK, :2],
                    keypoints[index, ROI_SCALE_LANDMARK, :2],
                    scale=LANDMARK_ROI_SCALE,
                )
            )
        keypoints[:, :, 2] = sigmoid(raw[:, :, 3])
        return PoseLandmarks(
            keypoints=keypoints[:, :NUM_POSE_LANDMARKS],
            world=world,
            score=flag,
            next_rois=next_rois,
        )


def empty_pose_landmarks() -> PoseLandmarks:
    return PoseLandmarks(
        keypoints=np.zeros((0, NUM_POSE_LANDMARKS, 3)),
        world=np.zeros((0, NUM_POSE_LANDMARKS, 3)),
        score=np.zeros(0),
        next_rois=[],
    )
