"""What happens to an event a camera runner reports: it is stored first, then published
(live hub, MQTT) with its spoken prompt; an event the database refuses (a full or read-only
disk, a database down) waits in line (memory, then a spill file) and its prompt still goes
out at once."""

from __future__ import annotations

import logging
import math
import time

from sqlalchemy.exc import SQLAlchemyError

from etiquette.calibration.camera_file import load_camera
from etiquette.calibration.errors import CalibrationError
from etiquette.rules.events import Event, parse_event
from etiquette.rules.greeting import GreetingMemory, local_day
from etiquette.rules.teller import TellerJudge
from etiquette.rules.visit_events import OpeningPromptEvent, QueuePromptEvent, TellerServiceEvent
from etiquette.service import metrics
from etiquette.service.cameras.runner import EventMessage
from etiquette.service.config import SiteConfig
from etiquette.service.live.hub import Hub, LiveMessage
from etiquette.service.live.mqtt import MqttPublisher
from etiquette.service.live.speech import PromptVoice, SpeechError
from etiquette.service.live.state import LiveState
from etiquette.service.store.events import EventStore, StoredEvent
from etiquette.service.store.pending import PendingEvent, PendingEvents
from etiquette.service.vocabulary import named

log = logging.getLogger(__name__)
WARNING_TEXT = "迎宾超时，请注意"  # "greeting late, please attend"
REMEMBERED_DAYS_S = 2 * 86400.0  # the days with customers read back when the service starts


class EventKeeper:
    """Stores, then publishes, the events of every camera."""

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
        self.pending = PendingEvents(site.storage.spill_path())
        self._show_pending()
        self._greeting = {camera.name: self._days_stored(camera.name) for camera in site.cameras}
        # A lobby camera sees the customer at a counter, the counter's camera the teller:
        # the teller's five steps are judged here, where both cameras' events meet.
        self.teller = TellerJudge(site.rules.teller, posts=counter_posts(site))
        self._visit_cameras: dict[tuple[float, int], str] = {}  # counter visit -> its camera

    def _days_stored(self, camera: str) -> GreetingMemory:
        """The recent days that already had customers, as stored (a restarted service must
        not announce the day's first customer again)."""
        since = time.time() - REMEMBERED_DAYS_S
        try:
            arrivals = self.store.events(
                types=["customer_arrived"], camera=camera, since=since, limit=100_000
            )
        except SQLAlchemyError as error:  # the cameras start all the same
            log.warning("camera %s: the days with customers could not be read: %s", camera, error)
            return GreetingMemory()
        return GreetingMemory(frozenset(local_day(a.event.start) for a in arrivals))

    def greeting_memory(self, camera: str) -> GreetingMemory:
        """What ``camera``'s greeting timer had seen, for its runner when it restarts."""
        return self._greeting.get(camera, GreetingMemory())

    def prepare_prompts(self) -> None:
        """Render the prompts' audio now: the first prompt must not wait for it."""
        if self.voice is not None:
            for text in (self.site.rules.greeting.prompt_text, WARNING_TEXT):
                self._audio_url(text)
            self.hub.prompt_audio_url = self._audio_url(self.site.rules.greeting.prompt_text)

    def close(self) -> None:
        """Judge the counter visits still open, store what still waits, and spill the rest
        to disk."""
        for judged in self.teller.finish():
            self._keep_judged(judged)
        self.store_pending()
        self.pending.save()

    def handle(self, message: EventMessage) -> None:
        event = parse_event(message.event)
        self._greeting[message.camera] = self.greeting_memory(message.camera).after(event)
        stored = self._store(PendingEvent(camera=message.camera, post=message.post, event=event))
        event_id = None if stored is None else stored.id
        door_post = self.site.rules.greeting.door_post
        if event.type == "greeting_prompt":
            text = self.site.rules.greeting.prompt_text
            self._publish("prompt", event_id, message.camera, event, door_post, text)
            metrics.PROMPTS_SENT.labels(message.camera).inc()
        elif event.type == "greeting_missed":
            self._publish("warning", event_id, message.camera, event, door_post, WARNING_TEXT)
        elif isinstance(event, QueuePromptEvent):
            # The lobby manager at the door post diverts the queue and calls staff to posts.
            self._publish("prompt", event_id, message.camera, event, door_post, event.values.text)
            metrics.PROMPTS_SENT.labels(message.camera).inc()
        elif isinstance(event, OpeningPromptEvent):
            text = self._opening_text(event)
            self._publish("prompt", event_id, message.camera, event, door_post, text)
            metrics.PROMPTS_SENT.labels(message.camera).inc()
        else:
            self._publish("event", event_id, message.camera, event, message.post, None)
        if event.type == "counter_visit":
            self._visit_cameras[(event.start, event.track)] = message.camera
        for judged in self.teller.add(event):
            self._keep_judged(judged)

    def _opening_text(self, event: OpeningPromptEvent) -> str:
        """The opening prompt with the posts' display names (the rules know only their ids):
        staff hear 距开门还有5分钟，1号柜台尚未到岗, not a machine id."""
        posts = "、".join(named(self.site.names, post) for post in event.values.empty_posts)
        minutes = max(1, math.ceil(event.values.before_s / 60.0))
        return self.site.rules.opening.prompt_text.format(minutes=minutes, posts=posts)

    def _keep_judged(self, judged: TellerServiceEvent) -> None:
        """A teller's service, judged from a counter visit and the teller's acts: stored
        under the camera that saw the visit, at the counter's post."""
        camera = self._visit_cameras.pop((judged.start, judged.track), self.site.cameras[0].name)
        post = judged.values.counter
        stored = self._store(PendingEvent(camera=camera, post=post, event=judged))
        self._publish("event", None if stored is None else stored.id, camera, judged, post, None)

    def _store(self, pending: PendingEvent) -> StoredEvent | None:
        """Commit an event before it is published; one the database refuses (a full or
        read-only disk, a database down) waits in line, and its prompt goes out at once."""
        if len(self.pending):
            self.store_pending()  # the ones before it first, in order
        if len(self.pending) == 0:
            try:
                return self._store_one(pending)
            except SQLAlchemyError as error:
                self.pending.problem = str(error).splitlines()[0]
        metrics.EVENTS_REFUSED.labels(pending.camera).inc()
        self.pending.add(pending)
        log.error(
            "camera %s: a %s event could not be stored (%s); kept with %d others, stored "
            "once the database takes writes again",
            pending.camera,
            pending.event.type,
            self.pending.problem,
            len(self.pending) - 1,
        )
        self._show_pending()
        return None

    def _store_one(self, pending: PendingEvent) -> StoredEvent:
        return self.store.add_event(pending.camera, pending.event, post=pending.post)

    def _store_waiting(self, pending: PendingEvent) -> None:
        try:
            self._store_one(pending)
        except ValueError as error:  # can never be stored: it must not hold up the others
            log.error("a waiting %s event is dropped: %s", pending.event.type, error)

    def store_pending(self) -> int:
        """Store the events waiting in line, oldest first, as far as the database lets."""
        if len(self.pending) == 0:
            return 0
        stored = self.pending.store_all(self._store_waiting)
        if stored:
            log.info("stored %d waiting events; %d still wait", stored, len(self.pending))
        self._show_pending()
        return stored

    def _show_pending(self) -> None:
        waiting = len(self.pending)
        metrics.EVENTS_PENDING.set(waiting)
        problem = None
        if waiting:
            problem = (
                f"事件数据库拒绝写入，{waiting} 条事件暂存待入库，请检查数据盘 · {waiting} events "
                f"wait to be stored: the database refuses writes ({self.pending.problem}); "
                f"check the data disk (full or read-only?); they are kept in "
                f"{self.pending.spill.parent} meanwhile"
            )
        self.live.set_problem("events", problem)

    def _publish(
        self,
        kind: str,
        event_id: int | None,
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
            type=event.type,
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


def counter_posts(site: SiteConfig) -> set[str]:
    """The posts a counter camera faces (its counter zone bears the same name): visits at
    other counters are not judged, nothing being seen of their tellers. A camera file that
    cannot be read is its runner's to report."""
    posts = set()
    for camera in site.cameras:
        if camera.camera_file is None:
            continue
        try:
            faced = load_camera(camera.camera_file).faces_post
        except (CalibrationError, OSError):
            continue
        if faced is not None:
            posts.add(faced)
    return posts
