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
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as StopFlag
from pathlib import Path
from typing import Any

import numpy as np

from etiquette.calibration.image_size import ImageSizeError
from etiquette.rules.config import RulesConfig
from etiquette.rules.engine import FrameRules
from etiquette.rules.events import Event, Phase
from etiquette.rules.greeting import GreetingMemory
from etiquette.service.cameras.feed import LatestFrame, ReplaySource, open_camera
from etiquette.service.cameras.pipeline import (
    Pipeline,
    build_pipeline,
    live_view,
    people_on_floor,
    raw_jpeg,
)
from etiquette.service.cameras.process import (
    leave_interrupts_to_the_service,
    start_without_interrupts,
    stop_with_parent,
)
from etiquette.service.clips.captions import caption
from etiquette.service.clips.config import ClipConfig
from etiquette.service.clips.recorder import ClipRecorder, ClipWriter
from etiquette.service.config import CameraConfig
from etiquette.service.live.state import PersonOnFloor
from etiquette.service.media.privacy import face_blurrer
from etiquette.service.schedule import Schedule
from etiquette.service.store.models import NewClip
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.frame import FrameResult
from etiquette.vision.sources import FrameSource, SourceError

log = logging.getLogger(__name__)
HEALTH_EVERY_S = 1.0
BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
STALL_S = 5.0  # no frame for this long: the camera counts as gone
EVENT_WAIT_S = 5.0
STREAM_ENDED = "the stream ended"
CLIPS_ON_STOP_S = 3.0  # the supervisor waits 5 s for a runner to stop
CLIP_FAILURES_TOLERATED = 3
LIVE_VIEW_EVERY_S = 0.25
RAW_EVERY_S = 2.0


@dataclass(frozen=True)
class HealthMessage:
    camera: str
    online: bool
    fps: float
    dropped_frames: int
    last_frame_at: float | None
    error: str | None
    inference_ms: float = 0.0
    problem: str | None = None  # a fault a person must fix (the camera file), for /health
    frames: int = 0  # processed since this stream began (with dropped_frames: those offered)


@dataclass(frozen=True)
class FrameMessage:
    """A small annotated JPEG of the live view, a few times a second."""

    camera: str
    jpeg: bytes
    raw: bytes | None = None  # the unannotated full-size frame, now and then (calibration)
    people: tuple[PersonOnFloor, ...] = ()  # where those in this view stand (calibration check)


@dataclass(frozen=True)
class EventMessage:
    camera: str
    event: dict[str, Any]  # Event.model_dump(): plain data crosses the process boundary
    post: str | None


@dataclass(frozen=True)
class ClipMessage:
    """A coaching clip written under the clips folder, to be indexed."""

    camera: str
    clip: NewClip


@dataclass(frozen=True)
class ClipPauseMessage:
    """Clip writing paused (``reason``) or resumed (None)."""

    camera: str
    reason: str | None


@dataclass(frozen=True)
class FinishedMessage:
    """A video file played once has ended: the runner is done and is not to be restarted."""

    camera: str


@dataclass(frozen=True)
class ClipSettings:
    config: ClipConfig
    folder: Path  # the site's clips folder; each camera writes under its own name


Message = HealthMessage | EventMessage | FrameMessage | ClipMessage | ClipPauseMessage


def _caption(event: Event) -> str:
    return caption(event)  # the clips' own words: a person reads both


def post_of(event: Event) -> str | None:
    """The staff post an event is about (its values name one), for the event's message."""
    post = getattr(event.values, "post", None)
    return post if isinstance(post, str) else None


def _send(out: Any, message: Message | FinishedMessage) -> None:
    """Events wait (briefly) for room in the queue; views and health are dropped when the
    parent is behind, so a runner never piles up memory or stops for long."""
    try:
        if isinstance(message, EventMessage | ClipMessage | ClipPauseMessage | FinishedMessage):
            out.put(message, timeout=EVENT_WAIT_S)
        else:
            out.put_nowait(message)
    except queue.Full:
        log.warning("camera %s: parent behind, %s dropped", message.camera, type(message).__name__)


def _recorder(
    camera: CameraConfig, clips: ClipSettings | None, pipeline: Pipeline, out: Any
) -> ClipRecorder | None:
    if clips is None or not clips.config.enabled:
        return None

    def by_camera_and_day(start: float) -> str:
        return f"{camera.name}/{time.strftime('%Y-%m-%d', time.localtime(start))}"

    return ClipRecorder(
        ClipWriter(
            clips.folder,
            pipeline.outlines,
            clips.config.min_free_mb,
            by_camera_and_day,
            pipeline.engine.config.greeting.door_post,
        ),
        face_blurrer(clips.config.blur_staff, pipeline.perception.config.threads),
        clips.config,
        on_clip=lambda clip: _send(out, ClipMessage(camera.name, clip)),
        on_pause=lambda reason: _send(out, ClipPauseMessage(camera.name, reason)),
        background=True,
    )


@dataclass(frozen=True)
class RunnerJob:
    """What a camera runner process is given: its camera and the site's settings."""

    camera: CameraConfig
    perception: PerceptionConfig
    rules: RulesConfig
    clips: ClipSettings | None = None
    greeting: GreetingMemory | None = None  # what the greeting timer had seen before a restart
    schedule: Schedule | None = None  # the site's opening hours (None: no opening checks)


def run_camera(job: RunnerJob, out: Any, stop: StopFlag) -> None:
    """The body of a runner process: ``out`` takes its messages, ``stop`` ends it."""
    leave_interrupts_to_the_service()
    stop_with_parent(stop, grace_s=CLIPS_ON_STOP_S + 2.0)
    camera = job.camera
    pipeline = build_pipeline(camera, job.perception, job.rules, job.greeting, job.schedule)
    recorder = _recorder(camera, job.clips, pipeline, out)
    backoff = BACKOFF_START_S
    try:
        while not stop.is_set():
            try:
                source = open_camera(camera)
            except SourceError as error:
                _send(out, HealthMessage(camera.name, False, 0.0, 0, None, str(error)))
                stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
                continue
            if pipeline.size_problem is None:
                backoff = BACKOFF_START_S
            played_once = isinstance(source, ReplaySource) and not source.loop
            reason = _stream(camera, source, pipeline, recorder, out, stop)  # closes the source
            if played_once and reason == STREAM_ENDED:
                final = _finish_recording(camera, pipeline, out)
                if recorder is not None:
                    recorder.note(final)
                    recorder.close()  # its clips are indexed before the runner says it is done
                _send(out, HealthMessage(camera.name, False, 0.0, 0, None, "the video has ended"))
                _send(out, FinishedMessage(camera.name))
                return
            problem = pipeline.size_problem  # shown until the camera file or camera is fixed
            _send(out, HealthMessage(camera.name, False, 0.0, 0, None, reason, problem=problem))
            stop.wait(backoff)
            if problem is not None:
                backoff = min(backoff * 2, BACKOFF_MAX_S)
    finally:
        if recorder is not None:
            # The clips still open are written with what they have, within the supervisor's
            # patience; one cut short leaves a temporary file that retention sweeps away.
            recorder.close(timeout_s=CLIPS_ON_STOP_S)


def _finish_recording(camera: CameraConfig, pipeline: Pipeline, out: Any) -> list[Event]:
    """A video played once is over: the greeting still waiting has its outcome now."""
    last = pipeline.last_frame_time
    if last is None:
        return []
    final = [event for event in pipeline.engine.finish(last) if event.phase == Phase.END]
    for event in final:
        _send(out, EventMessage(camera.name, event.model_dump(mode="json"), post_of(event)))
    return final


def _record(
    camera: str,
    recorder: ClipRecorder,
    image: np.ndarray,
    result: FrameResult,
    judged: FrameRules,
    out: Any,
) -> bool:
    """Feed the clip recorder; a recorder that keeps failing is switched off (with an alert)
    rather than taking the camera down. False: switched off."""
    try:
        recorder.add(image, result, judged.people, judged.events)
        recorder.failures = 0
        return True
    except Exception as error:
        recorder.failures += 1
        log.exception("clip recording failed")
        if recorder.failures < CLIP_FAILURES_TOLERATED:
            return True
        _send(out, ClipPauseMessage(camera, f"clip recording stopped: {error}"))
        return False


def _stream(
    camera: CameraConfig,
    source: FrameSource,
    pipeline: Pipeline,
    recorder: ClipRecorder | None,
    out: Any,
    stop: StopFlag,
) -> str:
    """Process frames until the stream ends, stalls or we are told to stop; returns why."""
    latest = LatestFrame(source)
    frames, window_start, last_frame_at = 0, time.monotonic(), None
    processed = 0
    inference_ms = 0.0
    captions: list[str] = []
    last_view = last_raw = 0.0
    while not stop.is_set():
        frame = latest.next(stall_s=STALL_S)
        if frame is None:
            latest.stop()
            return source.stopped_early or (
                STREAM_ENDED if latest.ended else f"no frame for {STALL_S:.0f} s"
            )
        try:
            pipeline.fit(frame.image)
        except ImageSizeError as error:  # measuring nothing beats wrong floor positions
            latest.stop()
            pipeline.size_problem = str(error)
            return str(error)
        pipeline.size_problem = None
        started = time.perf_counter()
        result = pipeline.camera.placement.place(pipeline.perception.process(frame))
        judged = pipeline.engine.update(result)
        pipeline.last_frame_time = frame.timestamp
        inference_ms = (time.perf_counter() - started) * 1000
        finished = [event for event in judged.events if event.phase == Phase.END]
        for event in finished:
            _send(out, EventMessage(camera.name, event.model_dump(mode="json"), post_of(event)))
            captions = [*captions[-3:], _caption(event)]
        if recorder is not None and not _record(
            camera.name, recorder, frame.image, result, judged, out
        ):
            recorder = None  # clips off for this stream; the camera itself goes on
        if time.monotonic() - last_view >= LIVE_VIEW_EVERY_S:
            last_view = time.monotonic()
            raw = None
            if time.monotonic() - last_raw >= RAW_EVERY_S:
                last_raw = time.monotonic()
                raw = raw_jpeg(frame.image)
            view = live_view(frame.image, result, pipeline, captions)
            _send(out, FrameMessage(camera.name, view, raw, people_on_floor(result, pipeline)))
        frames += 1
        processed += 1
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
                    frames=processed,
                ),
            )
            frames, window_start = 0, time.monotonic()
    latest.stop()
    return "stopped"


def spawn_runner(job: RunnerJob, out: Any, stop: StopFlag) -> BaseProcess:
    """Start a runner process for ``job`` (spawned: it imports everything afresh)."""
    context = multiprocessing.get_context("spawn")
    process = context.Process(
        target=run_camera,
        args=(job, out, stop),
        name=f"camera-{job.camera.name}",
        daemon=True,
    )
    start_without_interrupts(process.start)
    return process


# How the supervisor starts a runner (the soak benchmark passes one that counts messages).
SpawnRunner = Callable[[RunnerJob, Any, StopFlag], BaseProcess]
