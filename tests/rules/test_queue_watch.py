"""The queue and its second diversion (客户分流) on synthetic scenes with exact truth: people
standing in a queue zone, a staff member coming to them, customers leaving for a counter or
the self-service area, through a known camera, placement and the whole rules engine. There is
no real footage of a queue in ../shared/data."""

from __future__ import annotations

import pytest

from etiquette.calibration.camera_file import CameraFile, DoorLine, Zones
from etiquette.rules.config import RulesConfig
from etiquette.rules.events import Event
from etiquette.rules.visit_events import QueuePromptValues, QueueResponseValues, QueueWaitValues
from etiquette.service.offline.synthetic.actors import Actor, camera_file
from etiquette.service.offline.synthetic.camera import SyntheticCamera
from etiquette.service.offline.synthetic.motion import Stop, routed_actor
from tests.rules.run_scene import run_scene

STAFF = 1
FPS = 10.0
# Floor positions are smoothed over ~0.5 s (rules/scene.py): a moment on the floor is seen
# up to about that late.
LAG_S = 0.7
QUEUE_Y = 3.0  # the queue stands along y = 3 m, x from -1.5 to 1.5 m


def _camera() -> tuple[SyntheticCamera, CameraFile]:
    """A camera high on the wall behind the counters, looking over the queue (y 2.5-3.5 m)."""
    camera = SyntheticCamera(
        height_m=3.0, tilt_deg=30.0, focal_px=700.0, yaw_deg=180.0, position_xy=(0.0, 8.0)
    )
    zones = Zones(
        door=DoorLine(a=[-1.0, 0.0], b=[1.0, 0.0], inside=[0.0, 2.0]),
        queue=[[-1.6, 2.5], [1.6, 2.5], [1.6, 3.5], [-1.6, 3.5]],
        counters={"counter_1": [[-3.6, 2.5], [-2.4, 2.5], [-2.4, 3.5], [-3.6, 3.5]]},
        areas={"self_service": [[2.4, 2.5], [3.6, 2.5], [3.6, 3.5], [2.4, 3.5]]},
    )
    return camera, camera_file(camera).model_copy(update={"zones": zones})


def _config(**queue: object) -> RulesConfig:
    settings: dict[str, object] = {"min_people": 3, "min_s": 5.0, "join_s": 2.0, **queue}
    return RulesConfig.model_validate({"queue": settings, "roles": {"enrolled_staff": [STAFF]}})


def _run(actors: list[Actor], seconds: float, config: RulesConfig) -> list[Event]:
    camera, file = _camera()
    return run_scene(camera, actors, seconds, file, config, seed=3, fps=FPS)


def _waiting(track: int, x: float, leave: tuple[float, float, float] | None = None) -> Actor:
    """A customer standing in the queue from the start; ``leave`` = (when, to x, to y)."""
    stops: list[Stop] = [(0.0, x, QUEUE_Y)]
    if leave is not None:
        when, to_x, to_y = leave
        stops += [(when, x, QUEUE_Y), (when + abs(to_x - x) + abs(to_y - QUEUE_Y), to_x, to_y)]
    return routed_actor(track, stops, facing_deg=90.0)


def _of(events: list[Event], kind: str) -> list[Event]:
    return [e for e in events if e.type == kind]


def test_a_long_queue_is_prompted_once_and_answered() -> None:
    """Four people queued from 0 s: queued after join_s (2 s), held min_s (5 s): the prompt
    is due at 7 s. The staff member walks along y = 3.8 m from x = 3.5 m at 1 m/s from 10 s:
    within 1 m of the customer at x = 0.9 m when x = 0.9 + 0.6 = 1.5 m, at 12.0 s."""
    customers = [_waiting(10 + i, x) for i, x in enumerate((-0.9, -0.3, 0.3, 0.9))]
    staff = routed_actor(STAFF, [(0.0, 3.5, 3.8), (10.0, 3.5, 3.8), (13.0, 0.5, 3.8)], 180.0)
    events = _run([*customers, staff], 16.0, _config())
    prompts = _of(events, "queue_prompt")
    assert len(prompts) == 1
    values = prompts[0].values
    assert isinstance(values, QueuePromptValues)
    print(f"\nprompt at {prompts[0].start:.2f} s (truth 7.00 s), text {values.text}")
    assert values.length == 4 and values.text == "柜台排队4人，请二次分流"
    assert 7.0 <= prompts[0].start <= 7.0 + LAG_S
    responses = _of(events, "queue_response")
    assert len(responses) == 1 and responses[0].track == STAFF
    response = responses[0].values
    assert isinstance(response, QueueResponseValues)
    truth = 12.0 - prompts[0].start
    print(f"response latency {response.latency_s:.2f} s (truth {truth:.2f} s)")
    assert abs(response.latency_s - truth) <= LAG_S
    # Nobody left: the waits end with the recording, where they went unknown.
    waits = [e.values for e in _of(events, "queue_wait")]
    assert len(waits) == 4
    assert all(isinstance(w, QueueWaitValues) and w.left_to == "unknown" for w in waits)


def test_a_short_queue_or_people_walking_through_is_no_queue() -> None:
    two = [_waiting(10, -0.3), _waiting(11, 0.3)]
    walkers = [
        routed_actor(20 + i, [(2.0 * i, -3.0, y), (2.0 * i + 6.0, 3.0, y)], 0.0)
        for i, y in enumerate((2.8, 3.0, 3.2))
    ]
    events = _run([*two, *walkers], 12.0, _config())
    assert _of(events, "queue_prompt") == []
    assert {e.track for e in _of(events, "queue_wait")} == {10, 11}  # walkers never queued


def test_no_staff_coming_is_no_response_and_a_stricter_length_is_no_prompt() -> None:
    customers = [_waiting(10 + i, x) for i, x in enumerate((-0.9, -0.3, 0.3, 0.9))]
    events = _run(customers, 12.0, _config())
    assert len(_of(events, "queue_prompt")) == 1 and _of(events, "queue_response") == []
    stricter = _run(customers, 12.0, _config(min_people=5))
    assert _of(stricter, "queue_prompt") == []


@pytest.mark.parametrize(
    ("leave_to", "expected"),
    [((3.0, QUEUE_Y), "self_service"), ((-3.0, QUEUE_Y), "counter"), ((0.9, 1.0), "elsewhere")],
)
def test_where_a_customer_goes_from_the_queue_and_how_long_they_waited(
    leave_to: tuple[float, float], expected: str
) -> None:
    """The customer at x = 0.9 m (or -0.9 m toward the counter) leaves at 9 s, after the
    prompt (7 s), at 1 m/s: out of the zone (x beyond +-1.6 m, or y below 2.5 m) 0.7 s or
    0.5 s later."""
    x = -0.9 if expected == "counter" else 0.9
    out_after = 0.5 if expected == "elsewhere" else 0.7
    leaving = _waiting(13, x, (9.0, *leave_to))
    others = [_waiting(10 + i, x2) for i, x2 in enumerate((-0.3, 0.3, -0.9 if x > 0 else 0.9))]
    events = _run([*others, leaving], 18.0, _config())
    waits = [e for e in _of(events, "queue_wait") if e.track == 13]
    assert len(waits) == 1
    values = waits[0].values
    assert isinstance(values, QueueWaitValues)
    truth = 9.0 + out_after
    print(f"\nleft to {values.left_to}: waited {values.wait_s:.2f} s (truth {truth:.2f} s)")
    assert values.left_to == expected
    assert abs(values.wait_s - truth) <= LAG_S
    assert values.after_prompt == (expected == "self_service")
