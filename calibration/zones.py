"""Where a floor point is: near the door, inside the branch, in a post, counter or queue."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from etiquette.calibration.camera_file import Zones
from etiquette.calibration.geometry import distance_to_segment, point_in_polygon, side_of_line

CAP_STEPS = 8  # segments per quarter circle when the arrival zone is drawn


@dataclass(frozen=True)
class Door:
    a: np.ndarray
    b: np.ndarray
    inside_sign: float  # sign of side_of_line for points inside the branch

    def distance(self, point: np.ndarray) -> float:
        return distance_to_segment(point, self.a, self.b)

    def is_inside(self, point: np.ndarray) -> bool:
        return side_of_line(point, self.a, self.b) * self.inside_sign > 0

    def inward_normal(self) -> np.ndarray:
        direction = (self.b - self.a) / np.linalg.norm(self.b - self.a)
        left = np.array([-direction[1], direction[0]])
        return np.asarray(left * self.inside_sign)


class FloorZones:
    """The zones of one camera as arrays, with the checks the rules need."""

    def __init__(self, zones: Zones) -> None:
        self.arrival_distance_m = zones.arrival_distance_m
        self.door: Door | None = None
        if zones.door is not None:
            # DoorLine's validator has checked the ends apart and the inside point off the line.
            a, b = np.asarray(zones.door.a, float), np.asarray(zones.door.b, float)
            side = side_of_line(np.asarray(zones.door.inside, float), a, b)
            self.door = Door(a, b, math.copysign(1.0, side))
        self.posts = {k: np.asarray(v, float) for k, v in zones.posts.items()}
        self.counters = {k: np.asarray(v, float) for k, v in zones.counters.items()}
        self.queue = None if zones.queue is None else np.asarray(zones.queue, float)
        self.areas = {k: np.asarray(v, float) for k, v in zones.areas.items()}

    def beyond_arrival_zone(self, point: np.ndarray) -> bool:
        """Inside the branch, farther from the door line than the arrival zone reaches."""
        if self.door is None:
            return False
        return self.door.is_inside(point) and self.door.distance(point) > self.arrival_distance_m

    def in_arrival_zone(self, point: np.ndarray) -> bool:
        """Inside the branch and within arrival_distance_m of the door line."""
        if self.door is None:
            return False
        return self.door.is_inside(point) and self.door.distance(point) <= self.arrival_distance_m

    def post_at(self, point: np.ndarray) -> str | None:
        return next((n for n, p in self.posts.items() if point_in_polygon(point, p)), None)

    def counter_at(self, point: np.ndarray) -> str | None:
        return next((n for n, p in self.counters.items() if point_in_polygon(point, p)), None)

    def area_at(self, point: np.ndarray) -> str | None:
        """The named area (ticket_machine, self_service, waiting, ...) the point is in."""
        return next((n for n, p in self.areas.items() if point_in_polygon(point, p)), None)

    def in_queue(self, point: np.ndarray) -> bool:
        return self.queue is not None and point_in_polygon(point, self.queue)

    def arrival_polygon(self) -> np.ndarray:
        """The arrival zone's outline (floor metres): the band inside the door line with
        rounded ends."""
        if self.door is None:
            return np.zeros((0, 2))
        door, radius = self.door, self.arrival_distance_m
        normal = door.inward_normal()
        along = (door.b - door.a) / np.linalg.norm(door.b - door.a)
        outline = [door.a, door.b]
        base = math.atan2(along[1], along[0])
        turn = float(along[0] * normal[1] - along[1] * normal[0])
        sweep = math.copysign(math.pi / 2, turn)
        for step in range(CAP_STEPS + 1):
            angle = base + sweep * step / CAP_STEPS
            outline.append(door.b + radius * np.array([math.cos(angle), math.sin(angle)]))
        for step in range(CAP_STEPS + 1):
            angle = base + sweep + sweep * step / CAP_STEPS
            outline.append(door.a + radius * np.array([math.cos(angle), math.sin(angle)]))
        return np.array(outline)
