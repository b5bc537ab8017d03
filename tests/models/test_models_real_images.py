"""Each network with its pre/post-processing, on real labelled images."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from etiquette.models.hand_landmarks import HandLandmarker
from etiquette.models.pose_detector import PoseDetector, landmark_roi
from etiquette.models.pose_landmarks import PoseLandmarker
from etiquette.models.roi import Roi
from etiquette.models.runtime import OnnxNetwork
from etiquette.vision.joints import Joint
from tests.conftest import HANDS, PEOPLE

pytestmark = pytest.mark.real_data  # reads ../shared/data

# MPII joint order -> BlazePose joints (hips differ a little in definition).
MPII_TO_BLAZEPOSE = {
    0: Joint.RIGHT_ANKLE,
    1: Joint.RIGHT_KNEE,
    2: Joint.RIGHT_HIP,
    3: Joint.LEFT_HIP,
    4: Joint.LEFT_KNEE,
    5: Joint.LEFT_ANKLE,
    10: Joint.RIGHT_WRIST,
    11: Joint.RIGHT_ELBOW,
    12: Joint.RIGHT_SHOULDER,
    13: Joint.LEFT_SHOULDER,
    14: Joint.LEFT_ELBOW,
    15: Joint.LEFT_WRIST,
}
MPII_UPPER_NECK, MPII_HEAD_TOP = 8, 9


def rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path))
    assert image is not None, path
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module")
def detector() -> PoseDetector:
    return PoseDetector(OnnxNetwork("pose_detection"))


@pytest.fixture(scope="module")
def landmarker() -> PoseLandmarker:
    return PoseLandmarker(OnnxNetwork("pose_landmark_full"))


@pytest.mark.parametrize(
    "name",
    [
        "mmpose_h36m_S1_Directions_000001",
        "mmpose_h36m_S7_Greeting_000396",
        "standing_coco241",
        "lean_fwd_coco623",
        "mmpose_mpii_004645041",
    ],
)
def test_detector_finds_the_person(detector: PoseDetector, name: str) -> None:
    found = detector.detect(rgb(PEOPLE / f"{name}.jpg"))
    assert found, f"no person found in {name}"
    assert max(d.score for d in found) >= 0.5


def test_landmarks_match_mpii_labels(detector: PoseDetector, landmarker: PoseLandmarker) -> None:
    labels = json.loads((PEOPLE / "mmpose_test_mpii.json").read_text())
    checked = correct = 0
    for label in labels:
        path = PEOPLE / f"mmpose_mpii_{label['image']}"
        if not path.exists():
            continue
        image = rgb(path)
        joints = np.array(label["joints"])
        head = float(np.linalg.norm(joints[MPII_HEAD_TOP] - joints[MPII_UPPER_NECK]))
        found = detector.detect(image)
        result = landmarker.run(image, [landmark_roi(d) for d in found])
        # The labelled person is the one whose landmarks lie closest to the labels.
        errors = [
            np.array([np.linalg.norm(kp[j, :2] - joints[m]) for m, j in MPII_TO_BLAZEPOSE.items()])
            for kp in result.keypoints
        ]
        assert errors, f"nobody found in {path.name}"
        best = min(errors, key=lambda e: float(np.median(e)))
        visible = np.array([label["joints_vis"][m] for m in MPII_TO_BLAZEPOSE]) > 0
        checked += int(visible.sum())
        correct += int((best[visible] <= 0.5 * head).sum())
    assert checked >= 24, "the MPII label file no longer matches the images"
    pckh = correct / checked
    print(f"MPII PCKh@0.5 over {checked} labelled joints: {pckh:.3f}")
    assert pckh >= 0.8


def test_world_landmarks_are_metric(detector: PoseDetector, landmarker: PoseLandmarker) -> None:
    image = rgb(PEOPLE / "mmpose_h36m_S1_Directions_000001.jpg")
    result = landmarker.run(image, [landmark_roi(d) for d in detector.detect(image)])
    world = result.world[0]
    shoulders = float(np.linalg.norm(world[Joint.LEFT_SHOULDER] - world[Joint.RIGHT_SHOULDER]))
    assert 0.25 <= shoulders <= 0.5, f"shoulder width {shoulders:.2f} m is not human"
    assert result.score[0] > 0.9


def test_hand_landmarks_match_onehand10k_labels() -> None:
    data = json.loads((HANDS / "mmpose_test_onehand10k.json").read_text())
    images = {img["id"]: img["file_name"] for img in data["images"]}
    hands = HandLandmarker(OnnxNetwork("hand_landmark_full"))
    checked = 0
    for annotation in data["annotations"]:
        path = HANDS / f"mmpose_onehand10k_{images[annotation['image_id']]}"
        if not path.exists():
            continue
        labels = np.array(annotation["keypoints"], dtype=float).reshape(21, 3)
        x, y, w, h = annotation["bbox"]
        side = max(w, h) * 1.6
        result = hands.run(rgb(path), [Roi(x + w / 2, y + h / 2, side, side)])
        visible = labels[:, 2] > 0
        error = np.linalg.norm(result.keypoints[0, visible, :2] - labels[visible, :2], axis=1)
        normalized = float(np.median(error)) / max(w, h)
        print(f"{path.name}: presence {result.score[0]:.2f}, median error {normalized:.3f} of box")
        assert normalized < 0.15
        checked += 1
    assert checked >= 2


def test_face_detector_finds_the_signer() -> None:
    from etiquette.models.face_detector import FaceDetector
    from etiquette.vision.sources import open_source
    from tests.conftest import VIDEO

    detector = FaceDetector(OnnxNetwork("face_detection_full_range"), "face_detection_full_range")
    source = open_source(str(VIDEO / "intel_asl_thanks.mkv"))
    frame = next(iter(source.frames()))
    source.close()
    faces = detector.detect(frame.image)
    assert len(faces) == 1
    x1, y1, x2, y2 = faces[0].box
    # The signer's face is in the upper middle of the 640x480 frame.
    assert 200 < (x1 + x2) / 2 < 440
    assert 40 < (y1 + y2) / 2 < 200
    assert 40 < x2 - x1 < 160


@pytest.mark.parametrize(
    "name", ["hagrid_crop_stop.png", "mmpose_onehand10k_9.jpg", "mmpose_freihand_00017620.jpg"]
)
def test_palm_detector_leads_to_a_hand(name: str) -> None:
    from etiquette.models.palm_detector import PalmDetector, hand_roi_from_palm

    image = rgb(HANDS / name)
    palms = PalmDetector(OnnxNetwork("palm_detection_lite")).detect(image)
    assert palms, f"no palm found in {name}"
    best = max(palms, key=lambda p: p.score)
    hands = HandLandmarker(OnnxNetwork("hand_landmark_full")).run(image, [hand_roi_from_palm(best)])
    assert hands.score[0] > 0.5
    # The hand's landmarks lie on the hand, i.e. around the palm box.
    x1, y1, x2, y2 = best.box
    wrist = hands.keypoints[0, 0, :2]
    size = max(x2 - x1, y2 - y1)
    assert x1 - size <= wrist[0] <= x2 + size and y1 - size <= wrist[1] <= y2 + size
