"""The second perception backend (``--backend mediapipe``): MediaPipe Tasks PoseLandmarker and
HandLandmarker in VIDEO mode, on the .task bundles in models/tasks/ (built by
``python -m models.build.tasks`` from the same mediapipe 0.10.21 weights as models/onnx/).

The Tasks API gives poses without ids or a pose score, and hands without owners, so this
module adds them: ids by greedy IoU matching to the previous frame's boxes, the pose score as
the mean landmark presence, and each hand given to the person and side whose pose wrist is
nearest its wrist landmark.

Only this module imports mediapipe; it is an optional extra of the project.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import models
from vision.config import PerceptionConfig
from vision.frame import (
    NUM_HAND_JOINTS,
    NUM_HAND_SIDES,
    NUM_JOINTS,
    FrameResult,
    People,
    StageTimes,
)
from vision.hands import hand_is_raised
from vision.joints import HandJoint, HandSide, Joint
from vision.sources import Frame
from vision.tracking import Box, box_iou, keypoint_box

try:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python import vision as mp_vision
except ImportError as error:  # pragma: no cover - depends on the install
    raise ImportError(
        f"the mediapipe backend needs mediapipe 1.2.3 ({error}); install it with: "
        "pip install 'etiquette-monitor[mediapipe]'"
    ) from error

TASKS_DIR = Path(models.__file__).resolve().parent / "tasks"
POSE_TASK = "pose_landmarker.task"
HAND_TASK = "hand_landmarker.task"
REBUILD_HINT = "build it with: python -m models.build.tasks --out models/tasks"
# Boxes of one person in consecutive frames overlap at least this much.
MIN_TRACK_IOU = 0.3
# A hand belongs to a pose wrist within this share of the person's body size (box side).
HAND_WRIST_REACH = 0.2
WRISTS: dict[HandSide, Joint] = {HandSide.LEFT: Joint.LEFT_WRIST, HandSide.RIGHT: Joint.RIGHT_WRIST}


@dataclass(frozen=True)
class Poses:
    """One frame's poses from PoseLandmarker, in pixels."""

    keypoints: np.ndarray  # (n, 33, 3) x_px, y_px, visibility
    presence: np.ndarray  # (n, 33)
    world: np.ndarray  # (n, 33, 3) metres


@dataclass(frozen=True)
class Hands:
    """One frame's hands from HandLandmarker, in pixels, not yet given to anyone."""

    keypoints: np.ndarray  # (m, 21, 3) x_px, y_px, z (pixels, wrist-relative)
    scores: np.ndarray  # (m,) handedness score (the Tasks API reports no hand presence)


def task_path(name: str) -> Path:
    path = TASKS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; {REBUILD_HINT}")
    return path


def _pose_landmarker(config: PerceptionConfig, num_poses: int) -> Any:
    options = mp_vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(task_path(POSE_TASK))),
        running_mode=mp_vision.RunningMode.VIDEO,
        num_poses=num_poses,
        min_pose_detection_confidence=config.detector_min_score,
        min_pose_presence_confidence=config.keep_presence,
    )
    return mp_vision.PoseLandmarker.create_from_options(options)


def _hand_landmarker(config: PerceptionConfig, num_hands: int) -> Any:
    options = mp_vision.HandLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(task_path(HAND_TASK))),
        running_mode=mp_vision.RunningMode.VIDEO,
        num_hands=num_hands,
        min_hand_presence_confidence=config.hand_presence,
    )
    return mp_vision.HandLandmarker.create_from_options(options)


def _landmark_array(landmarks: Sequence[Any], fields: tuple[str, ...]) -> np.ndarray:
    """(k, len(fields)) of the landmarks' attributes, None read as 0."""
    return np.array(
        [[float(getattr(mark, name) or 0.0) for name in fields] for mark in landmarks],
        dtype=np.float64,
    ).reshape(len(landmarks), len(fields))


def poses_from_result(result: Any, width: int, height: int) -> Poses:
    image = [
        _landmark_array(marks, ("x", "y", "visibility", "presence"))
        for marks in result.pose_landmarks
    ]
    world = [_landmark_array(marks, ("x", "y", "z")) for marks in result.pose_world_landmarks]
    if not image:
        return Poses(
            np.zeros((0, NUM_JOINTS, 3)), np.zeros((0, NUM_JOINTS)), np.zeros((0, NUM_JOINTS, 3))
        )
    stacked = np.stack(image)
    keypoints = stacked[:, :, :3] * np.array([width, height, 1.0])
    return Poses(keypoints, stacked[:, :, 3], np.stack(world))


def hands_from_result(result: Any, width: int, height: int) -> Hands:
    marks = [_landmark_array(hand, ("x", "y", "z")) for hand in result.hand_landmarks]
    if not marks:
        return Hands(np.zeros((0, NUM_HAND_JOINTS, 3)), np.zeros(0))
    # Normalised z has the scale of x: pixels = z * image width.
    keypoints = np.stack(marks) * np.array([width, height, width])
    scores = np.array([float(category[0].score) for category in result.handedness])
    return Hands(keypoints, scores)


class IdAssigner:
    """Stable ids for unordered poses: greedy IoU matching (best pairs first) to the last boxes
    of the ids seen within ``grace`` seconds, so that a pose PoseLandmarker drops for a few
    frames keeps its id; unmatched poses get new ids."""

    def __init__(self, grace: float, min_iou: float = MIN_TRACK_IOU) -> None:
        self.grace = grace
        self.min_iou = min_iou
        self.recent: dict[int, tuple[Box, float]] = {}  # id -> last box, last seen
        self.next_id = 1

    def assign(self, boxes: Sequence[Box], now: float) -> np.ndarray:
        self.recent = {i: seen for i, seen in self.recent.items() if now - seen[1] <= self.grace}
        pairs = sorted(
            (
                (box_iou(box, old), row, track_id)
                for row, box in enumerate(boxes)
                for track_id, (old, _) in self.recent.items()
            ),
            reverse=True,
        )
        ids = [0] * len(boxes)
        for iou, row, track_id in pairs:
            if iou < self.min_iou:
                break
            if ids[row] == 0 and track_id not in ids:
                ids[row] = track_id
        for row, track_id in enumerate(ids):
            if track_id == 0:
                ids[row] = self.next_id
                self.next_id += 1
        for track_id, box in zip(ids, boxes, strict=True):
            self.recent[track_id] = (box, now)
        return np.array(ids, dtype=np.int64)


def assign_hands(
    hands: Hands, keypoints: np.ndarray, boxes: Sequence[Box], raised_only: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2, 21, 3) hands and (n, 2) scores: each hand goes to the person and side whose
    pose wrist is nearest its wrist landmark, nearest pairs first, within reach."""
    count = len(boxes)
    out = np.zeros((count, NUM_HAND_SIDES, NUM_HAND_JOINTS, 3))
    scores = np.zeros((count, NUM_HAND_SIDES))
    candidates: list[tuple[float, int, int, HandSide]] = []
    for hand, marks in enumerate(hands.keypoints):
        for person, box in enumerate(boxes):
            reach = HAND_WRIST_REACH * max(box[2] - box[0], box[3] - box[1], 1.0)
            for side, wrist in WRISTS.items():
                if raised_only and not hand_is_raised(keypoints[person], wrist):
                    continue
                gap = float(np.hypot(*(marks[HandJoint.WRIST, :2] - keypoints[person, wrist, :2])))
                if gap <= reach:
                    candidates.append((gap, hand, person, side))
    used_hands: set[int] = set()
    for _, hand, person, side in sorted(candidates):
        if hand in used_hands or scores[person, side] > 0:
            continue
        used_hands.add(hand)
        out[person, side] = hands.keypoints[hand]
        scores[person, side] = hands.scores[hand]
    return out, scores


class MediaPipePerception:
    """Multi-person pose and hands with MediaPipe Tasks, frame by frame (VIDEO mode)."""

    def __init__(self, config: PerceptionConfig, num_poses: int | None = None) -> None:
        self.config = config
        self.num_poses = num_poses if num_poses is not None else config.max_people
        self.pose = _pose_landmarker(config, self.num_poses)
        self.hands = _hand_landmarker(config, 2 * self.num_poses) if config.hands != "off" else None
        self.ids = IdAssigner(config.track_grace_s)
        self.last_ms: int | None = None
        self.times = StageTimes()

    def _timestamp_ms(self, seconds: float) -> int:
        """The frame time in ms, nudged so that it strictly increases as VIDEO mode needs."""
        ms = round(seconds * 1000)
        if self.last_ms is not None and ms <= self.last_ms:
            ms = self.last_ms + 1
        self.last_ms = ms
        return ms

    def process(self, frame: Frame) -> FrameResult:
        height, width = frame.image.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame.image))
        ms = self._timestamp_ms(frame.timestamp)
        started = time.perf_counter()
        poses = poses_from_result(self.pose.detect_for_video(image, ms), width, height)
        after_pose = time.perf_counter()
        boxes = [keypoint_box(kp, width, height) for kp in poses.keypoints]
        track_ids = self.ids.assign(boxes, frame.timestamp)
        after_tracking = time.perf_counter()
        hands, hand_scores = self._hands(image, ms, poses, boxes, (width, height))
        finished = time.perf_counter()
        self.times.ms = {
            "proposals": 0.0,
            "landmarks": (after_pose - started) * 1000,
            "hands": (finished - after_tracking) * 1000,
            "tracking": (after_tracking - after_pose) * 1000,
        }
        people = People(
            boxes=np.array(boxes, dtype=np.float64).reshape(len(boxes), 4),
            scores=poses.presence.mean(axis=1),
            keypoints=poses.keypoints,
            world=poses.world,
            track_ids=track_ids,
            hands=hands,
            hand_scores=hand_scores,
        )
        return FrameResult(frame.index, frame.timestamp, width, height, people)

    def _hands(
        self, image: Any, ms: int, poses: Poses, boxes: Sequence[Box], size: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.hands is None or not boxes:
            count = len(boxes)
            return (
                np.zeros((count, NUM_HAND_SIDES, NUM_HAND_JOINTS, 3)),
                np.zeros((count, NUM_HAND_SIDES)),
            )
        found = hands_from_result(self.hands.detect_for_video(image, ms), *size)
        return assign_hands(found, poses.keypoints, boxes, self.config.hands == "raised")

    def close(self) -> None:
        self.pose.close()
        if self.hands is not None:
            self.hands.close()
