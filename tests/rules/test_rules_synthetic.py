"""The rules against synthetic scenes with exact ground truth (service/offline/synthetic/)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from etiquette.calibration.camera_file import CameraFile, DoorLine, Zones
from etiquette.rules.config import RulesConfig
from etiquette.rules.engine import RulesEngine
from etiquette.rules.events import ArrivalValues, BowValues, Event, GreetingValues, Phase
from etiquette.service.cameras.scene import scene_context
from etiquette.service.offline.synthetic.actors import Actor, camera_file, render
from etiquette.service.offline.synthetic.body import Pose
from etiquette.service.offline.synthetic.camera import SyntheticCamera
from etiquette.service.offline.synthetic.motion import (
    bow_profile,
    guiding_hold,
    nod_profile,
    walking,
    welcome_sweep,
)
from etiquette.vision.placement import Placement
from tests.rules.run_scene import run_scene

DEPTHS = (5.0, 10.0, 15.0, 20.0, 30.0, 45.0)
SPEEDS = {"slow": (1.0, 0.6, 1.0), "normal": (0.6, 0.3, 0.6), "quick": (0.35, 0.0, 0.35)}
TILTS = (15.0, 35.0, 55.0)
STILL = (0.0, 0.0)


def _camera(tilt: float) -> SyntheticCamera:
    """A camera looking at the floor origin from 4 m away along -y. Looking down steeply
    from 1.8 m away, a lens as narrow as the others would cut off the person's shoulders and
    head (the rules treat joints outside the picture as unseen): a wider one, as a camera
    mounted that steeply has."""
    height = 2.6
    distance = height / np.tan(np.radians(tilt)) if tilt > 20 else 4.0
    focal = 900.0 if tilt <= 35 else 450.0
    return SyntheticCamera(
        height_m=height, tilt_deg=tilt, focal_px=focal, position_xy=(0.0, -float(distance))
    )


def _run(
    camera: SyntheticCamera,
    actors: list[Actor],
    seconds: float,
    file: CameraFile,
    config: RulesConfig | None = None,
    seed: int = 0,
) -> list[Event]:
    return run_scene(camera, actors, seconds, file, config, seed)


def test_bows_depth_detection_and_verdicts() -> None:
    rows = []
    for seed, (depth, (speed, timing), tilt) in enumerate(
        itertools.product(DEPTHS, SPEEDS.items(), TILTS)
    ):
        camera = _camera(tilt)
        actor = Actor(1, bow_profile(depth, 3.0, *timing), lambda t: STILL, facing_deg=-90.0)
        bows = [
            e for e in _run(camera, [actor], 8.0, camera_file(camera), seed=seed) if e.type == "bow"
        ]
        peak = bows[0].values.peak_deg if bows and isinstance(bows[0].values, BowValues) else None
        rows.append((depth, speed, tilt, len(bows), peak, bows[0].verdict if bows else None))
    true_positive = sum(1 for r in rows if r[3] >= 1)
    false_positive = sum(max(0, r[3] - 1) for r in rows)
    false_negative = sum(1 for r in rows if r[3] == 0)
    f1 = 2 * true_positive / (2 * true_positive + false_positive + false_negative)
    errors = [abs(r[4] - r[0]) for r in rows if r[4] is not None]
    print(
        f"\n{len(rows)} synthetic bows: F1 {f1:.3f} (TP {true_positive}, FP {false_positive}, "
        f"FN {false_negative}); peak depth error mean {np.mean(errors):.2f} deg, "
        f"max {np.max(errors):.2f} deg"
    )
    print(f"{'depth':>6} {'speed':>7} " + " ".join(f"tilt {t:>2.0f}" for t in TILTS))
    for depth, speed in itertools.product(DEPTHS, SPEEDS):
        cells = [r for r in rows if r[0] == depth and r[1] == speed]
        shown = " ".join(f"{r[4]:7.1f}" if r[4] is not None else "   miss" for r in cells)
        print(f"{depth:6.0f} {speed:>7} {shown}")
    assert f1 >= 0.98
    assert np.mean(errors) <= 1.5
    for depth, speed, tilt, _, _, verdict in rows:
        expected = {
            (15.0, "slow"): "to_standard",
            (15.0, "quick"): "rushed",
            (5.0, "slow"): "too_shallow",
            (30.0, "normal"): "too_deep",
            (45.0, "slow"): "too_deep",
        }.get((depth, speed))
        if expected is not None:
            assert verdict == expected, (depth, speed, tilt)


@pytest.mark.parametrize("tilt", TILTS)
def test_nods_walking_and_picking_up_are_not_bows(tilt: float) -> None:
    camera = _camera(tilt)
    nodder = Actor(1, nod_profile(30.0, 2.0, 1.0), lambda t: (-1.0, 0.0), facing_deg=-90.0)
    pose_at, position_at = walking(1.2, (3.0, 1.0), 180.0)
    walker = Actor(2, pose_at, position_at, facing_deg=180.0)

    def stoop(t: float) -> Pose:
        bend = bow_profile(50.0, 2.0, 1.0, 1.0, 1.0)(t).bow_deg
        return Pose(bow_deg=bend, knee_bend_deg=bend * 1.6)

    picker = Actor(3, stoop, lambda t: (1.0, -0.5), facing_deg=-90.0)
    events = _run(camera, [nodder, walker, picker], 6.0, camera_file(camera), seed=int(tilt))
    assert [e for e in events if e.type == "bow"] == []


def _door_camera() -> tuple[SyntheticCamera, CameraFile]:
    """A camera inside the branch looking at the door (door line y = 0, inside y > 0)."""
    camera = SyntheticCamera(
        height_m=2.8, tilt_deg=35.0, focal_px=800.0, yaw_deg=180.0, position_xy=(0.0, 5.0)
    )
    file = camera_file(camera)
    zones = Zones(
        door=DoorLine(a=[-1.0, 0.0], b=[1.0, 0.0], inside=[0.0, 2.0]),
        posts={"door_post": [[1.2, 0.8], [2.2, 0.8], [2.2, 1.8], [1.2, 1.8]]},
    )
    return camera, file.model_copy(update={"zones": zones})


@pytest.mark.parametrize("speed", [0.8, 1.2, 1.6])
def test_arrival_time(speed: float) -> None:
    camera, file = _door_camera()
    pose_at, position_at = walking(speed, (0.0, -2.0), 90.0)
    customer = Actor(5, pose_at, position_at, facing_deg=90.0)
    events = _run(camera, [customer], 4.5, file, seed=int(speed * 10))
    arrivals = [e for e in events if e.type == "customer_arrived"]
    assert len(arrivals) == 1
    # The feet (heels) cross the door line when the body centre is 4 cm past it.
    truth = (2.0 + 0.04) / speed
    error = abs(arrivals[0].start - truth)
    print(
        f"\nwalking {speed} m/s: arrival at {arrivals[0].start:.2f} s, truth {truth:.2f} s, "
        f"error {error:.2f} s"
    )
    assert error <= 0.2
    assert isinstance(arrivals[0].values, ArrivalValues) and arrivals[0].values.first_of_day
    assert [e.type for e in events].count("greeting_prompt") == 1


def test_walking_out_through_the_door_is_not_an_arrival() -> None:
    """Someone seen deeper inside who walks out through the arrival band is leaving."""
    camera, file = _door_camera()
    pose_at, position_at = walking(1.2, (0.0, 3.5), -90.0)
    leaving = Actor(6, pose_at, position_at, facing_deg=-90.0)
    events = _run(camera, [leaving], 4.0, file, seed=6)
    assert [e.type for e in events if e.type == "customer_arrived"] == []


def _greeting_scene(bow_at: float | None, customers: int = 1) -> list[Event]:
    camera, file = _door_camera()

    def staff_pose(t: float) -> Pose:
        return bow_profile(15.0, bow_at, 0.8, 0.5, 0.8)(t) if bow_at is not None else Pose()

    staff = Actor(1, staff_pose, lambda t: (1.7, 1.3), facing_deg=180.0)
    actors = [staff]
    for index in range(customers):
        pose_at, position_at = walking(1.0, (-0.5 + 0.6 * index, -8.0), 90.0)
        actors.append(Actor(10 + index, pose_at, position_at, facing_deg=90.0))
    return _run(camera, actors, 14.0, file)


def test_a_bow_within_the_window_is_a_greeting() -> None:
    events = _greeting_scene(bow_at=8.6)  # the customer arrives at ~8.0 s
    greetings = [e for e in events if e.type == "greeting"]
    assert len(greetings) == 1
    values = greetings[0].values
    assert isinstance(values, GreetingValues)
    assert 0.0 < values.latency_s < 1.5 and values.bow_verdict == "to_standard"
    assert greetings[0].role == "staff" and greetings[0].verdict == "on_time"
    assert not [e for e in events if e.type == "greeting_missed"]


def test_a_bow_begun_late_in_the_window_is_a_late_greeting() -> None:
    events = _greeting_scene(bow_at=10.6)  # ~2.6 s after the arrival; confirmed after 3 s
    greetings = [e for e in events if e.type == "greeting"]
    assert len(greetings) == 1 and not [e for e in events if e.type == "greeting_missed"]
    assert 2.0 < greetings[0].values.latency_s < 3.0  # type: ignore[union-attr]
    assert greetings[0].verdict == "late"  # after on_time_s (2 s), inside window_s (3 s)


def test_a_bow_after_the_window_is_too_late() -> None:
    events = _greeting_scene(bow_at=11.8)  # ~3.8 s after the arrival: missed
    assert [e.type for e in events if e.type.startswith("greeting_")] == [
        "greeting_prompt",
        "greeting_missed",
    ]


def test_no_bow_is_a_missed_greeting_and_a_group_is_one_opportunity() -> None:
    events = _greeting_scene(bow_at=None, customers=2)
    assert [e.type for e in events].count("customer_arrived") == 2
    assert [e.type for e in events].count("greeting_prompt") == 1
    missed = [e for e in events if e.type == "greeting_missed"]
    assert len(missed) == 1
    assert missed[0].values.customers == 2  # type: ignore[union-attr]


def test_a_threshold_in_config_changes_the_verdict() -> None:
    camera = _camera(35.0)
    actor = Actor(1, bow_profile(15.0, 3.0, 1.0, 0.6, 1.0), lambda t: STILL, facing_deg=-90.0)
    file = camera_file(camera)
    default = [e for e in _run(camera, [actor], 8.0, file) if e.type == "bow"]
    stricter = RulesConfig.model_validate({"bow": {"target_deg": 30.0}})
    changed = [e for e in _run(camera, [actor], 8.0, file, stricter) if e.type == "bow"]
    assert default[0].verdict == "to_standard"
    assert changed[0].verdict == "too_shallow"


def test_a_bow_starts_peaks_and_ends() -> None:
    camera = _camera(35.0)
    actor = Actor(1, bow_profile(20.0, 3.0, 1.0, 0.6, 1.0), lambda t: STILL, facing_deg=-90.0)
    file = camera_file(camera)
    placement = Placement.from_camera(file)
    engine = RulesEngine(RulesConfig(), scene_context(file))
    phases = [
        (e.phase, round(e.end, 2))
        for frame in render(camera, [actor], 8.0)
        for e in engine.update(placement.place(frame)).events
        if e.type == "bow"
    ]
    assert [p for p, _ in phases] == [Phase.START, Phase.UPDATE, Phase.END]
    assert phases[0][1] < phases[1][1] < phases[2][1]


def test_a_recording_cut_mid_bow_ends_it_as_unfinished() -> None:
    camera = _camera(35.0)
    actor = Actor(1, bow_profile(20.0, 3.0, 1.0, 2.0, 1.0), lambda t: STILL, facing_deg=-90.0)
    events = _run(camera, [actor], 5.0, camera_file(camera))
    bows = [e for e in events if e.type == "bow"]
    assert [b.verdict for b in bows] == ["unfinished"]


def test_a_staff_member_leaning_at_the_post_gives_a_posture_event() -> None:
    camera, file = _door_camera()

    def slouch(t: float) -> Pose:
        return Pose(bow_deg=22.0 if 8.0 <= t < 16.0 else 0.0)

    staff = Actor(1, slouch, lambda t: (1.7, 1.3), facing_deg=180.0)
    events = _run(camera, [staff], 18.0, file)
    lapses = [e for e in events if e.type == "posture"]
    assert len(lapses) == 1
    assert lapses[0].role == "staff" and "leaning" in lapses[0].values.reasons  # type: ignore[union-attr]
    assert lapses[0].start == pytest.approx(8.0, abs=0.5)


@pytest.mark.parametrize("tilt", TILTS)
def test_gestures(tilt: float) -> None:
    """A flat hand swept out between waist and chin is a welcome; spread fingers or a hand
    above the chin are not; an arm held out palm up is a guiding gesture."""
    camera = _camera(tilt)
    file = camera_file(camera)
    cases = {
        "flat sweep": (welcome_sweep(2.0, 0.8), ["welcome_gesture"]),
        "spread fingers": (welcome_sweep(2.0, 0.8, together=False), []),
        "above the chin": (welcome_sweep(2.0, 0.8, height=1.75), []),
        "palm up, arm out": (guiding_hold(2.0, 1.0), ["guiding_gesture"]),
    }
    for seed, (name, (profile, expected)) in enumerate(cases.items()):
        actor = Actor(1, profile, lambda t: STILL, facing_deg=-90.0)
        kinds = [e.type for e in _run(camera, [actor], 4.0, file, seed=seed)]
        assert kinds == expected, (name, tilt)


def _bows_without_camera(actor: Actor, seconds: float, tilt: float = 35.0) -> list[Event]:
    """No camera file: no gravity, no floor; the rules see only the camera's axes."""
    engine = RulesEngine(RulesConfig(), scene_context(None))
    frames = render(_camera(tilt), [actor], seconds, seed=3)
    events: list[Event] = []
    for frame in frames:
        events += engine.update(frame).events
    events += engine.finish(frames[-1].timestamp)
    return [e for e in events if e.type == "bow" and e.phase == Phase.END]


@pytest.mark.parametrize("tilt", TILTS)
def test_a_bow_in_the_first_seconds_is_judged_without_a_camera_file(tilt: float) -> None:
    """The person is seen for one second before bowing: no upright has been learned (that
    took 2 s of stillness), the depth is over the stance just before."""
    actor = Actor(1, bow_profile(15.0, 1.0, 0.6, 0.4, 0.6), lambda t: STILL, facing_deg=-90.0)
    bows = _bows_without_camera(actor, 4.0, tilt)
    assert [b.verdict for b in bows] == ["to_standard"]
    assert isinstance(bows[0].values, BowValues)
    assert abs(bows[0].values.peak_deg - 15.0) <= 2.5
    assert bows[0].values.reference == "camera_axis"


def test_knees_flexing_a_little_in_a_bow_do_not_cancel_it() -> None:
    def bow_with_knees(t: float) -> Pose:
        bend = bow_profile(20.0, 1.5, 0.6, 0.4, 0.6)(t).bow_deg
        return Pose(bow_deg=bend, knee_bend_deg=bend)  # knee angle about 130 at the peak

    bows = _bows_without_camera(Actor(1, bow_with_knees, lambda t: STILL, facing_deg=-90.0), 4.0)
    assert [b.verdict for b in bows] == ["to_standard"]
