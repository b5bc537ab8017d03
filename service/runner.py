"""Camera runners: one process per camera (inference is CPU-bound), each reading frames,
running perception and the rules, never falling behind, and reconnecting with backoff.

A runner sends its parent two kinds of messages: health (about once a second, and at once
when the camera drops) and finished events. The parent commits events to the store before
anyone hears of them (see service/supervisor.py).
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.synchronize import Event as StopFlag
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from calibration.camera_file import CameraFile, load_camera
from calibration.overlay import Outline, zone_outlines
from models.runtime import OnnxNetwork
from rules.config import RulesConfig
from rules.engine import RulesEngine
from rules.events import Event, Phase
from service.analyze import scene_context
from service.config import CameraConfig
from service.drawing import draw_people
from vision.config import PerceptionConfig
from vision.frame import FrameResult
from vision.pipeline import OnnxPerception
from vision.placement import Placement
from vision.sources import Frame, FrameSource, SourceError, VideoFileSource, open_source

log = logging.getLogger(__name__)
HEALTH_EVERY_S = 1.0
BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
STALL_S = 5.0  # no frame for this long: the camera counts as gone
EVENT_WAIT_S = 5.0
LIVE_VIEW_EVERY_S = 0.25
RAW_EVERY_S = 2.0
LIVE_VIEW_WIDTH = 640


@dataclass(frozen=True)
class HealthMessage:
    camera: str
    online: bool
    fps: float
    dropped_frames: int
    last_frame_at: float | None
    error: str | None
    inference_ms: float = 0.0


@dataclass(frozen=True)
class FrameMessage:
    """A small annotated JPEG of the live view, a few times a second."""

    camera: str
    jpeg: bytes
    raw: bytes | None = None  # the unannotated full-size frame, now and then (calibration)


@dataclass(frozen=True)
class EventMessage:
    camera: str
    event: dict[str, Any]  # Event.model_dump(): plain data crosses the process boundary
    post: str | None


class ReplaySource:
    """A video file played as if it were a live camera: frames come at their own pace and
    carry the wall-clock time they are "captured"; with ``loop`` it starts over."""

    live = True

    def __init__(self, path: Path, loop: bool, speed: float = 1.0) -> None:
        self.path, self.loop, self.speed = path, loop, speed
        self.description = f"{path} (replayed)"
        self.stopped_early: str | None = None
        VideoFileSource(path).close()  # fail now, with the file's own message

    def frame_count(self) -> int | None:
        return None

    def fps(self) -> float | None:
        return None

    def frames(self) -> Iterator[Frame]:
        index = 0
        while True:
            source = VideoFileSource(self.path)
            start = time.time()
            for frame in source.frames():
                due = start + frame.timestamp / self.speed
                delay = due - time.time()
                if delay > 0:
                    time.sleep(delay)
                yield Frame(index, due, frame.image)
                index += 1
            source.close()
            if not self.loop:
                return

    def close(self) -> None:
        return None


def open_camera(camera: CameraConfig) -> FrameSource:
    path = Path(camera.source)
    if not camera.source.isdigit() and "://" not in camera.source and path.is_file():
        return ReplaySource(path, camera.loop, camera.replay_speed)
    return open_source(camera.source)


class LatestFrame:
    """Reads a source in a thread and keeps only the newest frame: the consumer never falls
    behind; frames it had no time for are counted as dropped.

    The thread owns the source and closes it itself once the stream ended or ``stop()`` was
    called: OpenCV crashes the process (SIGSEGV) when a capture is released while another
    thread is inside its ``read()``, which is where a stalled camera's reader sits."""

    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self.dropped = 0
        self.ended = False
        self._frame: Frame | None = None
        self._arrived = time.monotonic()  # when the newest frame arrived (or the start)
        self._gap = 0.0  # the longest wait for a frame since one was last taken
        self._stopping = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for frame in self.source.frames():
                with self._ready:
                    if self._stopping:
                        break
                    now = time.monotonic()
                    self._gap = max(self._gap, now - self._arrived)
                    self._arrived = now
                    if self._frame is not None:
                        self.dropped += 1
                    self._frame = frame
                    self._ready.notify()
        except Exception as error:  # a camera that fails mid-stream ends the stream
            self.source.stopped_early = str(error)
        finally:
            self.source.close()
        with self._ready:
            self.ended = True
            self._ready.notify()

    def next(self, stall_s: float) -> Frame | None:
        """The newest frame not yet taken; None when the stream ended or stalled: no frame
        for ``stall_s``, or one that came that late (after each read timeout OpenCV hands out
        one more stale frame from its decoder, which would keep a dead camera "online")."""
        with self._ready:
            deadline = self._arrived + stall_s
            while self._frame is None and not self.ended and time.monotonic() < deadline:
                self._ready.wait(deadline - time.monotonic())
            if self._gap >= stall_s:
                return None
            frame, self._frame, self._gap = self._frame, None, 0.0
            return frame

    def stop(self) -> None:
        """Stop reading; the source is closed when its current read returns."""
        with self._ready:
            self._stopping = True


@dataclass
class Pipeline:
    perception: OnnxPerception
    placement: Placement
    engine: RulesEngine
    outlines: list[Outline]


def _pipeline(camera: CameraConfig, perception: PerceptionConfig, rules: RulesConfig) -> Pipeline:
    calibration: CameraFile | None = load_camera(camera.camera_file) if camera.camera_file else None
    outlines = []
    if calibration is not None and calibration.floor is not None:
        outlines = zone_outlines(calibration, calibration.floor)
    return Pipeline(
        OnnxPerception(perception, OnnxNetwork),
        Placement.from_camera(calibration),
        RulesEngine(rules, scene_context(calibration)),
        outlines,
    )


def live_view(
    image: np.ndarray, result: FrameResult, pipeline: Pipeline, captions: list[str]
) -> bytes:
    """The annotated picture for the dashboard: skeletons, ids, zones and recent verdicts."""
    canvas = draw_people(image, result)
    bgr = cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR)
    for points, color in pipeline.outlines:
        cv2.polylines(bgr, [np.round(points).astype(np.int32)], False, color, 2, cv2.LINE_AA)
    for row, text in enumerate(captions[-4:]):
        cv2.putText(
            bgr,
            text,
            (8, 22 + 22 * row),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6,
            (255, 255, 255),
            2,
            cv2.LINE_AA,
        )
    scale = LIVE_VIEW_WIDTH / bgr.shape[1]
    if scale < 1:
        bgr = cv2.resize(bgr, (LIVE_VIEW_WIDTH, round(bgr.shape[0] * scale)))
    ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 70])
    return bytes(jpeg) if ok else b""


def raw_jpeg(image: np.ndarray) -> bytes:
    ok, jpeg = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90]
    )
    return bytes(jpeg) if ok else b""


def _caption(event: Event) -> str:
    verdict = f" {event.verdict}" if event.verdict else ""
    peak = getattr(event.values, "peak_deg", None)
    depth = f" {peak:.0f} deg" if isinstance(peak, float) else ""
    return f"#{event.track} {event.type}{depth}{verdict}"


def _post_of(event: Event) -> str | None:
    post = getattr(event.values, "post", None)
    return post if isinstance(post, str) else None


def _send(out: Any, message: HealthMessage | EventMessage | FrameMessage) -> None:
    """Events wait (briefly) for room in the queue; views and health are dropped when the
    parent is behind, so a runner never piles up memory or stops for long."""
    try:
        if isinstance(message, EventMessage):
            out.put(message, timeout=EVENT_WAIT_S)
        else:
            out.put_nowait(message)
    except queue.Full:
        log.warning("camera %s: parent behind, %s dropped", message.camera, type(message).__name__)


def run_camera(
    camera: CameraConfig,
    perception: PerceptionConfig,
    rules: RulesConfig,
    out: Any,
    stop: StopFlag,
) -> None:
    """The body of a runner process."""
    pipeline = _pipeline(camera, perception, rules)
    backoff = BACKOFF_START_S
    while not stop.is_set():
        try:
            source = open_camera(camera)
        except SourceError as error:
            _send(out, HealthMessage(camera.name, False, 0.0, 0, None, str(error)))
            stop.wait(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)
            continue
        backoff = BACKOFF_START_S
        reason = _stream(camera, source, pipeline, out, stop)  # it closes the source
        _send(out, HealthMessage(camera.name, False, 0.0, 0, None, reason))
        stop.wait(backoff)


def _stream(
    camera: CameraConfig, source: FrameSource, pipeline: Pipeline, out: Any, stop: StopFlag
) -> str:
    """Process frames until the stream ends, stalls or we are told to stop; returns why."""
    latest = LatestFrame(source)
    frames, window_start, last_frame_at = 0, time.monotonic(), None
    inference_ms = 0.0
    captions: list[str] = []
    last_view = last_raw = 0.0
    while not stop.is_set():
        frame = latest.next(stall_s=STALL_S)
        if frame is None:
            latest.stop()
            return source.stopped_early or (
                "the stream ended" if latest.ended else f"no frame for {STALL_S:.0f} s"
            )
        started = time.perf_counter()
        result = pipeline.placement.place(pipeline.perception.process(frame))
        judged = pipeline.engine.update(result)
        inference_ms = (time.perf_counter() - started) * 1000
        for event in judged.events:
            if event.phase == Phase.END:
                _send(
                    out, EventMessage(camera.name, event.model_dump(mode="json"), _post_of(event))
                )
                captions = [*captions[-3:], _caption(event)]
        if time.monotonic() - last_view >= LIVE_VIEW_EVERY_S:
            last_view = time.monotonic()
            raw = None
            if time.monotonic() - last_raw >= RAW_EVERY_S:
                last_raw = time.monotonic()
                raw = raw_jpeg(frame.image)
            view = live_view(frame.image, result, pipeline, captions)
            _send(out, FrameMessage(camera.name, view, raw))
        frames += 1
        last_frame_at = frame.timestamp
        elapsed = time.monotonic() - window_start
        if elapsed >= HEALTH_EVERY_S:
            _send(
                out,
                HealthMessage(
                    camera.name,
                    True,
                    round(frames / elapsed, 2),
                    latest.dropped,
                    last_frame_at,
                    None,
                    round(inference_ms, 1),
                ),
            )
            frames, window_start = 0, time.monotonic()
    latest.stop()
    return "stopped"


def spawn_runner(
    camera: CameraConfig,
    perception: PerceptionConfig,
    rules: RulesConfig,
    out: Any,
    stop: StopFlag,
) -> multiprocessing.process.BaseProcess:
    context = multiprocessing.get_context("spawn")
    process = context.Process(
        target=run_camera,
        args=(camera, perception, rules, out, stop),
        name=f"camera-{camera.name}",
        daemon=True,
    )
    process.start()
    return process
