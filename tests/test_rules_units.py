"""Rules pieces with numbers alone: greeting timing edges, guiding gestures, posture lapses."""

from __future__ import annotations

import datetime as dt

import pytest

from rules.config import GestureConfig, GreetingConfig, PostureConfig
from rules.events import GreetingValues, MissedValues
from rules.gestures import GestureDetector, HandFrame
from rules.greeting import GreetingTimer, StaffAct
from rules.posture import PostureTracker
from vision.joints import HandSide

MORNING = dt.datetime(2026, 11, 30, 9, 0).timestamp()


def test_first_customer_of_each_day() -> None:
    timer = GreetingTimer(GreetingConfig())
    arrivals = [
        next(e for e in timer.arrival(n, t, (0.0, 0.5), True) if e.type == "customer_arrived")
        for n, t in enumerate([MORNING, MORNING + 3600, MORNING + 24 * 3600])
    ]
    flags = [e.values.first_of_day for e in arrivals]  # type: ignore[union-attr]
    assert flags == [True, False, True]


def test_an_expired_opportunity_is_closed_before_the_next_arrival() -> None:
    timer = GreetingTimer(GreetingConfig())
    timer.arrival(1, MORNING, (0.0, 0.5), staff_present=False)
    events = timer.arrival(2, MORNING + 3.5, (0.0, 0.5), staff_present=False)
    assert [e.type for e in events] == ["greeting_missed", "customer_arrived", "greeting_prompt"]


def test_an_act_begun_inside_the_window_keeps_it_open_until_it_is_known() -> None:
    timer = GreetingTimer(GreetingConfig())
    timer.arrival(1, MORNING, (0.0, 0.5), staff_present=True)
    # A bow begins at 2.9 s; the rules only confirm it at 3.3 s, after the window.
    assert timer.expire(MORNING + 3.2, True, pending_since=MORNING + 2.9) == []
    act = StaffAct(7, MORNING + 2.9, "bow")
    timer.act_started(act)
    act.finished, act.end = True, MORNING + 4.5
    greeting = timer.expire(MORNING + 4.5, True, pending_since=None)
    assert [e.type for e in greeting] == ["greeting"]
    assert isinstance(greeting[0].values, GreetingValues)
    assert greeting[0].values.latency_s == pytest.approx(2.9)
    assert greeting[0].verdict == "late"


def test_acts_long_before_the_arrival_do_not_count() -> None:
    timer = GreetingTimer(GreetingConfig(early_s=1.0))
    timer.act_started(StaffAct(7, MORNING - 8.0, "welcome_gesture", finished=True, end=MORNING))
    early = StaffAct(7, MORNING - 0.5, "welcome_gesture", finished=True, end=MORNING + 0.3)
    timer.act_started(early)
    events = timer.arrival(1, MORNING, (0.0, 0.5), staff_present=True)
    events += timer.expire(MORNING + 0.5, True, pending_since=None)
    greeting = next(e for e in events if e.type == "greeting")
    assert isinstance(greeting.values, GreetingValues)
    assert greeting.values.latency_s == pytest.approx(-0.5)
    assert greeting.verdict == "on_time"  # greeting the customer as they come in is on time


@pytest.mark.parametrize(
    ("latency_s", "outcome"),
    [(0.6, "on_time"), (2.0, "on_time"), (2.6, "late"), (3.8, "greeting_missed")],
)
def test_greeting_outcome_by_latency(latency_s: float, outcome: str) -> None:
    timer = GreetingTimer(GreetingConfig())  # on_time_s 2 s, window_s 3 s
    timer.arrival(1, MORNING, (0.0, 0.5), staff_present=True)
    act = StaffAct(7, MORNING + latency_s, "welcome_gesture", finished=True, end=MORNING + 5)
    timer.act_started(act)
    events = timer.expire(MORNING + 5.0, True, pending_since=None)
    found = [e.verdict if e.type == "greeting" else e.type for e in events]
    assert found == [outcome]


def test_on_time_must_fit_in_the_window() -> None:
    assert GreetingConfig(window_s=4.0, on_time_s=4.0).on_time_s == 4.0
    with pytest.raises(ValueError, match=r"on_time_s .* must not exceed .*window_s"):
        GreetingConfig(window_s=3.0, on_time_s=3.5)
    # A site file from before on_time_s, with a window shorter than its default: still loads,
    # and every greeting inside the window stays on time.
    assert GreetingConfig(window_s=1.5).on_time_s == 1.5


def test_a_recording_that_ends_inside_the_window_has_no_outcome() -> None:
    timer = GreetingTimer(GreetingConfig())
    timer.arrival(1, MORNING, (0.0, 0.5), staff_present=True)
    assert timer.finish(MORNING + 1.0, staff_present=True) == []
    timer.arrival(2, MORNING + 10, (0.0, 0.5), staff_present=True)
    missed = timer.finish(MORNING + 14.0, staff_present=True)
    assert [e.type for e in missed] == ["greeting_missed"]
    assert isinstance(missed[0].values, MissedValues) and missed[0].end == MORNING + 14.0


def _hand(t: float, palm_up: bool = True, extended: bool = True, flat: bool = True) -> HandFrame:
    return HandFrame(
        t,
        flat=flat,
        in_band=False,
        reach=0.5,
        hand_x_px=100.0,
        palm_up=palm_up,
        arm_extended=extended,
    )


def test_guiding_gesture_needs_palm_up_flat_and_extended_long_enough() -> None:
    config = GestureConfig()
    detector = GestureDetector(HandSide.LEFT, config)
    found = []
    for step in range(20):  # 0.66 s at 30 fps
        found += detector.update(_hand(step / 30), step / 30)
    found += detector.update(None, 2.0)
    assert [f.kind for f in found] == ["guiding_gesture"]
    assert found[0].values.hand == "left"
    for spoiler in ({"palm_up": False}, {"extended": False}, {"flat": False}):
        other = GestureDetector(HandSide.LEFT, config)
        found = [f for s in range(20) for f in other.update(_hand(s / 30, **spoiler), s / 30)]
        found += other.update(None, 2.0)
        assert found == [], spoiler


def test_posture_lapse_longer_than_allowed_and_leaving_the_post() -> None:
    tracker = PostureTracker(PostureConfig(max_off_s=5.0))
    assert tracker.update(0.0, ["leaning"], "door_post") is None
    assert tracker.update(3.0, ["leaning", "head_down"], "door_post") is None
    short = tracker.update(4.0, [], "door_post")
    assert short is None  # 4 s off: within what is allowed
    tracker.update(10.0, ["arms_crossed"], "door_post")
    tracker.update(17.0, ["arms_crossed"], "door_post")
    start, end, values = tracker.left_post("door_post")  # type: ignore[misc]
    assert (start, end) == (10.0, 17.0) and values.reasons == ["arms_crossed"]
    assert tracker.left_post("door_post") is None
