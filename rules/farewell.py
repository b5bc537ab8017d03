"""礼貌送客 Polite farewell: a customer going out through the door is judged escorted when a
staff member walked with them (within escort_distance_m while they walked min_together_m)
and was near the door as they went out."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from etiquette.calibration.zones import FloorZones
from etiquette.rules.events import Event, Phase
from etiquette.rules.scene import POSITION_TIME_CONSTANT_S, SceneFrame
from etiquette.rules.visit_config import FarewellConfig
from etiquette.rules.visit_events import (
    DoorCrossingEvent,
    FarewellEvent,
    FarewellValues,
    ProcessVerdict,
)
from etiquette.vision.joints import Role


@dataclass
class _Trail:
    """One track's recent smoothed floor positions, by frame time."""

    times: deque[float] = field(default_factory=deque)
    points: deque[np.ndarray] = field(default_factory=deque)
    staff: bool = False

    def add(self, time: float, point: np.ndarray, keep_s: float) -> None:
        self.times.append(time)
        self.points.append(point.copy())
        while self.times and self.times[0] < time - keep_s:
            self.times.popleft()
            self.points.popleft()

    def at(self) -> dict[float, np.ndarray]:
        return dict(zip(self.times, self.points, strict=True))


@dataclass(frozen=True)
class _Escort:
    track: int
    together_m: float
    since: float | None  # the first moment together within the look-back
    to_door_m: float | None


class FarewellWatch:
    """Judges every non-staff door crossing outward (the DoorWatch's events of this frame)."""

    def __init__(self, config: FarewellConfig, zones: FloorZones | None = None) -> None:
        """``zones``: the staff member's distance is to the door line when there is one, else
        to where the customer crossed."""
        self.config = config
        self.door = None if zones is None else zones.door
        self.trails: dict[int, _Trail] = {}

    def update(self, frame: SceneFrame) -> list[Event]:
        keep = self.config.lookback_s
        for person in frame.people.values():
            if person.floor is None:
                continue
            trail = self.trails.setdefault(person.track, _Trail())
            trail.add(frame.time, person.floor, keep)
            trail.staff = person.role == Role.STAFF
        for track in [t for t, s in self.trails.items() if s.times[-1] < frame.time - keep]:
            del self.trails[track]
        events: list[Event] = []
        for event in frame.events:
            if (
                isinstance(event, DoorCrossingEvent)
                and event.values.direction == "out"
                and event.role != "staff"
                and event.track in self.trails
                and not self.trails[event.track].staff
            ):
                events.append(self._judge(event, frame.time))
        return events

    def finish(self, time: float) -> list[Event]:
        self.trails.clear()
        return []

    def _judge(self, crossing: DoorCrossingEvent, now: float) -> FarewellEvent:
        customer = self.trails[crossing.track]
        escorts = [
            self._escort(track, trail, customer, crossing)
            for track, trail in self.trails.items()
            if trail.staff and track != crossing.track
        ]
        good = [e for e in escorts if self._escorted(e)]
        best = max(good or escorts, key=lambda e: e.together_m, default=None)
        escorted = bool(good)
        start = crossing.start
        if escorted and best is not None and best.since is not None:
            start = min(best.since, crossing.start)
        return FarewellEvent(
            phase=Phase.END,
            track=crossing.track,
            role="customer",
            start=round(start, 3),
            end=crossing.end,
            values=FarewellValues(
                customer=crossing.track,
                escorted=escorted,
                by_track=best.track if escorted and best is not None else None,
                together_m=0.0 if best is None else round(best.together_m, 3),
                staff_to_door_m=None
                if best is None or best.to_door_m is None
                else round(best.to_door_m, 3),
            ),
            verdict=ProcessVerdict.TO_STANDARD if escorted else ProcessVerdict.OFF_STANDARD,
        )

    def _escorted(self, escort: _Escort) -> bool:
        return (
            escort.together_m >= self.config.min_together_m
            and escort.to_door_m is not None
            and escort.to_door_m <= self.config.staff_to_door_m
        )

    def _escort(
        self, track: int, staff: _Trail, customer: _Trail, crossing: DoorCrossingEvent
    ) -> _Escort:
        """How far the customer walked with this staff member beside them, and how near the
        door the staff member came from the crossing on (they reach it together, or just
        after)."""
        staff_at = staff.at()
        together, since = 0.0, None
        times, points = list(customer.times), list(customer.points)
        # Up to the crossing: the smoothed positions reach the line one lag after it.
        until = crossing.end + POSITION_TIME_CONSTANT_S
        for index in range(1, len(times)):
            if times[index] > until:
                break
            beside = staff_at.get(times[index])
            if beside is None:
                continue
            if float(np.linalg.norm(beside - points[index])) > self.config.escort_distance_m:
                continue
            together += float(np.linalg.norm(points[index] - points[index - 1]))
            since = times[index - 1] if since is None else since
        crossed = np.asarray(crossing.values.floor, dtype=np.float64)
        near = [self._to_door(p, crossed) for t, p in staff_at.items() if t >= crossing.start]
        return _Escort(track, together, since, min(near, default=None))

    def _to_door(self, point: np.ndarray, crossed: np.ndarray) -> float:
        if self.door is None:
            return float(np.linalg.norm(point - crossed))
        return self.door.distance(point)
