"""Palm detector (palm_detection_lite, 192x192, input in [0, 1]): finds hands without a body
pose; a fallback source of hand regions (the steady state derives them from the pose)."""

from __future__ import annotations

from etiquette.models.anchors import AnchorSpec
from etiquette.models.network import Network
from etiquette.models.roi import Roi
from etiquette.models.ssd import Detection, SsdDetector, SsdSpec

PALM_DETECTION = SsdSpec(
    anchors=AnchorSpec(input_size=192, strides=(8, 16, 16, 16)),
    num_keypoints=7,
    outputs=("Identity", "Identity_1"),
    input_range=(0.0, 1.0),
)
WRIST_KEYPOINT = 0
MIDDLE_FINGER_KEYPOINT = 2
# palm_detection_detection_to_roi: the palm box grown 2.6x, shifted toward the fingers.
PALM_ROI_SCALE = 2.6
PALM_ROI_SHIFT_Y = -0.5


def hand_roi_from_palm(palm: Detection) -> Roi:
    """The hand landmark model's region for a detected palm."""
    aligned = Roi.aligned(
        palm.keypoints[WRIST_KEYPOINT], palm.keypoints[MIDDLE_FINGER_KEYPOINT], 1.0
    )
    x1, y1, x2, y2 = palm.box
    box = Roi((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, aligned.rotation)
    return box.transformed(scale=PALM_ROI_SCALE, shift_y=PALM_ROI_SHIFT_Y)


class PalmDetector(SsdDetector):
    def __init__(self, network: Network, min_score: float = 0.5) -> None:
        super().__init__(network, PALM_DETECTION, min_score)
