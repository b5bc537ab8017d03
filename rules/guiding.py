"""迎宾引导 Guiding: after greeting a customer, the staff member walks with them to the ticket
machine (or self-service or waiting area), at the customer's front left, with the guiding
gesture. One event per guided walk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etiquette.calibration.zones import FloorZones
from etiquette.rules.events import Event, GestureEvent, GreetingEvent, Phase
from etiquette.rules.scene import POSITION_TIME_CONSTANT_S, PersonOnFloor, SceneFrame
from etiquette.rules.visit_config import GuidingConfig
from etiquette.rules.visit_events import GuidingEvent, GuidingValues, ProcessVerdict
from etiquette.vision.joints import Role

# A gesture is reported when the hand comes down (gestures.max_gap_s, 0.3 s by default,
# after it ends): a hand held out up to the destination is waited for this long.
GESTURE_WAIT_S = 1.0


@dataclass
class _Walk:
    staff: int
    customer: int
    greeted: float
    start: float | None = None  # when the customer set off with the staff member
    end: float | None = None  # when the walk ended (judged GESTURE_WAIT_S later)
    last: np.ndarray | None = None  # the customer's last position while together
    walked_m: float = 0.0
    front_left: int = 0
    counted: int = 0
    apart_since: float | None = None
    destination: str | None = None
    gesture: bool = False


def front_left(staff: np.ndarray, customer: np.ndarray, heading: np.ndarray) -> bool:
    """Ahead of the customer and to their left (floor y is 90 degrees counter-clockwise from
    x, so the left of a heading is the heading turned +90 degrees)."""
    r = staff - customer
    ahead = float(np.dot(r, heading)) > 0
    left = float(heading[0] * r[1] - heading[1] * r[0]) > 0
    return ahead and left


class GuidingWatch:
    """Opens a candidate walk per greeted customer; follows it while they walk together.
    The front-left share counts the frames the customer walks (has a heading) with the staff
    member within together_m; frames apart belong to no walk."""

    def __init__(self, config: GuidingConfig, zones: FloorZones | None) -> None:
        self.config = config
        self.zones = zones
        self.walks: list[_Walk] = []

    def update(self, frame: SceneFrame) -> list[Event]:
        for event in frame.events:
            if isinstance(event, GreetingEvent):
                self._open(event, frame)
            elif isinstance(event, GestureEvent) and event.type == "guiding_gesture":
                self._gesture(event, frame.time)
        events: list[Event] = []
        for walk in list(self.walks):
            if walk.end is None:
                self._follow(walk, frame)
            if walk.end is not None and (walk.gesture or frame.time >= walk.end + GESTURE_WAIT_S):
                events += self._close(walk)
        return events

    def finish(self, time: float) -> list[Event]:
        events: list[Event] = []
        for walk in list(self.walks):
            if walk.end is None:
                walk.end = time
            events += self._close(walk)
        return events

    def _gesture(self, gesture: GestureEvent, now: float) -> None:
        """A guiding gesture from the greeting to the end of the walk counts (it is reported
        when the hand comes down, so it may come in after the walk ended)."""
        if self.config.hand not in ("either", gesture.values.hand):
            return  # the other hand than the site's standard
        for walk in self.walks:
            ended = walk.end if walk.end is not None else now
            if (
                walk.staff == gesture.track
                and walk.greeted <= gesture.end
                and gesture.start <= ended
            ):
                walk.gesture = True

    def _open(self, greeting: GreetingEvent, frame: SceneFrame) -> None:
        staff = frame.people.get(greeting.values.by_track)
        customers = list(greeting.values.customer_tracks)
        if not customers and staff is not None:
            # A greeting naming no customer (customer_tracks empty): the nearest was greeted.
            nearest = _nearest(staff, frame.customers())
            customers = [] if nearest is None else [nearest.track]
        for customer in customers:
            self.walks = [w for w in self.walks if w.customer != customer or w.start is not None]
            self.walks.append(_Walk(greeting.values.by_track, customer, frame.time))

    def _follow(self, walk: _Walk, frame: SceneFrame) -> None:
        staff, customer = frame.people.get(walk.staff), frame.people.get(walk.customer)
        if walk.start is None:
            self._maybe_start(walk, staff, customer, frame.time)
            return
        if frame.time - walk.start > self.config.max_s:
            walk.end = frame.time
            return
        if (
            customer is not None
            and customer.floor is not None
            and self._arrived(walk, customer, frame.time)
        ):
            return
        if staff is None or customer is None or staff.floor is None or customer.floor is None:
            self._apart(walk, frame.time)
            return
        if float(np.linalg.norm(staff.floor - customer.floor)) > self.config.together_m:
            self._apart(walk, frame.time)
            return
        walk.apart_since = None
        if walk.last is not None:
            walk.walked_m += float(np.linalg.norm(customer.floor - walk.last))
        walk.last = customer.floor.copy()
        if customer.heading is not None:
            walk.counted += 1
            walk.front_left += front_left(staff.floor, customer.floor, customer.heading)

    def _arrived(self, walk: _Walk, customer: PersonOnFloor, now: float) -> bool:
        """The customer reached a destination (also when the staff member stopped a little
        short of it, within apart_s): the walk ends."""
        assert customer.floor is not None and walk.start is not None
        area = None if self.zones is None else self.zones.area_at(customer.floor)
        if area is None or area not in self.config.destinations:
            return False
        # The smoothed position enters the area about one time constant after the feet.
        walk.destination = area
        walk.end = max(walk.start, now - POSITION_TIME_CONSTANT_S)
        return True

    def _maybe_start(
        self,
        walk: _Walk,
        staff: PersonOnFloor | None,
        customer: PersonOnFloor | None,
        now: float,
    ) -> None:
        if now - walk.greeted > self.config.start_within_s:
            self.walks.remove(walk)
            return
        if staff is None or customer is None or customer.heading is None:
            return
        if staff.floor is None or customer.floor is None:
            return
        if float(np.linalg.norm(staff.floor - customer.floor)) <= self.config.together_m:
            # The walking direction shows about one smoothing time constant after the feet
            # set off (rules.scene: floor positions and velocities are smoothed).
            walk.start, walk.last = now - POSITION_TIME_CONSTANT_S, customer.floor.copy()

    def _apart(self, walk: _Walk, now: float) -> None:
        walk.apart_since = now if walk.apart_since is None else walk.apart_since
        walk.last = None
        if now - walk.apart_since > self.config.apart_s:
            walk.end = walk.apart_since

    def _close(self, walk: _Walk) -> list[Event]:
        self.walks.remove(walk)
        if walk.start is None or walk.end is None or walk.walked_m < self.config.min_walk_m:
            return []
        share = None if walk.counted == 0 else walk.front_left / walk.counted
        faults = []
        if share is None or share < self.config.min_front_left_share:
            faults.append("not_front_left")
        if not walk.gesture:
            faults.append("no_gesture")
        if walk.destination is None:
            faults.append("destination_not_reached")
        return [
            GuidingEvent(
                phase=Phase.END,
                track=walk.staff,
                role="staff",
                start=round(walk.start, 3),
                end=round(walk.end, 3),
                values=GuidingValues(
                    customer=walk.customer,
                    front_left_share=None if share is None else round(share, 3),
                    gesture=walk.gesture,
                    destination=walk.destination,
                    walked_m=round(walk.walked_m, 3),
                    duration_s=round(walk.end - walk.start, 3),
                    faults=faults,
                ),
                verdict=ProcessVerdict.OFF_STANDARD if faults else ProcessVerdict.TO_STANDARD,
            )
        ]


def _nearest(staff: PersonOnFloor, people: list[PersonOnFloor]) -> PersonOnFloor | None:
    if staff.floor is None:
        return None
    placed = [p for p in people if p.floor is not None and p.role != Role.STAFF]
    return min(
        placed,
        key=lambda p: float(np.linalg.norm(p.floor - staff.floor)),  # type: ignore[operator]
        default=None,
    )
