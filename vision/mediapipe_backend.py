"""The second perception backend (``--backend mediapipe``): MediaPipe Tasks PoseLandmarker and
HandLandmarker in VIDEO mode, run by models.mediapipe_tasks.

The Tasks API gives poses without ids, and hands without owners, so this module adds them: ids
by greedy IoU matching to the previous frame's boxes, and each hand given to the person and side
whose pose wrist is nearest its wrist landmark.

This module does not import mediapipe; models.mediapipe_tasks does, and raises an ImportError
that says how to install it when it is missing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from etiquette.models.mediapipe_tasks import (
    HandLandmarkerTask,
    Hands,
    PoseLandmarkerTask,
    Poses,
    VideoClock,
    VideoInput,
)
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.frame import (
    NUM_HAND_JOINTS,
    NUM_HAND_SIDES,
    FrameResult,
    People,
    StageTimes,
)
from etiquette.vision.hands import hand_is_raised
from etiquette.vision.joints import HandJoint, HandSide, Joint
from etiquette.vision.sources import Frame
from etiquette.vision.tracking import Box, box_iou, keypoint_box

# Boxes of one person in consecutive frames overlap at least this much.
MIN_TRACK_IOU = 0.3
# A hand belongs to a pose wrist within this share of the person's body size (box side).
HAND_WRIST_REACH = 0.2
WRISTS: dict[HandSide, Joint] = {HandSide.LEFT: Joint.LEFT_WRIST, HandSide.RIGHT: Joint.RIGHT_WRIST}


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
        self.pose = PoseLandmarkerTask(
            self.num_poses,
            min_detection_confidence=config.detector_min_score,
            min_presence_confidence=config.keep_presence,
        )
        self.hands = (
            HandLandmarkerTask(2 * self.num_poses, min_presence_confidence=config.hand_presence)
            if config.hands != "off"
            else None
        )
        self.ids = IdAssigner(config.track_grace_s)
        self.clock = VideoClock()
        self.times = StageTimes()

    def process(self, frame: Frame) -> FrameResult:
        height, width = frame.image.shape[:2]
        video_input = self.clock.frame(frame.image, frame.timestamp)
        started = time.perf_counter()
        poses = self.pose.detect(video_input)
        after_pose = time.perf_counter()
        boxes = [keypoint_box(kp, width, height) for kp in poses.keypoints]
        track_ids = self.ids.assign(boxes, frame.timestamp)
        after_tracking = time.perf_counter()
        hands, hand_scores = self._hands(video_input, poses, boxes)
        finished = time.perf_counter()
        self.times.ms = {
            "proposals": 0.0,
            "landmarks": (after_pose - started) * 1000,
            "hands": (finished - after_tracking) * 1000,
            "tracking": (after_tracking - after_pose) * 1000,
        }
        people = People(
            boxes=np.array(boxes, dtype=np.float64).reshape(len(boxes), 4),
            scores=poses.scores,
            keypoints=poses.keypoints,
            world=poses.world,
            track_ids=track_ids,
            hands=hands,
            hand_scores=hand_scores,
        )
        return FrameResult(frame.index, frame.timestamp, width, height, people)

    def _hands(
        self, video_input: VideoInput, poses: Poses, boxes: Sequence[Box]
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.hands is None or not boxes:
            count = len(boxes)
            return (
                np.zeros((count, NUM_HAND_SIDES, NUM_HAND_JOINTS, 3)),
                np.zeros((count, NUM_HAND_SIDES)),
            )
        found = self.hands.detect(video_input)
        return assign_hands(found, poses.keypoints, boxes, self.config.hands == "raised")

    def close(self) -> None:
        self.pose.close()
        if self.hands is not None:
            self.hands.close()
