"""Runs the camera runners, restarts the ones that crash, and turns their messages into
stored events, camera health, metrics and live prompts (stored first, then published)."""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

from rules.events import Event
from service import metrics
from service.config import CameraConfig, SiteConfig
from service.hub import Hub, LiveMessage
from service.live import CameraHealth, LiveState
from service.mqtt import MqttPublisher
from service.runner import EventMessage, FrameMessage, HealthMessage, spawn_runner
from service.speech import PromptVoice, SpeechError
from service.store import EventStore

log = logging.getLogger(__name__)
RESTART_BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)
WATCH_EVERY_S = 0.5
WARNING_TEXT = "迎宾超时，请注意"  # "greeting late, please attend"


class Supervisor:
    def __init__(
        self,
        site: SiteConfig,
        store: EventStore,
        live: LiveState,
        hub: Hub,
        voice: PromptVoice | None,
        mqtt: MqttPublisher | None = None,
    ) -> None:
        self.site, self.store, self.live, self.hub, self.voice = site, store, live, hub, voice
        self.mqtt = mqtt
        context = multiprocessing.get_context("spawn")
        self.messages: Any = context.Queue()
        self.stop_flag = context.Event()
        self.processes: dict[str, BaseProcess] = {}
        self.restarts: dict[str, int] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._dropped_seen: dict[str, int] = {}
        self.reloading: set[str] = set()

    def start(self) -> None:
        if self.voice is not None:
            for text in (self.site.rules.greeting.prompt_text, WARNING_TEXT):
                self._audio_url(text)  # render once now: the first prompt must not wait
        for camera in self.site.cameras:
            self.live.set_camera(
                CameraHealth(
                    name=camera.name,
                    online=False,
                    fps=0.0,
                    dropped_frames=0,
                    last_frame_at=None,
                    error="starting",
                )
            )
            self._spawn(camera.name)
        for target in (self._read, self._watch):
            thread = threading.Thread(target=target, daemon=True, name=target.__name__)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping = True
        self.stop_flag.set()
        for process in self.processes.values():
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()

    def reload(self, camera: CameraConfig) -> None:
        """Run a camera with new settings (e.g. a new calibration): its runner is stopped and
        the watchdog starts it again with them."""
        self.site.cameras = [camera if c.name == camera.name else c for c in self.site.cameras]
        self.reloading.add(camera.name)
        process = self.processes.get(camera.name)
        if process is not None and process.is_alive():
            process.terminate()

    def _spawn(self, name: str) -> None:
        camera = next(c for c in self.site.cameras if c.name == name)
        self.processes[name] = spawn_runner(
            camera, self.site.perception, self.site.rules, self.messages, self.stop_flag
        )

    def _watch(self) -> None:
        """Restart runners that died, with a growing pause; the others keep running."""
        while not self._stopping:
            for name, process in list(self.processes.items()):
                if process.is_alive() or self._stopping:
                    continue
                if name in self.reloading:
                    self.reloading.discard(name)
                    self._health(HealthMessage(name, False, 0.0, 0, None, "reloading settings"))
                    self._spawn(name)
                    continue
                count = self.restarts.get(name, 0)
                self.restarts[name] = count + 1
                reason = f"runner stopped (exit code {process.exitcode}); restarting"
                self._health(HealthMessage(name, False, 0.0, 0, None, reason))
                time.sleep(RESTART_BACKOFF_S[min(count, len(RESTART_BACKOFF_S) - 1)])
                if not self._stopping:
                    self._spawn(name)
            time.sleep(WATCH_EVERY_S)

    def _read(self) -> None:
        while not self._stopping:
            try:
                message = self.messages.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                if isinstance(message, HealthMessage):
                    self._health(message)
                elif isinstance(message, EventMessage):
                    self._event(message)
                elif isinstance(message, FrameMessage):
                    self.live.set_view(message.camera, message.jpeg, message.raw)
            except Exception:  # one bad message must not stop the service
                log.exception("could not handle %r", message)

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
                online=message.online,
                fps=message.fps,
                dropped_frames=dropped,
                last_frame_at=message.last_frame_at,
                error=message.error,
            )
        )
        metrics.CAMERA_ONLINE.labels(message.camera).set(1 if message.online else 0)
        metrics.CAMERA_FPS.labels(message.camera).set(message.fps)
        if message.online:
            metrics.INFERENCE_MS.labels(message.camera).observe(message.inference_ms)
            new = message.dropped_frames - self._dropped_seen.get(message.camera, 0)
            if new > 0:
                metrics.DROPPED_FRAMES.labels(message.camera).inc(new)
            self._dropped_seen[message.camera] = message.dropped_frames

    def _event(self, message: EventMessage) -> None:
        event = Event.model_validate(message.event)
        stored = self.store.add_event(message.camera, event, post=message.post)  # committed
        door_post = self.site.rules.greeting.door_post
        if event.type == "greeting_prompt":
            text = self.site.rules.greeting.prompt_text
            self._publish("prompt", stored.id, message.camera, event, door_post, text)
            metrics.PROMPTS_SENT.labels(message.camera).inc()
        elif event.type == "greeting_missed":
            self._publish("warning", stored.id, message.camera, event, door_post, WARNING_TEXT)
        else:
            self._publish("event", stored.id, message.camera, event, message.post, None)

    def _publish(
        self,
        kind: str,
        event_id: int,
        camera: str,
        event: Event,
        post: str | None,
        text: str | None,
    ) -> None:
        captured = event.end if kind == "warning" else event.start
        published = time.time()
        message = LiveMessage(
            kind=kind,
            event_id=event_id,
            camera=camera,
            type=event.type,  # type: ignore[arg-type]
            post=post,
            text=text,
            audio_url=self._audio_url(text) if text else None,
            captured_at=captured,
            published_at=published,
        )
        self.hub.publish(message)
        if self.mqtt is not None:
            self.mqtt.publish(message)
        if kind == "prompt":
            metrics.PROMPT_LATENCY_S.observe(max(0.0, published - captured))

    def _audio_url(self, text: str) -> str | None:
        if self.voice is None or not self.site.prompts.enabled:
            return None
        try:
            return f"/api/prompts/audio/{self.voice.audio_for(text).name}"
        except SpeechError as error:
            log.warning("no audio for the prompt: %s", error)
            return None
