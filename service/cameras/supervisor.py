"""Runs the camera runners, restarts the ones that crash, and hands their messages on:
events to the event keeper (stored, then published), camera health and live views to the
live state, clips to the index and retention."""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from etiquette.service import metrics
from etiquette.service.cameras.event_keeper import EventKeeper
from etiquette.service.cameras.runner import (
    ClipMessage,
    ClipPauseMessage,
    ClipSettings,
    EventMessage,
    FinishedMessage,
    FrameMessage,
    HealthMessage,
    RunnerJob,
    SpawnRunner,
    spawn_runner,
)
from etiquette.service.clips.retention import apply_retention, sweep_orphans
from etiquette.service.config import CameraConfig, SiteConfig
from etiquette.service.live.state import CameraHealth, LiveState
from etiquette.service.store.events import EventStore

log = logging.getLogger(__name__)
T = TypeVar("T")
RESTART_BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)
WATCH_EVERY_S = 0.5
STOP_WAIT_S = 5.0
STABLE_S = 60.0  # a runner up this long has its restart count reset
QUEUE_SIZE = 200  # messages waiting per runner; a runner never blocks on live views
STORE_TRIES = 3
RETENTION_EVERY_S = 600.0


def _retrying(action: Callable[[], T], what: str) -> T:
    """``action`` tried STORE_TRIES times (a database that hiccups), pausing a little longer
    each time; the last failure is raised."""
    for attempt in range(STORE_TRIES - 1):
        try:
            return action()
        except Exception:
            log.warning("%s failed; retrying", what)
            time.sleep(0.2 * (attempt + 1))
    return action()


@dataclass
class Runner:
    """One camera's runner process with its own queue and stop flag: a runner that dies
    mid-write can only spoil its own queue, which is replaced when it is restarted."""

    name: str
    process: BaseProcess
    messages: Any
    stop_flag: Any
    started: float = field(default_factory=time.monotonic)


class Supervisor:
    """``events`` stores and publishes what the runners report; ``spawn`` starts a runner."""

    def __init__(
        self,
        site: SiteConfig,
        store: EventStore,
        live: LiveState,
        events: EventKeeper,
        spawn: SpawnRunner = spawn_runner,
    ) -> None:
        self.site, self.store, self.live, self.events, self.spawn = site, store, live, events, spawn
        self.context = multiprocessing.get_context("spawn")
        self.runners: dict[str, Runner] = {}
        self.restarts: dict[str, int] = {}
        self.next_restart: dict[str, float] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._dropped_seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self.finished: set[str] = set()  # file cameras that played once and ended
        self._retention_lock = threading.Lock()
        self._last_retention = 0.0
        # Called with each runner message as it is taken from its queue (bench-site times
        # them); from the runners' reader threads.
        self.listeners: list[Callable[[object], None]] = []

    def start(self) -> None:
        self.events.prepare_prompts()
        for camera in self.site.cameras:
            self.live.set_camera(
                CameraHealth(
                    name=camera.name,
                    display_name=camera.shown_name,
                    online=False,
                    fps=0.0,
                    dropped_frames=0,
                    last_frame_at=None,
                    error="starting",
                )
            )
            self._spawn(camera.name)
        thread = threading.Thread(target=self._watch, daemon=True, name="watchdog")
        thread.start()
        self._threads.append(thread)

    def begin_stop(self) -> None:
        """Tell every runner to stop, without waiting (see ``stop``)."""
        self._stopping = True
        for runner in list(self.runners.values()):
            runner.stop_flag.set()

    def stop(self) -> None:
        """Stop every runner by its flag, then take in what they still had to say."""
        self.begin_stop()
        for runner in list(self.runners.values()):
            runner.process.join(timeout=STOP_WAIT_S)
            if runner.process.is_alive():
                runner.process.terminate()
        for thread in self._threads:
            thread.join(timeout=STOP_WAIT_S)
        for name in list(self.live.cameras):  # the service stopping: no picture until it is back
            self._record_status(HealthMessage(name, False, 0.0, 0, None, "service stopped"))
        self.events.close()
        # Their queues and flags are semaphores: let go of them now, or the exit warns that
        # they "leaked".
        for runner in self.runners.values():
            runner.messages.close()
        self.runners.clear()
        self._threads.clear()

    def reload(self, camera: CameraConfig) -> None:
        """Run a camera with new settings (e.g. a new calibration)."""
        with self._lock:
            self.site.cameras = [camera if c.name == camera.name else c for c in self.site.cameras]
            runner = self.runners.get(camera.name)
        if runner is not None:
            runner.stop_flag.set()
            runner.process.join(timeout=STOP_WAIT_S)
            if runner.process.is_alive():
                runner.process.terminate()
        self._health(HealthMessage(camera.name, False, 0.0, 0, None, "reloading settings"))
        self._spawn(camera.name)

    def _spawn(self, name: str) -> None:
        with self._lock:
            camera = next(c for c in self.site.cameras if c.name == name)
            messages = self.context.Queue(QUEUE_SIZE)
            stop_flag = self.context.Event()
            clips = ClipSettings(self.site.clips, self.site.clips_dir())
            # A new runner starts writing clips afresh: an old pause no longer holds.
            self.live.set_clips_paused(name, None)
            metrics.CLIPS_PAUSED.labels(name).set(0)
            greeting = self.events.greeting_memory(name)  # survives the runner's restart
            schedule = self.site.opening_schedule()
            job = RunnerJob(
                camera, self.site.perception, self.site.rules, clips, greeting, schedule
            )
            process = self.spawn(job, messages, stop_flag)
            runner = Runner(name, process, messages, stop_flag)
            self.runners[name] = runner
            self._dropped_seen[name] = 0
        thread = threading.Thread(
            target=self._read, args=(runner,), daemon=True, name=f"read-{name}"
        )
        thread.start()
        self._threads.append(thread)

    def _watch(self) -> None:
        """Restart runners that died, each after its own growing pause; the others keep
        running. A runner that stayed up a while starts its count again."""
        while not self._stopping:
            try:
                self._watch_once()
            except Exception:  # the watchdog itself must not die
                log.exception("watchdog round failed")
            time.sleep(WATCH_EVERY_S)

    def _watch_once(self) -> None:
        now = time.monotonic()
        if len(self.events.pending):
            self.events.store_pending()
        if now - self._last_retention >= RETENTION_EVERY_S:
            self._last_retention = now
            self.apply_retention(sweep=True)
        for name, runner in list(self.runners.items()):
            if self._stopping or runner.process.is_alive() or self.runners.get(name) is not runner:
                continue
            if name in self.finished:
                continue
            if name not in self.next_restart:
                if now - runner.started > STABLE_S:
                    self.restarts[name] = 0
                count = self.restarts.get(name, 0)
                self.restarts[name] = count + 1
                pause = RESTART_BACKOFF_S[min(count, len(RESTART_BACKOFF_S) - 1)]
                self.next_restart[name] = now + pause
                reason = (
                    f"runner stopped (exit code {runner.process.exitcode}); "
                    f"restarting in {pause:.0f} s"
                )
                self._health(HealthMessage(name, False, 0.0, 0, None, reason))
            elif now >= self.next_restart[name]:
                del self.next_restart[name]
                self._spawn(name)

    def _read(self, runner: Runner) -> None:
        """Take one runner's messages until it is gone and its queue is empty."""
        while True:
            try:
                message = runner.messages.get(timeout=0.5)
            except queue.Empty:
                if not runner.process.is_alive():
                    return
                continue
            except Exception:  # a queue spoiled by a runner that died mid-write
                log.exception("camera %s: its message queue broke", runner.name)
                return
            try:
                for listener in self.listeners:
                    listener(message)
                self._handle(message)
            except Exception:  # one bad message must not stop the service
                log.exception("could not handle %r", message)

    def _handle(self, message: object) -> None:
        if isinstance(message, HealthMessage):
            self._health(message)
        elif isinstance(message, EventMessage):
            self.events.handle(message)
        elif isinstance(message, FrameMessage):
            self.live.set_view(message.camera, message.jpeg, message.raw, message.people)
        elif isinstance(message, ClipMessage):
            self._clip(message)
        elif isinstance(message, ClipPauseMessage):
            self._clips_paused(message)
        elif isinstance(message, FinishedMessage):
            self.finished.add(message.camera)

    def _clip(self, message: ClipMessage) -> None:
        # If every try fails the file stays unindexed; retention's sweep deletes it.
        stored = _retrying(
            lambda: self.store.clips.add(message.camera, message.clip),
            f"indexing clip {message.clip.file}",
        )
        metrics.CLIPS_WRITTEN.labels(message.camera).inc()
        log.info("camera %s: clip %d %s", message.camera, stored.id, stored.file)
        self.apply_retention()

    def _clips_paused(self, message: ClipPauseMessage) -> None:
        self.live.set_clips_paused(message.camera, message.reason)
        metrics.CLIPS_PAUSED.labels(message.camera).set(0 if message.reason is None else 1)
        if message.reason is None:
            log.info("camera %s: clip writing resumed", message.camera)
        else:
            log.error("camera %s: %s", message.camera, message.reason)

    def apply_retention(self, sweep: bool = False) -> None:
        """Delete clips past their age or beyond the quota (never those kept for training)."""
        with self._retention_lock:
            try:
                result = apply_retention(self.store.clips, self.site.clips_dir(), self.site.clips)
                if sweep:
                    sweep_orphans(self.store.clips, self.site.clips_dir())
            except Exception:  # retention failing must not stop the cameras
                log.exception("clip retention failed")
                return
        metrics.CLIPS_DELETED.inc(result.deleted)

    def _record_status(self, message: HealthMessage) -> None:
        # Online since its frame; offline since its last frame (when it went dark), else now.
        at = message.last_frame_at or time.time()
        try:
            self.store.camera_status.record(message.camera, at, message.online, message.error)
        except Exception as error:  # a database hiccup (a full disk) must not stop the cameras
            log.warning("camera %s: its status change was not stored (%s)", message.camera, error)

    def _health(self, message: HealthMessage) -> None:
        previous = self.live.cameras.get(message.camera)
        dropped = (
            message.dropped_frames
            if message.online
            else (previous.dropped_frames if previous else 0)
        )
        self.live.set_camera(
            CameraHealth(
                name=message.camera,
                display_name=previous.display_name if previous else message.camera,
                online=message.online,
                fps=message.fps,
                dropped_frames=dropped,
                last_frame_at=message.last_frame_at,
                error=message.error,
                clips_paused=previous.clips_paused if previous else None,
            )
        )
        if previous is None or previous.online != message.online:  # reports' camera uptime
            self._record_status(message)
        problem = message.problem and f"camera {message.camera}: {message.problem}"
        self.live.set_problem(f"camera {message.camera}", problem)  # in /health until fixed
        metrics.CAMERA_ONLINE.labels(message.camera).set(1 if message.online else 0)
        metrics.CAMERA_FPS.labels(message.camera).set(message.fps)
        if message.online:
            metrics.INFERENCE_MS.labels(message.camera).observe(message.inference_ms)
            new = message.dropped_frames - self._dropped_seen.get(message.camera, 0)
            if new > 0:
                metrics.DROPPED_FRAMES.labels(message.camera).inc(new)
            self._dropped_seen[message.camera] = message.dropped_frames
