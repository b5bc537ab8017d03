"""Choosing a perception backend by name."""

from __future__ import annotations

from typing import Literal, Protocol

from etiquette.vision.config import PerceptionConfig
from etiquette.vision.frame import FrameResult, StageTimes
from etiquette.vision.sources import Frame

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
        from etiquette.models.runtime import OnnxNetwork
        from etiquette.vision.pipeline import OnnxPerception

        return OnnxPerception(config, OnnxNetwork)
    try:
        from etiquette.vision.mediapipe_backend import MediaPipePerception
    except ImportError as error:  # its message says how to install the extra
        raise BackendError(str(error)) from error
    return MediaPipePerception(config)
