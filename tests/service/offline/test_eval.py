"""`etiquette eval`: the matching and scoring on exact numbers, the labels format's errors,
and the regression run on the labelled real clips against the committed metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from etiquette.calibration.camera_file import CameraFile
from etiquette.calibration.projection import FloorProjection
from etiquette.service.cli.main import main
from etiquette.service.offline.evaluation.labels import LabelError, LabelledClip, load_labels
from etiquette.service.offline.evaluation.metrics import (
    FrameSeen,
    ReportedEvent,
    frame_of,
    score_clip,
)
from etiquette.service.offline.evaluation.run import clip_camera, places_arrivals, regressions

pytestmark = pytest.mark.real_data  # reads ../shared/data

EVAL = Path(__file__).resolve().parents[2] / "data" / "eval"
LABELS = EVAL / "real_clips.yaml"
METRICS = EVAL / "metrics.json"


def _clip(**fields: object) -> LabelledClip:
    return LabelledClip.model_validate({"name": "c", "path": "c.mp4", **fields})


def test_a_bow_inside_its_label_matches_with_its_errors() -> None:
    clip = _clip(
        tolerance_frames=2,
        events=[{"type": "bow", "start": 10, "peak": [14, 16], "end": 20, "depth_deg": [15, 20]}],
    )
    reported = [ReportedEvent("bow", 12, 21, peak=18, depth_deg=25.0)]
    score = score_clip(clip, [], reported, has_camera=False).events["bow"]
    assert (score.tp, score.fp, score.fn) == (1, 0, 0)
    assert score.start_errors == [2] and score.end_errors == [1]
    assert score.peak_errors == [2] and score.depth_errors == [5.0]


def test_unmatched_events_are_false_positives_only_where_labelled_completely() -> None:
    far = ReportedEvent("bow", 100, 110)
    gesture = ReportedEvent("welcome_gesture", 5, 9)
    scores = score_clip(_clip(complete=["bow"]), [], [far, gesture], has_camera=False).events
    assert scores["bow"].fp == 1 and "welcome_gesture" not in scores
    missed = score_clip(
        _clip(events=[{"type": "bow", "start": 1, "end": 5}]), [], [], has_camera=False
    )
    assert missed.events["bow"].fn == 1


def test_people_counts_acquisition_and_id_switches() -> None:
    clip = _clip(people=[{"frames": [0, 9], "count": 2}])
    frames = [FrameSeen(i, (1, 2) if i >= 3 else (1,)) for i in range(5)]
    frames += [FrameSeen(i, (1, 3)) for i in range(5, 10)]
    people = score_clip(clip, frames, [], has_camera=False).people
    assert people.acquisition_delays == [3]
    assert people.frames_right == 7 and people.frames == 10
    assert people.id_switches == 1


def test_arrivals_need_a_camera_file_and_say_so() -> None:
    clip = _clip(events=[{"type": "customer_arrived", "start": 1, "end": 1}])
    score = score_clip(clip, [], [], has_camera=False)
    assert score.not_scored == ["customer_arrived"] and "customer_arrived" not in score.events


def test_an_arrival_matches_when_its_moment_lies_in_the_labelled_frames() -> None:
    """An arrival is one moment; its label brackets it (first foot on the line .. both feet
    over it). The start error is how far outside the label it lies; there is no end error."""
    label = {"type": "customer_arrived", "start": 69, "end": 76}
    clip = _clip(tolerance_frames=5, events=[label], complete=["customer_arrived"])

    def score(*starts: int) -> tuple[int, int, int, list[int], list[int]]:
        reported = [ReportedEvent("customer_arrived", s, s) for s in starts]
        found = score_clip(clip, [], reported, has_camera=True).events["customer_arrived"]
        return found.tp, found.fp, found.fn, found.start_errors, found.end_errors

    assert score(75) == (1, 0, 0, [0], [])
    assert score(80) == (1, 0, 0, [4], [])
    assert score(66) == (1, 0, 0, [3], [])
    assert score(82) == (0, 1, 1, [], [])  # 6 frames late, tolerance 5
    assert score(90, 70) == (1, 1, 0, [0], [])  # the one inside the label is the match


def test_arrivals_are_scored_only_with_a_floor_and_a_door_line() -> None:
    assert not places_arrivals(None)
    assert not places_arrivals(CameraFile(image_size=[384, 288]))
    labels, folder = load_labels(LABELS)
    arriving = [c for c in labels.clips if any(e.type == "customer_arrived" for e in c.events)]
    assert {c.name for c in arriving} >= {"intel_one_by_one", "caviar_enter_exit"}
    for clip in arriving:
        assert places_arrivals(clip_camera(clip, folder)), clip.name


def test_the_caviar_camera_file_puts_the_door_line_on_the_shop_threshold() -> None:
    """The door line of the camera file made by eye lies on the threshold strip (row 149.5)
    between the central pillar (x 214) and the promod panel (x 326), the shop inside."""
    labels, folder = load_labels(LABELS)
    clip = next(c for c in labels.clips if c.name == "caviar_enter_exit")
    camera = clip_camera(clip, folder)
    assert camera is not None and camera.floor is not None and camera.zones.door is not None
    projection = FloorProjection.from_camera(camera, camera.floor)
    door = camera.zones.door
    ends = projection.to_pixels(np.array([door.a, door.b]))
    assert np.allclose(ends, [[214, 149.5], [326, 149.5]], atol=1.0)
    shop, walkway = projection.to_floor(np.array([[270.0, 140.0], [270.0, 160.0]]))
    assert shop[1] > 0 > walkway[1]  # y runs into the shop, the inside point's side


def test_a_camera_file_that_cannot_be_read_stops_the_eval_before_any_clip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.mp4").write_bytes(b"")
    path = tmp_path / "labels.yaml"
    path.write_text("clips: [{name: a, path: a.mp4, camera: nowhere.camera.yaml}]")
    assert main(["eval", str(path)]) == 2
    assert "nowhere.camera.yaml" in capsys.readouterr().err


def test_frame_of_picks_the_nearest_capture_time() -> None:
    times = [0.0, 0.1, 0.2, 0.3]
    assert [frame_of(t, times) for t in (-1.0, 0.04, 0.06, 0.29, 9.0)] == [0, 0, 1, 3, 3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("clips: [{name: a, path: a.mp4, people: [{frames: [5, 1], count: 1}]}]", "before"),
        ("clips: [{name: a, path: a.mp4, events: [{type: wave, start: 1, end: 2}]}]", "type"),
        ("clips: [{name: a}]", "path"),
        ("clips: [unclosed", "not valid YAML"),
    ],
)
def test_bad_labels_name_the_mistake(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "labels.yaml"
    path.write_text(text)
    with pytest.raises(LabelError, match=message):
        load_labels(path)


def test_regressions_compare_each_figure_in_its_direction() -> None:
    committed = {"total": {"events": {"bow": {"recall": 1.0, "start_error_frames": 4.0}}}}
    better = {"total": {"events": {"bow": {"recall": 1.0, "start_error_frames": 2.0}}}}
    worse = {"total": {"events": {"bow": {"recall": 0.5, "start_error_frames": 6.0}}}}
    assert regressions(better, committed) == []
    assert len(regressions(worse, committed)) == 2
    assert regressions({"total": {}}, committed)  # no longer measured


def _figures(accuracy: float, switches: int, fp: int, end_error: float) -> dict[str, object]:
    people = {"count_accuracy": accuracy, "id_switches": switches}
    bow = {"fp": fp, "end_error_frames": end_error}
    return {"clip": {"people": people, "events": {"bow": bow}}}


def test_another_processor_may_move_a_boundary_by_a_frame_but_not_a_judgement() -> None:
    committed = _figures(0.5972, 0, 0, 4.0)
    assert regressions(_figures(0.5833, 0, 0, 5.0), committed) == []  # measured between CPUs
    assert len(regressions(_figures(0.55, 1, 1, 6.0), committed)) == 4


def test_missing_clips_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "labels.yaml"
    path.write_text("clips: [{name: a, path: nowhere.mp4}]")
    assert main(["eval", str(path)]) == 2
    assert "nowhere.mp4" in capsys.readouterr().err


@pytest.mark.slow
def test_real_clips_are_no_worse_than_the_committed_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole product on every labelled real clip; improving a figure means committing
    the new metrics.json (etiquette eval tests/data/eval/real_clips.yaml --out ...)."""
    out = tmp_path / "metrics.json"
    code = main(["eval", str(LABELS), "--out", str(out), "--check", str(METRICS)])
    printed = capsys.readouterr()
    print(printed.out)
    assert code == 0, printed.err
    total = json.loads(out.read_text())["total"]
    bow = total["events"]["bow"]
    assert bow["fp"] == 0 and bow["recall"] == 1.0


def test_door_crossings_are_scored_only_with_a_camera_file() -> None:
    clip = _clip(events=[{"type": "door_crossing", "start": 1, "end": 9}])
    without = score_clip(clip, [], [], has_camera=False)
    assert without.not_scored == ["door_crossing"] and "door_crossing" not in without.events
    missed = score_clip(clip, [], [], has_camera=True).events["door_crossing"]
    assert (missed.tp, missed.fn) == (0, 1)
