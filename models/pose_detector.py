"""BlazePose person detector (pose_detection, 224x224, input in [-1, 1]).

The detector is face-based: each detection carries four keypoints, of which 0 is the hip
centre and 1 a point above the head that fixes the body's scale and rotation.
"""

from __future__ import annotations

from etiquette.models.anchors import AnchorSpec
from etiquette.models.network import Network
from etiquette.models.roi import Roi
from etiquette.models.ssd import Detection, SsdDetector, SsdSpec

POSE_DETECTION = SsdSpec(
    anchors=AnchorSpec(input_size=224, strides=(8, 16, 32, 32, 32)),
    num_keypoints=4,
    outputs=("Identity", "Identity_1"),
    input_range=(-1.0, 1.0),
)
HIP_CENTER_KEYPOINT = 0
FULL_BODY_SCALE_KEYPOINT = 1
# pose_detection_to_roi: the aligned box (twice the hip-to-scale-point distance) grown by 1.25.
DETECTION_ROI_SCALE = 1.25


def landmark_roi(detection: Detection) -> Roi:
    """The region the landmark model should look at for a detected person."""
    return Roi.aligned(
        detection.keypoints[HIP_CENTER_KEYPOINT],
        detection.keypoints[FULL_BODY_SCALE_KEYPOINT],
        scale=DETECTION_ROI_SCALE,
    )


class PoseDetector(SsdDetector):
    """Finds people in a frame, or in upright square regions of it at a larger scale."""

    def __init__(self, network: Network, min_score: float = 0.5, nms_iou: float = 0.3) -> None:
        super().__init__(network, POSE_DETECTION, min_score, nms_iou)
