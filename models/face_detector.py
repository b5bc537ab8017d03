"""BlazeFace detectors (face_detection_short_range 128x128, face_detection_full_range
192x192): whole frame in, face boxes with six keypoints out, for blurring faces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.anchors import AnchorSpec, decode_detections, ssd_anchor_centers, weighted_nms
from models.network import Network
from models.pose_detector import square_roi_around
from models.roi import Roi, warp_roi

FACE_KEYPOINTS = 6
# face_detection_short_range.pbtxt / face_detection_full_range.pbtxt anchor options.
FACE_ANCHORS = {
    "face_detection_short_range": AnchorSpec(input_size=128, strides=(8, 16, 16, 16)),
    "face_detection_full_range": AnchorSpec(
        input_size=192, strides=(4,), anchors_per_stride_layer=1
    ),
}
FACE_OUTPUTS = {
    "face_detection_short_range": ("regressors", "classificators"),
    "face_detection_full_range": ("Identity", "Identity_1"),
}


@dataclass(frozen=True, slots=True)
class FaceDetection:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 image pixels
    keypoints: np.ndarray  # (6, 2): eyes, nose tip, mouth, ear tragions
    score: float


class FaceDetector:
    """Finds faces in a frame or in upright square regions of it (e.g. people's heads)."""

    def __init__(self, network: Network, model: str, min_score: float = 0.5) -> None:
        if model not in FACE_ANCHORS:
            raise ValueError(f"unknown face model {model!r}; use one of {sorted(FACE_ANCHORS)}")
        self.network = network
        self.size = network.input_shape[0]
        self.anchors = ssd_anchor_centers(FACE_ANCHORS[model])
        self.outputs = FACE_OUTPUTS[model]
        self.min_score = min_score

    def detect(self, image: np.ndarray, regions: list[Roi] | None = None) -> list[FaceDetection]:
        if regions is None:
            height, width = image.shape[:2]
            regions = [square_roi_around((0.0, 0.0, float(width), float(height)))]
        if not regions:
            return []
        crops = np.stack([warp_roi(image, roi, self.size) for roi in regions])
        outputs = self.network.run(crops.astype(np.float32) * (2.0 / 255.0) - 1.0)
        regressors, logits = outputs[self.outputs[0]], outputs[self.outputs[1]]
        faces: list[FaceDetection] = []
        for index, roi in enumerate(regions):
            raw = decode_detections(
                regressors[index],
                logits[index],
                self.anchors,
                FACE_KEYPOINTS,
                self.size,
                self.min_score,
            )
            raw = weighted_nms(raw, 0.3)
            for box, keypoints, score in zip(raw.boxes, raw.keypoints, raw.scores, strict=True):
                corners = roi.crop_to_image(box.reshape(2, 2))
                faces.append(
                    FaceDetection(
                        box=(
                            float(corners[0, 0]),
                            float(corners[0, 1]),
                            float(corners[1, 0]),
                            float(corners[1, 1]),
                        ),
                        keypoints=roi.crop_to_image(keypoints),
                        score=float(score),
                    )
                )
        return faces
