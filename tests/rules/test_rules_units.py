"""Rules pieces with numbers alone: greeting timing edges, guiding gestures, posture lapses."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from etiquette.rules.bow import BowDetector, BowSample
from etiquette.rules.config import (
    BowConfig,
    GestureConfig,
    GreetingConfig,
    PostureConfig,
    TrunkConfig,
)
from etiquette.rules.events import GreetingValues, MissedValues
from etiquette.rules.gestures import GestureDetector, HandFrame
from etiquette.rules.greeting import GreetingTimer, StaffAct
from etiquette.rules.posture import PostureTracker
from etiquette.rules.trunk import Reference, SceneBaseline, TrunkMeter, View
from etiquette.rules.upper_body import ShoulderCue
from etiquette.service.offline.synthetic.motion import bow_profile
from etiquette.vision.joints import HandSide, Joint

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


def _body(bow_deg: float, arms: str) -> np.ndarray:
    """A stick figure facing the camera (camera axes: x right, y down, z away), hips at the
    origin, bowing ``bow_deg``; arms "hanging" straight down or "held_out" forward."""
    world = np.zeros((len(Joint), 3))
    b = np.radians(bow_deg)
    shoulders = 0.5 * np.array([0.0, -np.cos(b), -np.sin(b)])
    for side, x in ((("LEFT"), 0.2), (("RIGHT"), -0.2)):
        world[Joint[f"{side}_HIP"]] = (x * 0.7, 0.0, 0.0)
        shoulder = shoulders + np.array([x, 0.0, 0.0])
        world[Joint[f"{side}_SHOULDER"]] = shoulder
        reach = np.array([0.0, 0.6, 0.0]) if arms == "hanging" else np.array([0.0, 0.0, -0.6])
        world[Joint[f"{side}_ELBOW"]] = shoulder + reach / 2
        world[Joint[f"{side}_WRIST"]] = shoulder + reach
    return world


def _verdicts(
    depth_deg: float,
    arms: str,
    fps: float = 30.0,
    timing: tuple[float, float, float] = (0.6, 0.4, 0.6),
) -> list[str]:
    detector = BowDetector(BowConfig())
    profile = bow_profile(depth_deg, 1.0, *timing)
    verdicts: list[str] = []
    for frame in range(int((2.0 + sum(timing)) * fps)):
        t = frame / fps
        world = _body(profile(t).bow_deg, "hanging" if profile(t).bow_deg == 0 else arms)
        trunk = world[[Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER]].mean(axis=0)
        sample = BowSample(
            direction=trunk / np.linalg.norm(trunk),
            across=np.array([1.0, 0.0, 0.0]),
            feet_speed=0.0,
            knee_deg=180.0,
            reference=Reference.CAMERA,
            view=View.FULL_BODY,
            shoulders=ShoulderCue(100.0, 40.0, 25.0),
            world=world,
        )
        result = detector.update(t, sample)
        ended = result.finished or result.cancelled
        if ended is not None:
            verdicts.append(ended.verdict)
    return verdicts


@pytest.mark.parametrize(
    ("depth", "arms", "verdict"),
    [
        (65.0, "hanging", "too_deep"),  # arms hanging from a deep bow are low above the stance
        (15.0, "hanging", "to_standard"),
        (20.0, "held_out", None),  # leaning in to hug, arms held out straight: no bow
    ],
)
def test_arms_hanging_from_a_deep_bow_are_not_a_hug(
    depth: float, arms: str, verdict: str | None
) -> None:
    assert _verdicts(depth, arms) == ([] if verdict is None else [verdict])


@pytest.mark.parametrize(
    ("depth", "timing", "verdicts"),
    [
        (15.0, (1.0, 2.0, 1.5), ["to_standard"]),  # down in a second, held, up slowly
        (15.0, (2.5, 0.5, 1.0), ["to_standard"]),  # a slow bow still
        # Settling into a lean over four seconds (reading, writing at a table): no bow.
        (12.0, (4.0, 2.0, 1.5), ["cancelled"]),
        (25.0, (4.0, 1.0, 1.0), ["cancelled"]),
    ],
)
def test_a_bow_goes_down_within_seconds_a_slow_lean_is_not_one(
    depth: float, timing: tuple[float, float, float], verdicts: list[str]
) -> None:
    assert _verdicts(depth, "hanging", timing=timing) == verdicts


@pytest.mark.parametrize(
    ("near", "far", "hips", "view"),
    [
        (0.9, 0.9, 0.9, View.FULL_BODY),
        (0.9, 0.1, 0.9, View.FULL_BODY),  # in profile: the far shoulder and hip hidden
        (0.9, 0.9, 0.05, View.UPPER_BODY),  # a counter camera: hips out of the picture
    ],
)
def test_the_view_follows_what_is_seen_of_the_trunk(
    near: float, far: float, hips: float, view: View
) -> None:
    keypoints = np.zeros((len(Joint), 3))
    keypoints[:, 2] = 0.9
    keypoints[[Joint.LEFT_SHOULDER, Joint.LEFT_HIP], 2] = near
    keypoints[[Joint.RIGHT_SHOULDER, Joint.RIGHT_HIP], 2] = far
    if hips < 0.5:
        keypoints[[Joint.LEFT_HIP, Joint.RIGHT_HIP], 2] = hips
    meter = TrunkMeter(TrunkConfig(), None, SceneBaseline())
    reading = meter.update(0.0, keypoints, _body(0.0, "hanging"), speed=0.0)
    assert reading is not None and reading.view == view
