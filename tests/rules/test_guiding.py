"""Guiding (迎宾引导) in synthetic scenes with exact truth: the staff member at the door post
bows to an arriving customer, then walks with them to the ticket machine at their front left
(or behind, or to their right), with or without the guiding gesture."""

from __future__ import annotations

import numpy as np
import pytest

from etiquette.calibration.camera_file import CameraFile, DoorLine, Zones
from etiquette.calibration.zones import FloorZones
from etiquette.rules.config import RulesConfig
from etiquette.rules.events import Event, GreetingEvent, GreetingValues, Phase
from etiquette.rules.guiding import GuidingWatch
from etiquette.rules.scene import PersonOnFloor, SceneFrame
from etiquette.rules.visit_events import GuidingEvent, GuidingValues
from etiquette.service.offline.synthetic.actors import camera_file
from etiquette.service.offline.synthetic.body import Pose
from etiquette.service.offline.synthetic.camera import SyntheticCamera
from etiquette.service.offline.synthetic.motion import (
    Stop,
    bow_profile,
    guiding_hold,
    route,
    route_velocity,
    routed_actor,
)
from etiquette.vision.joints import Role
from tests.rules.test_rules_synthetic import _run

STAFF = 1
CUSTOMER = 5
FPS = 15.0  # render()'s default
# The customer comes in 0.8 m right of the door's middle, stops 1.3 m inside, then at 9 s
# walks 2.9 m along -x at 0.8 m/s into the ticket machine area (x -2.6..-1.6).
ENTERING: list[Stop] = [(0.0, 0.8, -4.0), (5.3, 0.8, 1.3), (9.0, 0.8, 1.3), (12.6, -2.1, 1.3)]
POST = (1.7, 1.3)
BOW_AT = 4.6  # the customer crosses the door line at 4.0 s


def _lobby() -> tuple[SyntheticCamera, CameraFile]:
    """test_rules_synthetic._door_camera with a ticket machine area inside, to the left."""
    camera = SyntheticCamera(
        height_m=2.8, tilt_deg=35.0, focal_px=800.0, yaw_deg=180.0, position_xy=(0.0, 5.0)
    )
    zones = Zones(
        door=DoorLine(a=[-1.0, 0.0], b=[1.0, 0.0], inside=[0.0, 2.0]),
        posts={"door_post": [[1.2, 0.8], [2.2, 0.8], [2.2, 1.8], [1.2, 1.8]]},
        areas={"ticket_machine": [[-2.6, 0.6], [-1.6, 0.6], [-1.6, 2.0], [-2.6, 2.0]]},
    )
    return camera, camera_file(camera).model_copy(update={"zones": zones})


def _staff_route(
    offset: tuple[float, float] | None, end_offset: tuple[float, float] | None = None
) -> list[Stop]:
    """At the post until the bow is done, then (if ``offset``) to that offset from the
    customer by 8 s, and along with them, keeping it (or drifting to ``end_offset``)."""
    if offset is None:
        return [(0.0, *POST)]
    dx, dy = offset
    ex, ey = end_offset or offset
    return [
        (0.0, *POST),
        (7.0, *POST),
        (8.0, 0.8 + dx, 1.3 + dy),
        (9.0, 0.8 + dx, 1.3 + dy),
        (12.6, -2.1 + ex, 1.3 + ey),
    ]


def _scene(
    offset: tuple[float, float] | None,
    gesture: bool = True,
    end_offset: tuple[float, float] | None = None,
    left: bool = True,
    guiding: dict[str, object] | None = None,
) -> tuple[list[Event], list[Stop]]:
    """The guiding gesture made with the left hand (the deck's), or the right."""
    camera, file = _lobby()
    bow = bow_profile(15.0, BOW_AT, 0.8, 0.5, 0.8)
    hand = guiding_hold(9.5, 2.0, left=left)

    def act(t: float) -> Pose:
        held = hand(t) if gesture else Pose()
        return Pose(bow_deg=bow(t).bow_deg, hand=held.hand)

    staff_stops = _staff_route(offset, end_offset)
    staff = routed_actor(STAFF, staff_stops, 180.0, act)
    customer = routed_actor(CUSTOMER, ENTERING, 90.0)
    config = RulesConfig.model_validate(
        {"roles": {"enrolled_staff": [STAFF]}, "guiding": guiding or {}}
    )
    return _run(camera, [staff, customer], 15.0, file, config), staff_stops


def _true_share(staff_stops: list[Stop], start: float, end: float) -> float:
    """Front-left share from the exact positions and the exact walking direction."""
    staff_at, customer_at = route(staff_stops), route(ENTERING)
    hits = counted = 0
    for t in np.arange(np.ceil(start * FPS) / FPS, end + 1e-9, 1 / FPS):
        heading = np.array(route_velocity(ENTERING, float(t)))
        if not heading.any():
            continue
        r = np.subtract(staff_at(float(t)), customer_at(float(t)))
        counted += 1
        hits += bool(np.dot(r, heading) > 0 and heading[0] * r[1] - heading[1] * r[0] > 0)
    return hits / max(counted, 1)


def _guided(events: list[Event]) -> list[Event]:
    assert [e.type for e in events].count("greeting") == 1, [e.type for e in events]
    return [e for e in events if e.type == "guiding"]


Offset = tuple[float, float]
# name: (the staff member's offset from the customer at the start, at the end), gesture,
# verdict, faults. Walking along -x, the customer's front left is -x, -y.
CASES: dict[str, tuple[Offset, Offset, bool, str, list[str]]] = {
    "front left, gesture": ((-0.6, -0.6), (-0.6, -0.6), True, "to_standard", []),
    "front left, no gesture": ((-0.6, -0.6), (-0.6, -0.6), False, "off_standard", ["no_gesture"]),
    "behind": ((0.9, -0.3), (0.9, -0.3), True, "off_standard", ["not_front_left"]),
    "front right": ((-0.6, 0.6), (-0.6, 0.6), True, "off_standard", ["not_front_left"]),
    # Left all along, level with the customer 1.8 s in: front left 40% of the walk's 3 s.
    "catching up on the left": (
        (0.6, -0.6),
        (-0.6, -0.6),
        True,
        "off_standard",
        ["not_front_left"],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_guided_walks(name: str) -> None:
    offset, end_offset, gesture, verdict, faults = CASES[name]
    events, staff_stops = _scene(offset, gesture, end_offset)
    guided = _guided(events)
    assert len(guided) == 1, name
    event = guided[0]
    values = event.values
    assert isinstance(values, GuidingValues)
    truth = _true_share(staff_stops, event.start, event.end)
    share = values.front_left_share
    print(
        f"\n{name}: {event.verdict} {values.faults}, front-left share {share} "
        f"(truth {truth:.2f}), gesture {values.gesture}, {values.destination}, "
        f"walked {values.walked_m:.2f} m in {values.duration_s:.1f} s from {event.start:.2f} s"
    )
    assert share is not None and abs(share - truth) <= 0.15, name
    assert event.track == STAFF and event.role == "staff" and values.customer == CUSTOMER
    assert event.verdict == verdict and values.faults == faults, name
    assert values.gesture == gesture and values.destination == "ticket_machine"
    # The walk ends as the customer enters the area (x = -1.6): 2.4 m from the start.
    print(f"  start error {event.start - 9.0:+.2f} s, end error {event.end - 12.0:+.2f} s")
    assert abs(event.start - 9.0) <= 0.3 and abs(event.end - 12.0) <= 0.3
    assert abs(values.walked_m - 2.4) <= 0.3


def test_a_customer_walking_alone_after_the_greeting_is_not_guided() -> None:
    events, _ = _scene(None, gesture=False)
    assert _guided(events) == []


def test_guided_short_of_the_destination() -> None:
    """Staff and customer stop together 0.6 m short of the ticket machine: guided, at the
    front left, destination not reached (the walk closed by guiding.max_s)."""
    camera, file = _lobby()
    stops = [*_staff_route((-0.6, -0.6))[:4], (11.25, -1.6, 0.7)]
    bow = bow_profile(15.0, BOW_AT, 0.8, 0.5, 0.8)
    hand = guiding_hold(9.5, 1.2, left=True)

    def act(t: float) -> Pose:
        return Pose(bow_deg=bow(t).bow_deg, hand=hand(t).hand)

    short: list[Stop] = [*ENTERING[:3], (11.25, -1.0, 1.3)]
    actors = [routed_actor(STAFF, stops, 180.0, act), routed_actor(CUSTOMER, short, 90.0)]
    config = RulesConfig.model_validate(
        {"roles": {"enrolled_staff": [STAFF]}, "guiding": {"max_s": 5.0}}
    )
    guided = _guided(_run(camera, actors, 15.0, file, config))
    assert len(guided) == 1
    values = guided[0].values
    assert isinstance(values, GuidingValues)
    print(f"\nstopped short: {guided[0].verdict} {values.faults}, walked {values.walked_m} m")
    assert values.faults == ["destination_not_reached"] and values.destination is None
    assert abs(values.walked_m - 1.8) <= 0.3 and values.duration_s == pytest.approx(5.0, abs=0.1)


def _person(track: int, role: Role, floor: tuple[float, float], heading: bool) -> PersonOnFloor:
    direction = np.array([-1.0, 0.0]) if heading else None
    return PersonOnFloor(
        track=track,
        role=role,
        post=None,
        floor=np.array(floor),
        velocity=np.zeros(2) if direction is None else 0.8 * direction,
        heading=direction,
        stance="standing",
        posture_ok=None,
        keypoints=np.zeros((33, 3)),
        world=np.zeros((33, 3)),
        up=None,
        hands=np.zeros((2, 21, 3)),
        hand_scores=np.zeros(2),
    )


def test_a_greeting_without_its_customers_guides_the_nearest_one() -> None:
    """A greeting naming no customer (customer_tracks empty): the nearest non-staff person
    is the one greeted; the farther one walking off with nobody is not guided."""
    _, file = _lobby()
    watch = GuidingWatch(RulesConfig().guiding, FloorZones(file.zones))
    greeting = GreetingEvent(
        phase=Phase.END,
        track=STAFF,
        role="staff",
        start=0.0,
        end=1.0,
        values=GreetingValues(latency_s=0.5, by_track=STAFF),
    )
    events: list[Event] = []
    for step in range(60):
        t = 1.0 + step / FPS
        walked = 0.8 * max(0.0, t - 1.5)
        people = {
            STAFF: _person(STAFF, Role.STAFF, (0.2 - walked, 0.7), False),
            CUSTOMER: _person(CUSTOMER, Role.CUSTOMER, (0.8 - walked, 1.3), t > 1.5),
            7: _person(7, Role.CUSTOMER, (1.0 - walked, 3.3), t > 1.5),
        }
        seen = (greeting,) if step == 0 else ()
        events += watch.update(SceneFrame(t, people, seen))
    events += watch.finish(5.0)
    guided = [e for e in events if isinstance(e, GuidingEvent)]
    assert [(e.track, e.values.customer) for e in guided] == [(STAFF, CUSTOMER)]
    assert guided[0].values.front_left_share == 1.0


@pytest.mark.parametrize(
    ("left", "hand", "faults"),
    [
        (True, "left", []),
        (False, "left", ["no_gesture"]),  # the deck: 左手指引
        (False, "either", []),
        (False, "right", []),
        (True, "right", ["no_gesture"]),
    ],
)
def test_the_guiding_hand_setting(left: bool, hand: str, faults: list[str]) -> None:
    events, _ = _scene((-0.6, -0.6), left=left, guiding={"hand": hand})
    [guided] = _guided(events)
    assert isinstance(guided.values, GuidingValues)
    assert guided.values.faults == faults and guided.values.gesture is (not faults)
