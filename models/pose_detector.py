"""BlazePose person detector (pose_detection, 224x224): pre-processing, anchors, decoding.

The detector is face-based: each detection carries four keypoints, of which 0 is the hip
centre and 1 a point above the head that fixes the body's scale and rotation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.anchors import AnchorSpec, decode_detections, ssd_anchor_centers, weighted_nms
from models.network import Network
from models.roi import Roi, warp_roi

POSE_DETECTION_ANCHORS = AnchorSpec(input_size=224, strides=(8, 16, 32, 32, 32))
HIP_CENTER_KEYPOINT = 0
FULL_BODY_SCALE_KEYPOINT = 1
# pose_detection_to_roi: the aligned box (twice the hip-to-scale-point distance) grown by 1.25.
DETECTION_ROI_SCALE = 1.25


@dataclass(frozen=True, slots=True)
class PoseDetection:
    """One detected person in image pixels."""

    box: tuple[float, float, float, float]
    keypoints: np.ndarray  # (4, 2) image pixels
    score: float

    def landmark_roi(self) -> Roi:
        """The region the landmark model should look at for this person."""
        return Roi.aligned(
            self.keypoints[HIP_CENTER_KEYPOINT],
            self.keypoints[FULL_BODY_SCALE_KEYPOINT],
            scale=DETECTION_ROI_SCALE,
        )


def square_roi_around(box: tuple[float, float, float, float], margin: float = 1.0) -> Roi:
    """An upright square region covering an axis-aligned box (times ``margin``)."""
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1) * margin
    return Roi((x1 + x2) / 2, (y1 + y2) / 2, side, side, 0.0)


class PoseDetector:
    """Finds people in a frame, or in an upright square region of it at a larger scale."""

    def __init__(self, network: Network, min_score: float = 0.5, nms_iou: float = 0.3) -> None:
        self.network = network
        self.size = network.input_shape[0]
        self.min_score = min_score
        self.nms_iou = nms_iou
        self.anchors = ssd_anchor_centers(POSE_DETECTION_ANCHORS)

    @staticmethod
    def preprocess(crops: np.ndarray) -> np.ndarray:
        """uint8 RGB (N, H, W, 3) -> float32 in [-1, 1]."""
        return crops.astype(np.float32) * (2.0 / 255.0) - 1.0

    def detect(self, image: np.ndarray, regions: list[Roi] | None = None) -> list[PoseDetection]:
        """Detect people in an RGB frame. ``regions`` default to the whole frame (letterboxed);
        several regions run as one batch, and their detections are merged."""
        if regions is None:
            height, width = image.shape[:2]
            regions = [square_roi_around((0.0, 0.0, float(width), float(height)))]
        if not regions:
            return []
        crops = np.stack([warp_roi(image, roi, self.size) for roi in regions])
        outputs = self.network.run(self.preprocess(crops))
        regressors, logits = outputs["Identity"], outputs["Identity_1"]
        found: list[PoseDetection] = []
        for index, roi in enumerate(regions):
            raw = decode_detections(
                regressors[index], logits[index], self.anchors, 4, self.size, self.min_score
            )
            raw = weighted_nms(raw, self.nms_iou)
            for box, kps, score in zip(raw.boxes, raw.keypoints, raw.scores, strict=True):
                corners = roi.crop_to_image(box.reshape(2, 2))
                found.append(
                    PoseDetection(
                        box=(
                            float(corners[0, 0]),
                            float(corners[0, 1]),
                            float(corners[1, 0]),
                            float(corners[1, 1]),
                        ),
                        keypoints=roi.crop_to_image(kps),
                        score=float(score),
                    )
                )
        return found


def detection_distance(a: PoseDetection, b: PoseDetection) -> float:
    """Distance between hip centres relative to the larger body scale (0 = same place)."""
    scale = max(
        float(np.linalg.norm(a.keypoints[1] - a.keypoints[0])),
        float(np.linalg.norm(b.keypoints[1] - b.keypoints[0])),
        1e-6,
    )
    return math.dist(a.keypoints[0], b.keypoints[0]) / scale
