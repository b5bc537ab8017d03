"""客户分流 at the counters: who stands in the queue zone and for how long, the prompt for a
second diversion when the queue stays long, the staff member who comes to the queue, and
where each queued customer goes (a counter, the self-service area, elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etiquette.calibration.zones import FloorZones
from etiquette.rules.events import Event, Phase
from etiquette.rules.scene import PersonOnFloor, SceneFrame
from etiquette.rules.visit_config import QueueConfig
from etiquette.rules.visit_events import (
    QueueExit,
    QueuePromptEvent,
    QueuePromptValues,
    QueueResponseEvent,
    QueueResponseValues,
    QueueWaitEvent,
    QueueWaitValues,
)

# The queue prompt concerns the queue, not one person.
QUEUE_TRACK = -1
# A customer who left the queue is followed this long to see where they went: a few steps
# reach a counter or the self-service area next to the queue.
FOLLOW_S = 4.0
# A track unseen this long is gone (the tracker drops people it lost for longer anyway).
LOST_S = 2.0


@dataclass
class Leaving:
    """A customer who stepped out of the queue, followed to see where they go."""

    entered: float
    left: float


@dataclass
class Episode:
    """A stretch of time the queue is at least min_people long."""

    since: float
    prompted: float | None = None


class QueueWatch:
    """The queue zone over time (a SceneRule). Only people not known to be staff queue."""

    def __init__(self, config: QueueConfig, zones: FloorZones | None) -> None:
        self.config = config
        self.zones = zones if zones is not None and zones.queue is not None else None
        self.in_zone: dict[int, float] = {}  # track -> when their feet entered the zone
        self.still_since: dict[int, float] = {}  # track -> standing still in the zone since
        self.queued: dict[int, float] = {}  # track -> when they entered (stood join_s)
        self.leaving: dict[int, Leaving] = {}
        self.last_seen: dict[int, float] = {}
        self.episode: Episode | None = None
        self.last_prompt: float | None = None
        self.awaiting_response: tuple[float, int] | None = None  # prompt time, its length

    def update(self, frame: SceneFrame) -> list[Event]:
        if self.zones is None:
            return []
        now, events = frame.time, []
        for person in frame.customers():
            if person.floor is None:
                continue
            self.last_seen[person.track] = now
            events += self._place(person, now)
        events += self._lost(now)
        events += self._prompt(now)
        events += self._response(frame)
        return events

    def finish(self, time: float) -> list[Event]:
        """Everyone still queued or followed: where they went is not known."""
        events = [self._wait(t, entered, time, "unknown") for t, entered in self.queued.items()]
        events += [
            self._wait(t, gone.entered, gone.left, "unknown") for t, gone in self.leaving.items()
        ]
        self.queued.clear()
        self.leaving.clear()
        return events

    # -- pieces ------------------------------------------------------------------------

    def _place(self, person: PersonOnFloor, now: float) -> list[Event]:
        assert self.zones is not None and person.floor is not None
        track, floor = person.track, person.floor
        if self.zones.in_queue(floor):
            entered = self.in_zone.setdefault(track, now)
            if track in self.leaving:  # stepped back in: the same stay in the queue
                entered = self.in_zone[track] = self.leaving.pop(track).entered
            # Walking through the zone is not queueing: standing in it join_s is (a queue
            # shuffles forward slower than a walk).
            if person.heading is not None:
                self.still_since.pop(track, None)
            still = self.still_since.setdefault(track, now) if person.heading is None else now
            if track not in self.queued and now - still >= self.config.join_s:
                self.queued[track] = entered
            return []
        self.in_zone.pop(track, None)
        self.still_since.pop(track, None)
        if track in self.queued:
            self.leaving[track] = Leaving(self.queued.pop(track), now)
        gone = self.leaving.get(track)
        if gone is None:
            return []
        went = self._went_to(floor)
        if went is None and now - gone.left < FOLLOW_S:
            return []
        del self.leaving[track]
        return [self._wait(track, gone.entered, gone.left, went or "elsewhere")]

    def _went_to(self, floor: np.ndarray) -> QueueExit | None:
        assert self.zones is not None
        if self.zones.counter_at(floor) is not None:
            return "counter"
        if self.zones.area_at(floor) == "self_service":
            return "self_service"
        return None

    def _lost(self, now: float) -> list[Event]:
        """Tracks that vanished: a queued one left the queue unseen, a followed one went
        where it was not seen."""
        events: list[Event] = []
        for track in [t for t, seen in self.last_seen.items() if now - seen > LOST_S]:
            del self.last_seen[track]
            self.in_zone.pop(track, None)
            self.still_since.pop(track, None)
            if track in self.queued:
                events.append(self._wait(track, self.queued.pop(track), now, "unknown"))
            if track in self.leaving:
                gone = self.leaving.pop(track)
                events.append(self._wait(track, gone.entered, gone.left, "unknown"))
        return events

    def _prompt(self, now: float) -> list[Event]:
        length = len(self.queued)
        if length < self.config.min_people:
            self.episode = None
            return []
        if self.episode is None:
            # The queue has been this long since its latest member joined it.
            self.episode = Episode(since=now)
        episode, config = self.episode, self.config
        held = now - episode.since
        if held < config.min_s:
            return []
        if episode.prompted is not None and now - episode.prompted < config.repeat_s:
            return []
        episode.prompted = self.last_prompt = now
        self.awaiting_response = (now, length)
        values = QueuePromptValues(
            text=config.prompt_text.format(people=length), length=length, held_s=round(held, 3)
        )
        return [
            QueuePromptEvent(
                phase=Phase.END, track=QUEUE_TRACK, role=None, start=now, end=now, values=values
            )
        ]

    def _response(self, frame: SceneFrame) -> list[Event]:
        if self.awaiting_response is None:
            return []
        queued = [
            p.floor
            for t in self.queued
            if (p := frame.people.get(t)) is not None and p.floor is not None
        ]
        for staff in frame.staff():
            if staff.floor is None or not queued:
                continue
            nearest = min(float(np.linalg.norm(staff.floor - q)) for q in queued)
            if nearest <= self.config.reach_m:
                prompted, _ = self.awaiting_response
                self.awaiting_response = None
                values = QueueResponseValues(
                    latency_s=round(frame.time - prompted, 3), length=len(self.queued)
                )
                return [
                    QueueResponseEvent(
                        phase=Phase.END,
                        track=staff.track,
                        role="staff",
                        start=prompted,
                        end=frame.time,
                        values=values,
                    )
                ]
        return []

    def _wait(self, track: int, entered: float, left: float, went: QueueExit) -> Event:
        prompt = self.last_prompt
        diverted = (
            went == "self_service"
            and prompt is not None
            and 0 <= left - prompt <= self.config.diverted_within_s
        )
        values = QueueWaitValues(
            wait_s=round(left - entered, 3), left_to=went, after_prompt=diverted
        )
        return QueueWaitEvent(
            phase=Phase.END, track=track, role="customer", start=entered, end=left, values=values
        )
