"""Everyone on the floor at one instant, for the rules that judge people together (a queue,
an escort, a guided walk, the opening line-up): where each person stands and walks, their
role and post, whether they sit or stand, and the events the per-person rules reported in
the same frame."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from etiquette.calibration.zones import FloorZones
from etiquette.rules.events import Event
from etiquette.vision.joints import Role

# Floor positions jitter by 5-15 cm a frame (feet found in the picture): smooth over ~0.5 s.
POSITION_TIME_CONSTANT_S = 0.5
# Below this speed a walking direction means nothing (standing, swaying).
MIN_WALKING_SPEED_MPS = 0.25
# A track not placed on the floor for this long has no current floor position.
FLOOR_STALE_S = 1.0


@dataclass(frozen=True)
class SceneContext:
    """What calibration and the site say about the camera: gravity (camera axes), the floor
    zones, the post a counter camera faces, and when the branch next opens."""

    gravity: np.ndarray | None = None
    zones: FloorZones | None = None
    faces_post: str | None = None  # the camera sees only the staff member at this post
    # The first scheduled opening at or after a capture time (None: no schedule, or closed).
    next_opening: Callable[[float], float | None] | None = None


class Stance:
    """Standing or sitting, as the stance rule reads a person (strings, stored as they are)."""

    STANDING = "standing"
    SITTING = "sitting"
    UNKNOWN = "unknown"


@dataclass
class FloorMotion:
    """One track's smoothed floor position and velocity (metres, metres per second)."""

    position: np.ndarray | None = None
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    last_time: float | None = None

    def update(self, floor: np.ndarray | None, now: float) -> None:
        if floor is None or not bool(np.isfinite(floor).all()):
            if self.last_time is not None and now - self.last_time > FLOOR_STALE_S:
                self.position, self.velocity = None, np.zeros(2)
            return
        point = np.asarray(floor, dtype=np.float64)
        if self.position is None or self.last_time is None:
            self.position, self.last_time = point, now
            return
        dt = now - self.last_time
        if dt <= 0:
            return
        weight = 1.0 - math.exp(-dt / POSITION_TIME_CONSTANT_S)
        previous = self.position
        self.position = previous + weight * (point - previous)
        self.velocity = self.velocity + weight * ((self.position - previous) / dt - self.velocity)
        self.last_time = now

    @property
    def speed(self) -> float:
        return float(np.linalg.norm(self.velocity))

    @property
    def heading(self) -> np.ndarray | None:
        """Unit walking direction on the floor, None when (nearly) standing still."""
        speed = self.speed
        return None if speed < MIN_WALKING_SPEED_MPS else np.asarray(self.velocity / speed)


@dataclass(frozen=True)
class PersonOnFloor:
    """One person at one instant."""

    track: int
    role: Role
    post: str | None  # the staff post they stand in now (None: none)
    floor: np.ndarray | None  # smoothed floor position, metres (None: not on the floor)
    velocity: np.ndarray  # metres per second on the floor (zeros when unknown)
    heading: np.ndarray | None  # unit walking direction (None: standing still or unknown)
    stance: str  # Stance.STANDING / SITTING / UNKNOWN
    posture_ok: bool | None  # in the standard standing posture now (None: not judged)
    keypoints: np.ndarray  # (33, 3) pixels and visibility (joints outside the picture unseen)
    world: np.ndarray  # (33, 3) metres, hip-centred, camera axes (see rules.body)
    up: np.ndarray | None  # the person's upright in camera axes (None: not known yet)
    hands: np.ndarray  # (2, 21, 3) by HandSide, pixels and relative depth
    hand_scores: np.ndarray  # (2,) 0 where no hand was found


@dataclass(frozen=True)
class SceneFrame:
    """Everyone the camera sees at ``time``, and what the per-person rules just reported."""

    time: float
    people: dict[int, PersonOnFloor]
    events: tuple[Event, ...] = ()
    width: int = 0  # the picture's size, pixels
    height: int = 0

    def staff(self) -> list[PersonOnFloor]:
        return [p for p in self.people.values() if p.role == Role.STAFF]

    def customers(self) -> list[PersonOnFloor]:
        """Everyone not known to be staff (a person not yet placed is treated as a customer)."""
        return [p for p in self.people.values() if p.role != Role.STAFF]


class SceneRule(Protocol):
    """A rule over everyone at once: fed every frame, reports events."""

    def update(self, frame: SceneFrame) -> list[Event]: ...

    def finish(self, time: float) -> list[Event]:
        """Close whatever is still open at the end of a recording."""
        ...


def floor_distance(a: PersonOnFloor, b: PersonOnFloor) -> float | None:
    if a.floor is None or b.floor is None:
        return None
    return float(np.linalg.norm(a.floor - b.floor))
