"""MediaPipe Tasks runtimes: PoseLandmarker and HandLandmarker in VIDEO mode, on the .task
bundles in models/tasks/ (built by ``etiquette models build --tasks`` from the same mediapipe
0.10.21 weights as models/onnx/), with their results as plain numpy arrays in pixels.

Only this module imports mediapipe; it is an optional extra of the project. Nothing outside it
sees a mediapipe type: a frame goes in as an RGB array and a time in seconds, arrays come out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

try:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python import vision as mp_vision
except ImportError as error:  # pragma: no cover - depends on the install
    raise ImportError(
        f"the MediaPipe Tasks runtime needs mediapipe 1.2.3 ({error}); install it with: "
        "pip install 'etiquette-monitor[mediapipe]'"
    ) from error

TASKS_DIR = Path(__file__).resolve().parent / "tasks"
POSE_TASK = "pose_landmarker.task"
HAND_TASK = "hand_landmarker.task"
REBUILD_HINT = "build it with: etiquette models build --tasks"
POSE_JOINTS = 33
HAND_JOINTS = 21
# MediaPipe's own defaults, for callers that do not choose.
DEFAULT_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Poses:
    """One frame's poses from PoseLandmarker, in pixels."""

    keypoints: np.ndarray  # (n, 33, 3) x_px, y_px, visibility
    world: np.ndarray  # (n, 33, 3) metres
    scores: np.ndarray  # (n,) mean landmark presence (the Tasks API reports no pose score)


@dataclass(frozen=True)
class Hands:
    """One frame's hands from HandLandmarker, in pixels, not yet given to anyone."""

    keypoints: np.ndarray  # (m, 21, 3) x_px, y_px, z (pixels, wrist-relative)
    scores: np.ndarray  # (m,) handedness score (the Tasks API reports no hand presence)


@dataclass(frozen=True)
class VideoInput:
    """One frame ready for the landmarkers: the image, its size and its VIDEO-mode timestamp.
    Make one per frame with :class:`VideoClock` and give it to every landmarker."""

    image: Any  # mediapipe.Image
    timestamp_ms: int
    width: int
    height: int


class VideoClock:
    """Frame times in ms, nudged so that they strictly increase as VIDEO mode needs."""

    def __init__(self) -> None:
        self.last_ms: int | None = None

    def timestamp_ms(self, seconds: float) -> int:
        ms = round(seconds * 1000)
        if self.last_ms is not None and ms <= self.last_ms:
            ms = self.last_ms + 1
        self.last_ms = ms
        return ms

    def frame(self, rgb: np.ndarray, seconds: float) -> VideoInput:
        """An (h, w, 3) uint8 RGB frame captured at ``seconds``, as landmarker input."""
        height, width = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        return VideoInput(image, self.timestamp_ms(seconds), width, height)


def task_path(name: str) -> Path:
    path = TASKS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; {REBUILD_HINT}")
    return path


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
        return Poses(np.zeros((0, POSE_JOINTS, 3)), np.zeros((0, POSE_JOINTS, 3)), np.zeros(0))
    stacked = np.stack(image)
    keypoints = stacked[:, :, :3] * np.array([width, height, 1.0])
    return Poses(keypoints, np.stack(world), stacked[:, :, 3].mean(axis=1))


def hands_from_result(result: Any, width: int, height: int) -> Hands:
    marks = [_landmark_array(hand, ("x", "y", "z")) for hand in result.hand_landmarks]
    if not marks:
        return Hands(np.zeros((0, HAND_JOINTS, 3)), np.zeros(0))
    # Normalised z has the scale of x: pixels = z * image width.
    keypoints = np.stack(marks) * np.array([width, height, width])
    scores = np.array([float(category[0].score) for category in result.handedness])
    return Hands(keypoints, scores)


class PoseLandmarkerTask:
    """MediaPipe Tasks PoseLandmarker in VIDEO mode, up to ``num_poses`` people."""

    def __init__(
        self,
        num_poses: int,
        min_detection_confidence: float = DEFAULT_CONFIDENCE,
        min_presence_confidence: float = DEFAULT_CONFIDENCE,
    ) -> None:
        options = mp_vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(task_path(POSE_TASK))),
            running_mode=mp_vision.RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
        )
        self.landmarker = mp_vision.PoseLandmarker.create_from_options(options)

    def detect(self, frame: VideoInput) -> Poses:
        result = self.landmarker.detect_for_video(frame.image, frame.timestamp_ms)
        return poses_from_result(result, frame.width, frame.height)

    def close(self) -> None:
        self.landmarker.close()


class HandLandmarkerTask:
    """MediaPipe Tasks HandLandmarker in VIDEO mode, up to ``num_hands`` hands."""

    def __init__(self, num_hands: int, min_presence_confidence: float = DEFAULT_CONFIDENCE) -> None:
        options = mp_vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(task_path(HAND_TASK))),
            running_mode=mp_vision.RunningMode.VIDEO,
            num_hands=num_hands,
            min_hand_presence_confidence=min_presence_confidence,
        )
        self.landmarker = mp_vision.HandLandmarker.create_from_options(options)

    def detect(self, frame: VideoInput) -> Hands:
        result = self.landmarker.detect_for_video(frame.image, frame.timestamp_ms)
        return hands_from_result(result, frame.width, frame.height)

    def close(self) -> None:
        self.landmarker.close()
