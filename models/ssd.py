"""Single-shot detectors of the MediaPipe family (person, face, palm) on square regions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etiquette.models.anchors import AnchorSpec, decode_detections, ssd_anchor_centers, weighted_nms
from etiquette.models.network import Network
from etiquette.models.roi import Roi, square_roi_around, warp_roi


@dataclass(frozen=True, slots=True)
class Detection:
    """One detected object in image pixels."""

    box: tuple[float, float, float, float]  # x1, y1, x2, y2
    keypoints: np.ndarray  # (k, 2) image pixels
    score: float


@dataclass(frozen=True, slots=True)
class SsdSpec:
    anchors: AnchorSpec
    num_keypoints: int
    outputs: tuple[str, str]  # regressors, score logits
    input_range: tuple[float, float]  # what 0..255 pixels are scaled to


class SsdDetector:
    """Runs an SSD network on upright square regions of a frame (default: the whole frame,
    letterboxed) as one batch and maps the detections back to image pixels."""

    def __init__(
        self, network: Network, spec: SsdSpec, min_score: float = 0.5, nms_iou: float = 0.3
    ) -> None:
        self.network = network
        self.spec = spec
        self.size = network.input_shape[0]
        self.anchors = ssd_anchor_centers(spec.anchors)
        self.min_score = min_score
        self.nms_iou = nms_iou
        low, high = spec.input_range
        self._scale, self._offset = (high - low) / 255.0, low

    def detect(self, image: np.ndarray, regions: list[Roi] | None = None) -> list[Detection]:
        if regions is None:
            height, width = image.shape[:2]
            regions = [square_roi_around((0.0, 0.0, float(width), float(height)))]
        return [found for per_region in self.detect_each(image, regions) for found in per_region]

    def detect_each(self, image: np.ndarray, regions: list[Roi]) -> list[list[Detection]]:
        """The detections of each region (one batch), in image pixels."""
        if not regions:
            return []
        crops = np.stack([warp_roi(image, roi, self.size) for roi in regions])
        batch = crops.astype(np.float32) * np.float32(self._scale) + np.float32(self._offset)
        outputs = self.network.run(batch)
        regressors, logits = (outputs[name] for name in self.spec.outputs)
        each: list[list[Detection]] = []
        for index, roi in enumerate(regions):
            found: list[Detection] = []
            each.append(found)
            raw = decode_detections(
                regressors[index],
                logits[index],
                self.anchors,
                self.spec.num_keypoints,
                self.size,
                self.min_score,
            )
            raw = weighted_nms(raw, self.nms_iou)
            for box, keypoints, score in zip(raw.boxes, raw.keypoints, raw.scores, strict=True):
                corners = roi.crop_to_image(box.reshape(2, 2))
                found.append(
                    Detection(
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
        return each
