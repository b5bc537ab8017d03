"""Door crossings and the polite farewell (礼貌送客) in synthetic scenes with exact truth: people
walking a known floor path, through a known camera, Placement and the whole RulesEngine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from etiquette.calibration.camera_file import CameraFile, DoorLine, Zones
from etiquette.rules.config import RulesConfig
from etiquette.rules.events import Event
from etiquette.rules.visit_events import DoorCrossingValues, FarewellValues
from etiquette.service.offline.synthetic.actors import Actor, Noise, camera_file
from etiquette.service.offline.synthetic.body import Pose
from etiquette.service.offline.synthetic.camera import SyntheticCamera
from etiquette.service.offline.synthetic.motion import Stop, routed_actor, walking
from tests.rules.run_scene import run_scene
from tests.rules.test_rules_synthetic import _door_camera

STAFF = 1
CUSTOMER = 5
# The feet (heels, 4 cm behind the body centre) cross the line when the centre is 4 cm past.
HEEL_BEHIND_M = 0.04


def _run(
    camera: SyntheticCamera,
    actors: list[Actor],
    seconds: float,
    file: CameraFile,
    config: RulesConfig | None = None,
    seed: int = 0,
    noise: Noise | None = None,
) -> list[Event]:
    return run_scene(camera, actors, seconds, file, config, seed, noise=noise)


def _crossings(events: list[Event]) -> list[tuple[str, float, tuple[float, float]]]:
    out: list[tuple[str, float, tuple[float, float]]] = []
    for event in events:
        if event.type == "door_crossing":
            assert isinstance(event.values, DoorCrossingValues) and event.start == event.end
            out.append((event.values.direction, event.start, event.values.floor))
    return out


@pytest.mark.parametrize("speed", [0.8, 1.2, 1.6])
@pytest.mark.parametrize("direction", ["in", "out"])
def test_walking_through_the_door_is_one_crossing_timed_at_the_line(
    speed: float, direction: str
) -> None:
    camera, file = _door_camera()
    start_y, heading = (-2.0, 90.0) if direction == "in" else (2.5, -90.0)
    pose_at, position_at = walking(speed, (0.3, start_y), heading)
    walker = Actor(CUSTOMER, pose_at, position_at, facing_deg=heading)
    crossings = _crossings(_run(camera, [walker], 5.0, file, seed=int(speed * 10)))
    truth = (abs(start_y) + HEEL_BEHIND_M) / speed
    print(f"\n{direction} at {speed} m/s: {crossings}, truth {truth:.2f} s")
    assert [c[0] for c in crossings] == [direction]
    _, time, floor = crossings[0]
    print(f"  timing error {time - truth:+.3f} s, floor x {floor[0]:.2f} (truth 0.30)")
    assert abs(time - truth) <= 0.2
    assert abs(floor[0] - 0.3) <= 0.15 and abs(floor[1]) <= 0.15


def _swaying(amplitude_m: float) -> Actor:
    """Standing on the door line, swaying across it at 0.4 Hz."""

    def position_at(t: float) -> tuple[float, float]:
        return 0.2, -HEEL_BEHIND_M + amplitude_m * math.sin(2 * math.pi * 0.4 * t)

    return Actor(CUSTOMER, lambda t: Pose(), position_at, facing_deg=90.0)


WALK_BYS: dict[str, tuple[list[Stop], float]] = {
    "parallel outside, 1 m out": ([(0.0, -4.0, -1.0), (6.0, 4.0, -1.0)], 0.0),
    "parallel inside, 0.5 m in": ([(0.0, 4.0, 0.5), (6.0, -4.0, 0.5)], 180.0),
    "across the line past the door's end": ([(0.0, 2.5, -2.0), (4.0, 2.5, 2.0)], 90.0),
}


@pytest.mark.parametrize("name", WALK_BYS)
def test_walking_past_the_door_is_no_crossing(name: str) -> None:
    camera, file = _door_camera()
    stops, facing = WALK_BYS[name]
    events = _run(camera, [routed_actor(CUSTOMER, stops, facing)], 6.5, file, seed=3)
    assert _crossings(events) == [], name


def test_standing_on_the_line_with_floor_jitter_is_no_crossing() -> None:
    """Swaying 15 cm either side (under the 20 cm margin) with noisy feet: nothing; the same
    person swaying 60 cm either side crosses back and forth (the check can fail)."""
    camera, file = _door_camera()
    still = _run(camera, [_swaying(0.15)], 12.0, file, seed=4)
    assert _crossings(still) == []
    noisy = _run(camera, [_swaying(0.0)], 12.0, file, seed=5, noise=Noise(pixel_sd=4.0))
    assert _crossings(noisy) == []
    wide = _crossings(_run(camera, [_swaying(0.6)], 12.0, file, seed=6))
    print(f"\nswaying 0.6 m across the line for 12 s (4.8 sways): {[c[0] for c in wide]}")
    directions = [c[0] for c in wide]
    assert len(directions) >= 6
    assert all(directions[i] != directions[i - 1] for i in range(1, len(directions)))


# -- the farewell: a camera farther back, to see a walk of several metres to the door --------


def _lobby() -> tuple[SyntheticCamera, CameraFile]:
    """A camera 9 m inside, 3.2 m up, looking at the door (door line y = 0 from x = -1.2 to
    1.2, inside y > 0); feet are in the picture from 2 m in front of it (y < 6.9)."""
    camera = SyntheticCamera(
        height_m=3.2, tilt_deg=30.0, focal_px=700.0, yaw_deg=180.0, position_xy=(0.0, 9.0)
    )
    zones = Zones(door=DoorLine(a=[-1.2, 0.0], b=[1.2, 0.0], inside=[0.0, 2.0]))
    return camera, camera_file(camera).model_copy(update={"zones": zones})


# The leaving customer: from 6.5 m inside straight out through the door at 1 m/s.
LEAVING: list[Stop] = [(0.0, 0.3, 6.5), (8.5, 0.3, -2.0)]
CROSSING_S = 6.5 + HEEL_BEHIND_M
STAFF_PATHS: dict[str, tuple[list[Stop], bool]] = {
    "beside on the left, to the door": ([(0.0, 1.1, 6.5), (6.2, 1.1, 0.3)], True),
    "beside on the right, to the door": ([(0.0, -0.5, 6.5), (6.2, -0.5, 0.3)], True),
    "beside, through the door with them": ([(0.0, 1.1, 6.5), (8.5, 1.1, -2.0)], True),
    "joins 3.5 m from the door": ([(0.0, 2.3, 4.5), (1.5, 2.3, 4.5), (6.3, 1.0, 0.2)], True),
    "3 m behind": ([(0.0, 0.8, 6.8), (3.0, 0.3, 6.5), (9.2, 0.3, 0.3)], False),
    "beside, stops 4 m before the door": ([(0.0, 1.1, 6.5), (2.5, 1.1, 4.0)], False),
    "standing at a post 2.7 m away": ([(0.0, 3.0, 3.0)], False),
    "walking in past them": ([(0.0, 1.1, -1.0), (7.5, 1.1, 6.5)], False),
}


def _farewell(staff: list[Stop] | None, seed: int = 0) -> tuple[list[Event], list[Event]]:
    camera, file = _lobby()
    actors = [routed_actor(CUSTOMER, LEAVING, -90.0)]
    if staff is not None:
        actors.append(routed_actor(STAFF, staff, -90.0))
    config = RulesConfig.model_validate({"roles": {"enrolled_staff": [STAFF]}})
    events = _run(camera, actors, 10.0, file, config, seed=seed)
    farewells: list[Event] = [e for e in events if e.type == "farewell"]
    return farewells, events


def test_farewell_precision_and_recall() -> None:
    rows = []
    for seed, (name, (path, truth)) in enumerate(STAFF_PATHS.items()):
        farewells, events = _farewell(path, seed)
        crossings = _crossings(events)
        assert [c[0] for c in crossings if c[0] == "out"], name
        assert len(farewells) == 1, (name, farewells)
        values = farewells[0].values
        assert isinstance(values, FarewellValues)
        rows.append((name, truth, values, farewells[0]))
    print(f"\n{'staff':36} {'truth':>5} {'said':>5} {'with m':>6} {'door m':>6} {'end err':>7}")
    for name, truth, values, event in rows:
        door = "-" if values.staff_to_door_m is None else f"{values.staff_to_door_m:.2f}"
        print(
            f"{name:36} {truth!s:>5} {values.escorted!s:>5} {values.together_m:6.2f} "
            f"{door:>6} {event.end - CROSSING_S:+7.2f}"
        )
    tp = sum(1 for _, truth, v, _ in rows if truth and v.escorted)
    fp = sum(1 for _, truth, v, _ in rows if not truth and v.escorted)
    fn = sum(1 for _, truth, v, _ in rows if truth and not v.escorted)
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    print(f"escorted: precision {precision:.2f}, recall {recall:.2f} (TP {tp} FP {fp} FN {fn})")
    assert precision == 1.0 and recall == 1.0
    for name, truth, values, event in rows:
        assert event.track == CUSTOMER and event.role == "customer", name
        assert abs(event.end - CROSSING_S) <= 0.2, name
        assert event.verdict == ("to_standard" if truth else "off_standard"), name
        assert (values.by_track == STAFF) == truth, name
        if truth:
            assert values.together_m >= 2.0 and event.start < event.end - 2.0, name


def test_a_customer_leaving_alone_is_not_escorted() -> None:
    farewells, _ = _farewell(None)
    assert len(farewells) == 1
    values = farewells[0].values
    assert isinstance(values, FarewellValues)
    assert not values.escorted and values.by_track is None and values.together_m == 0.0
    assert farewells[0].verdict == "off_standard"
    assert farewells[0].start == farewells[0].end  # no escort: the crossing itself


def test_staff_going_out_is_no_farewell() -> None:
    camera, file = _lobby()
    staff = routed_actor(STAFF, LEAVING, -90.0)
    config = RulesConfig.model_validate({"roles": {"enrolled_staff": [STAFF]}})
    events = _run(camera, [staff], 10.0, file, config)
    assert [c[0] for c in _crossings(events)] == ["out"]
    assert next(e for e in events if e.type == "door_crossing").role == "staff"
    assert [e for e in events if e.type == "farewell"] == []


def test_a_threshold_in_config_changes_the_farewell() -> None:
    """The staff member stopping 4 m before the door escorts if the door may be 4.5 m away."""
    camera, file = _lobby()
    path = STAFF_PATHS["beside, stops 4 m before the door"][0]
    actors = [routed_actor(CUSTOMER, LEAVING, -90.0), routed_actor(STAFF, path, -90.0)]
    config = RulesConfig.model_validate(
        {"roles": {"enrolled_staff": [STAFF]}, "farewell": {"staff_to_door_m": 4.5}}
    )
    farewells = [e for e in _run(camera, actors, 10.0, file, config) if e.type == "farewell"]
    assert [f.verdict for f in farewells] == ["to_standard"]
    assert np.isclose(farewells[0].values.staff_to_door_m or 0.0, 4.0, atol=0.3)  # type: ignore[union-attr]


def test_no_door_line_no_crossings() -> None:
    camera, file = _door_camera()
    pose_at, position_at = walking(1.2, (0.3, -2.0), 90.0)
    walker = Actor(CUSTOMER, pose_at, position_at, facing_deg=90.0)
    with_door = _crossings(_run(camera, [walker], 5.0, file))
    without = _run(camera, [walker], 5.0, file.model_copy(update={"zones": Zones()}))
    assert [c[0] for c in with_door] == ["in"] and _crossings(without) == []
