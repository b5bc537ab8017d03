"""ROI warps, anchors and decoding against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from etiquette.models.anchors import RawDetections, box_iou, ssd_anchor_centers, weighted_nms
from etiquette.models.pose_detector import POSE_DETECTION
from etiquette.models.roi import Roi, square_roi_around, warp_roi


def test_pose_detector_has_2254_anchors() -> None:
    anchors = ssd_anchor_centers(POSE_DETECTION.anchors)
    assert anchors.shape == (2254, 2)
    # First anchor: the centre of the top-left cell of the 28x28 stride-8 grid.
    assert anchors[0] == pytest.approx([0.5 / 28, 0.5 / 28])
    assert anchors[-1] == pytest.approx([6.5 / 7, 6.5 / 7])


def test_aligned_roi_points_up_to_the_end_point() -> None:
    upright = Roi.aligned(np.array([100.0, 200.0]), np.array([100.0, 100.0]), scale=1.0)
    assert upright.rotation == pytest.approx(0.0)
    assert upright.width == pytest.approx(200.0)
    tilted = Roi.aligned(np.array([0.0, 0.0]), np.array([10.0, 0.0]), scale=1.0)
    assert tilted.rotation == pytest.approx(math.pi / 2)
    # The crop's "up" (v = 0) must land on the end point side.
    top_middle = tilted.crop_to_image(np.array([0.5, 0.0]))
    assert top_middle == pytest.approx([10.0, 0.0])


def test_warp_roi_round_trip() -> None:
    image = np.zeros((200, 300, 3), dtype=np.uint8)
    image[90:110, 140:160] = 255  # a white square centred at (150, 100)
    roi = Roi(150.0, 100.0, 80.0, 80.0, rotation=0.7)
    crop = warp_roi(image, roi, 64)
    ys, xs = np.nonzero(crop[:, :, 0] > 128)
    centre_in_crop = np.array([[xs.mean() / 64, ys.mean() / 64]])
    assert roi.crop_to_image(centre_in_crop)[0] == pytest.approx([150.0, 100.0], abs=1.5)


def test_weighted_nms_merges_overlaps_by_score() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], dtype=float)
    keypoints = np.zeros((3, 1, 2))
    merged = weighted_nms(RawDetections(boxes, keypoints, np.array([0.9, 0.6, 0.8])), 0.3)
    assert len(merged.scores) == 2
    assert merged.scores[0] == pytest.approx(0.9)
    assert merged.boxes[0, 0] == pytest.approx(0.6 / 1.5)
    assert box_iou(np.array([0, 0, 10, 10.0]), np.array([[5, 0, 15, 10.0]]))[0] == pytest.approx(
        1 / 3
    )


def test_square_roi_around_a_box() -> None:
    roi = square_roi_around((10.0, 20.0, 30.0, 60.0), margin=1.5)
    assert (roi.center_x, roi.center_y, roi.width, roi.height) == (20.0, 40.0, 60.0, 60.0)
    assert roi.bounding_box() == pytest.approx((-10.0, 10.0, 50.0, 70.0))
