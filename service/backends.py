"""Choosing a perception backend by name."""

from __future__ import annotations

from typing import Literal, Protocol

from vision.config import PerceptionConfig
from vision.frame import FrameResult, StageTimes
from vision.sources import Frame

BackendName = Literal["onnx", "mediapipe"]
BACKENDS: tuple[BackendName, ...] = ("onnx", "mediapipe")


class Perception(Protocol):
    times: StageTimes

    def process(self, frame: Frame) -> FrameResult: ...

    def close(self) -> None: ...


class BackendError(Exception):
    """A backend that cannot be used on this installation, and how to make it usable."""


def create_perception(backend: BackendName, config: PerceptionConfig) -> Perception:
    if backend == "onnx":
        from models.runtime import OnnxNetwork
        from vision.pipeline import OnnxPerception

        return OnnxPerception(config, OnnxNetwork)
    try:
        from vision.mediapipe_backend import MediaPipePerception
    except ImportError as error:  # its message says how to install the extra
        raise BackendError(str(error)) from error
    return MediaPipePerception(config)
