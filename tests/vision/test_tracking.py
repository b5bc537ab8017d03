"""Tracking pieces with numbers alone: smoothing, id hand-back, boxes, motion."""

from __future__ import annotations

import numpy as np
import pytest

from etiquette.models.roi import Roi
from etiquette.vision.boxes import already_kept
from etiquette.vision.frame import NUM_JOINTS
from etiquette.vision.hands import hand_is_raised
from etiquette.vision.joints import Joint
from etiquette.vision.motion import MotionRegions
from etiquette.vision.smoothing import OneEuroFilter
from etiquette.vision.tracking import TrackBook, keypoint_box

ROI = Roi(0.0, 0.0, 1.0, 1.0)


def test_one_euro_smooths_jitter_and_follows_a_step() -> None:
    rng = np.random.default_rng(0)
    smoother = OneEuroFilter(min_cutoff=1.0, beta=0.05)
    raw = 100.0 + rng.normal(0, 2.0, 200)
    raw[100:] += 50.0
    out = np.array([smoother(np.array([v]), i / 30)[0] for i, v in enumerate(raw)])
    assert np.std(out[50:100]) < 0.5 * np.std(raw[50:100])
    assert abs(np.mean(out[150:200]) - 150.0) < 1.0  # caught up with the step


def test_one_euro_holds_missing_values_and_starts_late_ones() -> None:
    smoother = OneEuroFilter()
    smoother(np.array([1.0, np.nan]), 0.0)
    held = smoother(np.array([np.nan, 5.0]), 0.1)
    assert held[0] == pytest.approx(1.0)
    assert held[1] == pytest.approx(5.0)
    later = smoother(np.array([1.0, 5.0]), 0.2)
    assert np.isfinite(later).all()


def test_lost_id_is_given_back_near_its_place_within_the_grace() -> None:
    book = TrackBook(grace_seconds=1.0)
    first = book.start(0.0, ROI, (100.0, 100.0, 150.0, 250.0))
    book.lose(first)
    book.expire(0.5)
    again = book.start(0.6, ROI, (105.0, 100.0, 155.0, 250.0))
    assert again.track_id == first.track_id
    book.lose(again)
    elsewhere = book.start(0.7, ROI, (400.0, 100.0, 450.0, 250.0))
    assert elsewhere.track_id != first.track_id
    book.expire(2.0)
    too_late = book.start(2.0, ROI, (100.0, 100.0, 150.0, 250.0))
    assert too_late.track_id not in (first.track_id, elsewhere.track_id)


def test_keypoint_box_stays_in_the_frame() -> None:
    keypoints = np.zeros((NUM_JOINTS, 3))
    keypoints[:, 0] = np.linspace(700, 900, NUM_JOINTS)  # all right of a 640-wide frame
    keypoints[:, 1] = np.linspace(-50, 100, NUM_JOINTS)
    x1, y1, x2, y2 = keypoint_box(keypoints, 640, 480)
    assert 0 <= x1 <= x2 <= 639 and 0 <= y1 <= y2 <= 479


@pytest.mark.parametrize(
    ("box", "duplicate"),
    [
        ((0.0, 0.0, 100.0, 200.0), True),  # the same
        ((10.0, 150.0, 90.0, 195.0), True),  # a squashed skeleton inside
        ((60.0, 0.0, 160.0, 200.0), False),  # a neighbour overlapping 40%
        ((300.0, 0.0, 400.0, 200.0), False),
    ],
)
def test_duplicates(box: tuple[float, float, float, float], duplicate: bool) -> None:
    assert already_kept(box, [(0.0, 0.0, 100.0, 200.0)]) is duplicate


def _standing(wrist_y: float) -> np.ndarray:
    keypoints = np.zeros((NUM_JOINTS, 3))
    keypoints[[Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER], 1] = 100.0
    keypoints[[Joint.LEFT_HIP, Joint.RIGHT_HIP], 1] = 200.0
    keypoints[Joint.LEFT_SHOULDER, 0], keypoints[Joint.RIGHT_SHOULDER, 0] = 80.0, 120.0
    keypoints[Joint.LEFT_HIP, 0], keypoints[Joint.RIGHT_HIP, 0] = 85.0, 115.0
    keypoints[Joint.LEFT_WRIST, :2] = (70.0, wrist_y)
    return keypoints


@pytest.mark.parametrize(("wrist_y", "raised"), [(250.0, False), (205.0, True), (150.0, True)])
def test_hand_is_raised_along_the_body(wrist_y: float, raised: bool) -> None:
    assert hand_is_raised(_standing(wrist_y), Joint.LEFT_WRIST) is raised


def test_motion_regions_find_a_moving_block() -> None:
    motion = MotionRegions()
    rng = np.random.default_rng(1)
    background = rng.integers(90, 110, (240, 320, 3), dtype=np.uint8)
    boxes: list[tuple[float, float, float, float]] = []
    for step in range(40):
        frame = background.copy()
        x = 40 + step * 4
        frame[80:200, x : x + 40] = 230  # a bright figure walking right
        boxes = motion.update(frame)
    assert len(boxes) == 1
    x1, y1, x2, y2 = boxes[0]
    assert x1 == pytest.approx(196, abs=12) and x2 == pytest.approx(236, abs=12)
    assert y1 == pytest.approx(80, abs=12) and y2 == pytest.approx(200, abs=12)
    assert motion.foreground_share(boxes[0]) > 0.3
    assert motion.foreground_share((0.0, 0.0, 30.0, 30.0)) == 0.0
