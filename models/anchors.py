"""SSD anchors, box/keypoint decoding and weighted non-maximum suppression (MediaPipe's
SsdAnchorsCalculator, TensorsToDetectionsCalculator and NonMaxSuppressionCalculator)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class AnchorSpec:
    """Options of an SSD anchor grid with fixed-size anchors."""

    input_size: int
    strides: tuple[int, ...]
    anchors_per_stride_layer: int = 2  # one aspect ratio (1.0) plus the interpolated scale


def ssd_anchor_centers(spec: AnchorSpec) -> np.ndarray:
    """Anchor centres, (n, 2), normalised to the input; consecutive layers sharing a stride
    are merged as MediaPipe does."""
    centers: list[np.ndarray] = []
    layer = 0
    while layer < len(spec.strides):
        stride = spec.strides[layer]
        repeats = 0
        while layer < len(spec.strides) and spec.strides[layer] == stride:
            repeats += spec.anchors_per_stride_layer
            layer += 1
        cells = math.ceil(spec.input_size / stride)
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centers.append(np.repeat(grid, repeats, axis=1).reshape(-1, 2))
    return np.concatenate(centers).astype(np.float32)


@dataclass(frozen=True, slots=True)
class RawDetections:
    """Decoded detections in input-normalised coordinates."""

    boxes: np.ndarray  # (n, 4) x1, y1, x2, y2
    keypoints: np.ndarray  # (n, k, 2)
    scores: np.ndarray  # (n,)


def decode_detections(
    regressors: np.ndarray,
    logits: np.ndarray,
    anchors: np.ndarray,
    num_keypoints: int,
    input_size: int,
    min_score: float,
) -> RawDetections:
    """Decode one image's (n_anchors, 4 + 2k) regressors and (n_anchors, 1) logits."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits[:, 0].astype(np.float64), -80.0, 80.0)))
    keep = scores >= min_score
    reg = regressors[keep] / input_size
    anc = anchors[keep]
    cx = reg[:, 0] + anc[:, 0]
    cy = reg[:, 1] + anc[:, 1]
    half_w = reg[:, 2] / 2
    half_h = reg[:, 3] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    kps = reg[:, 4 : 4 + 2 * num_keypoints].reshape(-1, num_keypoints, 2) + anc[:, None, :]
    return RawDetections(boxes, kps, scores[keep])


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one (4,) box against (n, 4) boxes."""
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(detections: RawDetections, iou_threshold: float) -> RawDetections:
    """MediaPipe's WEIGHTED suppression: each cluster is averaged, weighted by score."""
    order = np.argsort(-detections.scores)
    remaining = order
    boxes, kps, scores = [], [], []
    while remaining.size:
        best = remaining[0]
        ious = box_iou(detections.boxes[best], detections.boxes[remaining])
        cluster = remaining[ious > iou_threshold]
        if cluster.size == 0:
            cluster = remaining[:1]
        weights = detections.scores[cluster][:, None]
        total = float(weights.sum())
        boxes.append((detections.boxes[cluster] * weights).sum(axis=0) / total)
        kps.append((detections.keypoints[cluster] * weights[:, :, None]).sum(axis=0) / total)
        scores.append(detections.scores[best])
        remaining = remaining[ious <= iou_threshold]
        remaining = remaining[remaining != best]
    if not scores:
        k = detections.keypoints.shape[1]
        return RawDetections(np.zeros((0, 4)), np.zeros((0, k, 2)), np.zeros(0))
    return RawDetections(np.array(boxes), np.array(kps), np.array(scores))
