"""The teller's five steps (临柜五部曲) per customer served: a lobby camera sees the customer
stand at a counter (CounterVisitWatch), the counter's own camera sees the teller's acts
(rules/counter_acts.py), and TellerJudge puts the two together.

Convention: a counter camera's post (its camera file's faces_post) is named as the counter
zone the lobby camera draws in front of it (zones.counters): counter "counter_1" is served
by the teller at post "counter_1".
"""

from __future__ import annotations

from dataclasses import dataclass

from etiquette.calibration.zones import FloorZones
from etiquette.rules.event_base import PersonRole
from etiquette.rules.events import Event, Phase
from etiquette.rules.scene import SceneFrame
from etiquette.rules.visit_config import TellerConfig
from etiquette.rules.visit_events import (
    AttentionEvent,
    CounterVisitEvent,
    CounterVisitValues,
    HandoverEvent,
    ProcessVerdict,
    StoodUpEvent,
    TellerServiceEvent,
    TellerServiceValues,
)
from etiquette.vision.joints import Role

# A customer being served stands at the counter for a minute or more; walking past or
# along it keeps the feet in its zone for a second or two.
VISIT_MIN_S = 3.0
# Out of the zone this long ends the visit: floor positions jitter 5-15 cm at its edge, and
# a step back to fetch a form is the same visit.
LEAVE_S = 2.0
# The counter camera's events reach the judge from another process, up to this late.
LATE_S = 5.0
# The longest counter visit whose acts are kept until the visit is reported (a long
# business at the counter: opening an account, a loan).
MAX_VISIT_S = 3600.0

CounterAct = StoodUpEvent | HandoverEvent | AttentionEvent


@dataclass
class AtCounter:
    counter: str
    entered: float
    last_in: float


class CounterVisitWatch:
    """Scene rule for a lobby camera with counter zones: a customer standing at a counter."""

    def __init__(self, zones: FloorZones) -> None:
        self.zones = zones
        self.visits: dict[int, AtCounter] = {}
        self.roles: dict[int, PersonRole | None] = {}

    def update(self, frame: SceneFrame) -> list[Event]:
        events: list[Event] = []
        for person in frame.people.values():
            if person.role == Role.STAFF or person.floor is None:
                continue
            self.roles[person.track] = "customer" if person.role == Role.CUSTOMER else None
            counter = self.zones.counter_at(person.floor)
            visit = self.visits.get(person.track)
            if counter is not None and visit is not None and visit.counter == counter:
                visit.last_in = frame.time
            elif counter is not None:
                events += self._close(person.track)
                self.visits[person.track] = AtCounter(counter, frame.time, frame.time)
        for track, visit in list(self.visits.items()):
            if frame.time - visit.last_in > LEAVE_S:
                events += self._close(track)
        return events

    def finish(self, time: float) -> list[Event]:
        return [event for track in list(self.visits) for event in self._close(track)]

    def _close(self, track: int) -> list[Event]:
        visit = self.visits.pop(track, None)
        if visit is None or visit.last_in - visit.entered < VISIT_MIN_S:
            return []
        values = CounterVisitValues(
            counter=visit.counter, duration_s=round(visit.last_in - visit.entered, 3)
        )
        return [
            CounterVisitEvent(
                phase=Phase.END,
                track=track,
                role=self.roles.get(track),
                start=visit.entered,
                end=visit.last_in,
                values=values,
            )
        ]


def overlap_s(event: Event, start: float, end: float) -> float:
    return max(0.0, min(event.end, end) - max(event.start, start))


class TellerJudge:
    """Judges each counter visit on the teller's acts at the same-named post. Pure and
    event-driven: fed the lobby camera's CounterVisitEvents and the counter cameras' acts,
    in any order within LATE_S; a visit is judged once its windows have passed.

    stood_up: True when the teller stood up within stand_within_s of the customer's arrival
    (latency from the arrival); False (fault stayed_seated) when not, and the counter camera
    saw the teller sitting during the visit (a handover or a look made seated); None when
    neither: sitting down is not an event, so a teller who was already standing and one
    whose stance the camera could not read look the same, and neither is faulted.
    ``posts``: the counters that have a counter camera (None: every counter); visits at
    other counters are not judged (nothing could be seen of their tellers)."""

    def __init__(self, config: TellerConfig, posts: set[str] | None = None) -> None:
        self.config = config
        self.posts = posts
        self.visits: list[CounterVisitEvent] = []
        self.acts: dict[str, list[CounterAct]] = {}
        self.now = float("-inf")

    def add(self, event: Event) -> list[TellerServiceEvent]:
        if isinstance(event, CounterVisitEvent):
            if self.posts is None or event.values.counter in self.posts:
                self.visits.append(event)
        elif isinstance(event, StoodUpEvent | HandoverEvent | AttentionEvent):
            if event.values.post is not None:
                self.acts.setdefault(event.values.post, []).append(event)
        else:
            return []
        self.now = max(self.now, event.end)
        return self.flush(self.now)

    def flush(self, now: float) -> list[TellerServiceEvent]:
        """Judge the visits whose windows (and the lateness allowed) have passed by ``now``."""
        due = [v for v in self.visits if self._deadline(v) <= now]
        self.visits = [v for v in self.visits if self._deadline(v) > now]
        judged = [self._judge(v) for v in sorted(due, key=lambda v: v.start)]
        self._forget(now)
        return judged

    def finish(self) -> list[TellerServiceEvent]:
        return self.flush(float("inf"))

    def _deadline(self, visit: CounterVisitEvent) -> float:
        config = self.config
        windows = max(visit.start + config.stand_within_s, visit.end + config.watch_window_s)
        return windows + LATE_S

    def _forget(self, now: float) -> None:
        """Acts no pending or future visit can use. A visit is reported when the customer
        leaves, so acts are kept for as long as a visit may last."""
        horizon = min([v.start for v in self.visits] + [now - LATE_S - MAX_VISIT_S])
        keep_after = horizon - self.config.stand_within_s - LATE_S
        for post, acts in self.acts.items():
            self.acts[post] = [a for a in acts if a.end >= keep_after]

    def _judge(self, visit: CounterVisitEvent) -> TellerServiceEvent:
        config, acts = self.config, self.acts.get(visit.values.counter, [])
        start, end = visit.start, visit.end
        faults: list[str] = []
        stood = [
            a
            for a in acts
            if isinstance(a, StoodUpEvent) and abs(a.end - start) <= config.stand_within_s
        ]
        stood_up: bool | None = None
        latency: float | None = None
        if stood:
            first = min(stood, key=lambda a: abs(a.end - start))
            stood_up, latency = True, round(first.end - start, 3)
        elif any(
            isinstance(a, HandoverEvent | AttentionEvent)
            and a.values.sitting
            and overlap_s(a, start, end) > 0
            for a in acts
        ):
            stood_up = False
            faults.append("stayed_seated")
        handovers = [
            a for a in acts if isinstance(a, HandoverEvent) and overlap_s(a, start, end) > 0
        ]
        both = sum(1 for a in handovers if a.values.both_hands)
        if both < len(handovers):
            faults.append("one_handed")
        window = (end - config.watch_window_s, end + config.watch_window_s)
        watched_s = sum(overlap_s(a, *window) for a in acts if isinstance(a, AttentionEvent))
        watched = watched_s >= config.watch_min_s
        if not watched:
            faults.append("did_not_watch_leaving")
        values = TellerServiceValues(
            counter=visit.values.counter,
            customer=visit.track,
            stood_up=stood_up,
            stand_latency_s=latency,
            handovers=len(handovers),
            both_hands=both,
            watched_leaving=watched,
            faults=faults,
        )
        verdict = ProcessVerdict.OFF_STANDARD if faults else ProcessVerdict.TO_STANDARD
        return TellerServiceEvent(
            phase=Phase.END,
            track=visit.track,
            role=visit.role,
            start=start,
            end=end,
            values=values,
            verdict=verdict,
        )
