"""BlazeFace detectors (face_detection_short_range 128x128, face_detection_full_range
192x192; input in [-1, 1]): face boxes with six keypoints (eyes, nose tip, mouth, ear
tragions), for blurring faces."""

from __future__ import annotations

from etiquette.models.anchors import AnchorSpec
from etiquette.models.network import Network
from etiquette.models.ssd import SsdDetector, SsdSpec

FACE_MODELS = {
    "face_detection_short_range": SsdSpec(
        anchors=AnchorSpec(input_size=128, strides=(8, 16, 16, 16)),
        num_keypoints=6,
        outputs=("regressors", "classificators"),
        input_range=(-1.0, 1.0),
    ),
    "face_detection_full_range": SsdSpec(
        anchors=AnchorSpec(input_size=192, strides=(4,), anchors_per_stride_layer=1),
        num_keypoints=6,
        outputs=("Identity", "Identity_1"),
        input_range=(-1.0, 1.0),
    ),
}


class FaceDetector(SsdDetector):
    """Finds faces in a frame or in upright square regions of it (e.g. people's heads)."""

    def __init__(self, network: Network, model: str, min_score: float = 0.5) -> None:
        if model not in FACE_MODELS:
            raise ValueError(f"unknown face model {model!r}; use one of {sorted(FACE_MODELS)}")
        super().__init__(network, FACE_MODELS[model], min_score)
