"""Rotated people: the ROI rotation, landmark projection and world-landmark rotation must
turn with the picture (all real subjects elsewhere stand upright)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from etiquette.models.pose_detector import PoseDetector, landmark_roi
from etiquette.models.pose_landmarks import PoseLandmarker, PoseLandmarks
from etiquette.models.runtime import OnnxNetwork
from etiquette.vision.joints import Joint
from tests.conftest import PEOPLE

pytestmark = pytest.mark.real_data  # reads ../shared/data

VISIBLE = 0.8


def _landmarks(image: np.ndarray) -> PoseLandmarks:
    detector = PoseDetector(OnnxNetwork("pose_detection"))
    landmarker = PoseLandmarker(OnnxNetwork("pose_landmark_full"))
    found = detector.detect(image)
    assert found
    best = max(found, key=lambda d: d.score)
    first = landmarker.run(image, [landmark_roi(best)])
    # A second pass on the landmarks' own region, as tracking does on the next frame.
    return landmarker.run(image, first.next_rois)


def _trunk(world: np.ndarray) -> np.ndarray:
    shoulders = world[[Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER]].mean(axis=0)
    hips = world[[Joint.LEFT_HIP, Joint.RIGHT_HIP]].mean(axis=0)
    return np.asarray(shoulders - hips)


def test_landmarks_turn_with_the_picture() -> None:
    bgr = cv2.imread(str(PEOPLE / "mmpose_h36m_S7_Greeting_000396.jpg"))
    assert bgr is not None
    upright = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    turned = cv2.rotate(upright, cv2.ROTATE_90_CLOCKWISE)
    height = upright.shape[0]
    a, b = _landmarks(upright), _landmarks(turned)

    # Rotating 90 degrees clockwise maps (x, y) to (height - 1 - y, x).
    expected = np.stack([height - 1 - a.keypoints[0, :, 1], a.keypoints[0, :, 0]], axis=1)
    both = (a.keypoints[0, :, 2] > VISIBLE) & (b.keypoints[0, :, 2] > VISIBLE)
    assert both.sum() >= 20
    size = float(np.ptp(a.keypoints[0, both, 1]))
    error = np.linalg.norm(b.keypoints[0, both, :2] - expected[both], axis=1)
    assert np.median(error) < 0.03 * size

    # World landmarks follow image axes: the trunk turns from up (-y) to right (+x).
    up, right = _trunk(a.world[0]), _trunk(b.world[0])
    assert up[1] < -0.3
    rotated_up = np.array([-up[1], up[0]])
    cosine = rotated_up @ right[:2] / (np.linalg.norm(rotated_up) * np.linalg.norm(right[:2]))
    assert np.degrees(np.arccos(np.clip(cosine, -1, 1))) < 15
    assert b.next_rois[0].rotation == pytest.approx(np.pi / 2, abs=0.35)
