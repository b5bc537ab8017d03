"""Face blurring on real faces: after blurring, the face detector finds no face."""

from __future__ import annotations

import pytest

from etiquette.models.face_detector import FaceDetector
from etiquette.models.runtime import OnnxNetwork
from etiquette.models.ssd import Detection
from etiquette.service.media.privacy import FaceBlurrer, head_box
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.pipeline import OnnxPerception
from etiquette.vision.sources import open_source
from tests.conftest import VIDEO

pytestmark = pytest.mark.real_data  # reads ../shared/data

CLIPS = ("intel_asl_thanks.mkv", "intel_asl_please.mkv", "har_stand.mp4")


def _on_heads(faces: list[Detection], heads: list[tuple[int, int, int, int]]) -> list[Detection]:
    """Detections on a person's head (the detector also fires on hands now and then)."""

    def inside(face: Detection, head: tuple[int, int, int, int]) -> bool:
        cx, cy = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
        return head[0] <= cx <= head[2] and head[1] <= cy <= head[3]

    return [f for f in faces if any(inside(f, h) for h in heads)]


def test_no_face_is_left_unblurred() -> None:
    detector = FaceDetector(OnnxNetwork("face_detection_full_range"), "face_detection_full_range")
    checker = FaceDetector(OnnxNetwork("face_detection_short_range"), "face_detection_short_range")
    blur = FaceBlurrer(detector)
    frames = faces_before = faces_after = 0
    for name in CLIPS:
        perception = OnnxPerception(PerceptionConfig(), OnnxNetwork)
        for frame in open_source(str(VIDEO / name)).frames():
            result = perception.process(frame)
            if len(result.people) == 0:
                continue
            frames += 1
            height, width = frame.image.shape[:2]
            heads = [head_box(k, width, height) for k in result.people.keypoints]
            faces_before += len(_on_heads(detector.detect(frame.image), heads))
            blurred = blur(frame.image, result.people)  # people of unknown role: customers
            found = detector.detect(blurred) + checker.detect(blurred)
            faces_after += len(_on_heads(found, heads))
    print(
        f"\n{frames} frames with people: {faces_before} faces found before blurring, "
        f"{faces_after} after"
    )
    assert frames > 150 and faces_before >= 0.8 * frames
    assert faces_after == 0
