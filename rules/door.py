"""Door crossings: a person's feet going from one side of the door line to the other, through
the door (not past its end), timed at the moment they crossed the line."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from etiquette.calibration.zones import Door, FloorZones
from etiquette.rules.events import Event, Phase
from etiquette.rules.roles import ROLE_NAMES
from etiquette.rules.scene import POSITION_TIME_CONSTANT_S, PersonOnFloor, SceneFrame
from etiquette.rules.visit_config import DoorConfig
from etiquette.rules.visit_events import DoorCrossingEvent, DoorCrossingValues

# Positions kept while someone is within the margin of the line: a minute at 30 fps bounds the
# memory of a person standing on the line; the crossing is found among the latest of them.
MAX_SAMPLES = 1800
# A track not seen this long is dropped (as the engine forgets tracks after 5 s).
FORGET_S = 5.0


@dataclass
class _Track:
    side: int = 0  # +1 inside, -1 outside, 0 not yet clear of the line
    # (time, signed distance, floor point) since the track was last clear on `side`.
    samples: deque[tuple[float, float, np.ndarray]] = field(
        default_factory=lambda: deque(maxlen=MAX_SAMPLES)
    )
    last_time: float = 0.0


def signed_distance(door: Door, point: np.ndarray) -> float:
    """Metres from the door's (infinite) line, positive inside the branch."""
    return float(np.dot(point - door.a, door.inward_normal()))


def along_door(door: Door, point: np.ndarray) -> float:
    """Metres along the door from its end ``a`` toward ``b``."""
    direction = door.b - door.a
    return float(np.dot(point - door.a, direction) / np.linalg.norm(direction))


class DoorWatch:
    """Reports a DoorCrossingEvent when a track, having been ``margin_m`` clear of the line
    on one side, is ``margin_m`` clear on the other, and crossed within the door's width
    (plus the margin)."""

    def __init__(self, config: DoorConfig, zones: FloorZones | None) -> None:
        self.config = config
        self.door = None if zones is None else zones.door
        self.tracks: dict[int, _Track] = {}

    def update(self, frame: SceneFrame) -> list[Event]:
        if self.door is None:
            return []
        events: list[Event] = []
        for person in frame.people.values():
            if person.floor is None:
                continue
            track = self.tracks.setdefault(person.track, _Track())
            track.last_time = frame.time
            event = self._step(track, person, frame.time, self.door)
            if event is not None:
                events.append(event)
        for gone in [t for t, s in self.tracks.items() if frame.time - s.last_time > FORGET_S]:
            del self.tracks[gone]
        return events

    def finish(self, time: float) -> list[Event]:
        self.tracks.clear()
        return []

    def _step(
        self, track: _Track, person: PersonOnFloor, now: float, door: Door
    ) -> DoorCrossingEvent | None:
        assert person.floor is not None
        distance = signed_distance(door, person.floor)
        track.samples.append((now, distance, person.floor.copy()))
        if abs(distance) < self.config.margin_m:
            return None  # on the line: undecided
        side = 1 if distance > 0 else -1
        previous, track.side = track.side, side
        samples = list(track.samples)
        track.samples.clear()
        track.samples.append(samples[-1])
        if previous in (0, side):
            return None
        crossed = _crossing(samples)
        if crossed is None:
            return None
        time, point, step = crossed
        extent = float(np.linalg.norm(door.b - door.a))
        along = along_door(door, point)
        if not -self.config.margin_m <= along <= extent + self.config.margin_m:
            return None  # past the door's end: walking round it, not through it
        time -= smoothing_lag_s(step)
        return DoorCrossingEvent(
            phase=Phase.END,
            track=person.track,
            role=ROLE_NAMES.get(person.role),  # type: ignore[arg-type]
            start=round(time, 3),
            end=round(time, 3),
            values=DoorCrossingValues(
                direction="in" if side > 0 else "out",
                floor=(round(float(point[0]), 3), round(float(point[1]), 3)),
            ),
        )


def smoothing_lag_s(step_s: float) -> float:
    """How far the smoothed floor position (rules.scene.FloorMotion, updated every
    ``step_s``) trails a steady walk: the time constant less about half a step."""
    if step_s <= 0:
        return POSITION_TIME_CONSTANT_S
    decay = math.exp(-step_s / POSITION_TIME_CONSTANT_S)
    return step_s * decay / (1.0 - decay)


def _crossing(
    samples: list[tuple[float, float, np.ndarray]],
) -> tuple[float, np.ndarray, float] | None:
    """When and where the last change of side happened, interpolated between two samples,
    and the time between those samples."""
    for index in range(len(samples) - 1, 0, -1):
        t0, d0, p0 = samples[index - 1]
        t1, d1, p1 = samples[index]
        if (d0 > 0) != (d1 > 0) or d0 == 0:
            share = d0 / (d0 - d1) if d0 != d1 else 0.0
            return t0 + share * (t1 - t0), p0 + share * (p1 - p0), t1 - t0
    return None
