"""The whole onnxruntime pipeline on real footage (../shared/data/video)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from etiquette.models.runtime import OnnxNetwork
from etiquette.service.bench.perception import load_truth
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.frame import FrameResult
from etiquette.vision.pipeline import OnnxPerception
from etiquette.vision.sources import open_source
from tests.conftest import TEST_DATA, VIDEO

pytestmark = pytest.mark.real_data  # reads ../shared/data

EMPTY_ROOM = [(0, 50), (450, 500)]


def run(path: Path, config: PerceptionConfig | None = None) -> list[FrameResult]:
    perception = OnnxPerception(config or PerceptionConfig(), OnnxNetwork)
    source = open_source(str(path))
    results = [perception.process(frame) for frame in source.frames()]
    source.close()
    return results


@pytest.fixture(scope="module")
def one_by_one() -> list[FrameResult]:
    return run(VIDEO / "intel_one_by_one.mp4")


@pytest.mark.slow
def test_every_visit_is_seen_by_one_track(one_by_one: list[FrameResult]) -> None:
    truth = load_truth(TEST_DATA / "intel_one_by_one_truth.json")
    assert len(one_by_one) == 1394
    for first, last in truth.visible:
        visit = one_by_one[first : last + 1]
        seen = [r for r in visit if len(r.people) > 0]
        coverage = len(seen) / len(visit)
        ids = Counter(int(i) for r in seen for i in r.people.track_ids)
        main_share = ids.most_common(1)[0][1] / len(seen) if seen else 0.0
        print(
            f"visit {first}-{last}: person in {coverage:.1%} of frames, "
            f"main track {main_share:.1%} of them, ids {dict(ids)}"
        )
        assert coverage >= 0.9
        assert main_share >= 0.9


@pytest.mark.slow
def test_empty_room_has_no_phantoms(one_by_one: list[FrameResult]) -> None:
    for first, last in EMPTY_ROOM:
        frames = one_by_one[first:last]
        phantom = sum(1 for r in frames if len(r.people) > 0) / len(frames)
        print(f"empty room {first}-{last}: someone reported in {phantom:.1%} of frames")
        assert phantom <= 0.02


@pytest.mark.slow
def test_standing_person_in_every_frame() -> None:
    results = run(VIDEO / "har_stand.mp4")
    assert len(results) == 106
    counts = [len(r.people) for r in results]
    assert counts == [1] * len(results), f"frames without exactly one person: {counts}"
    assert len({int(r.people.track_ids[0]) for r in results}) == 1
    # World landmarks of an upright person: shoulders above hips by roughly half a metre.
    world = np.stack([r.people.world[0] for r in results])
    torso = (world[:, [11, 12]].mean(axis=1) - world[:, [23, 24]].mean(axis=1))[:, 1]
    assert np.median(-torso) == pytest.approx(0.5, abs=0.2)


@pytest.mark.slow
def test_street_walk_tracks_several_people() -> None:
    results = run(VIDEO / "openpose_street_walk.avi")
    counts = np.array([len(r.people) for r in results])
    ids = {int(i) for r in results for i in r.people.track_ids}
    print(
        f"street walk: {len(results)} frames, median {np.median(counts)} people, "
        f"max {counts.max()}, {len(ids)} track ids"
    )
    assert np.median(counts) >= 2
    assert counts.max() <= PerceptionConfig().max_people


def test_hands_found_on_flat_hand_video() -> None:
    results = run(VIDEO / "intel_asl_thanks.mkv", PerceptionConfig(hands="always"))
    with_hand = sum(1 for r in results if len(r.people) and r.people.hand_scores[0].max() >= 0.5)
    print(f"ASL THANKS: a hand in {with_hand} of {len(results)} frames")
    assert with_hand >= 0.6 * len(results)


def test_palms_up_hands_are_found_along_the_forearm() -> None:
    """ASL WANT holds both palms up at the waist (frames 19-29 hold still): the region from
    the pose's own hand points is foreshortened there and the hand model reads nothing, so
    the hand is looked for again along the forearm."""
    results = run(VIDEO / "intel_asl_want.mkv")
    held = results[19:30]
    with_hand = sum(1 for r in held if len(r.people) and r.people.hand_scores[0].max() >= 0.5)
    print(f"ASL WANT, palms held up: a hand in {with_hand} of {len(held)} frames")
    assert with_hand >= 9
