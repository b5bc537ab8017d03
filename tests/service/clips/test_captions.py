"""What clips and the live view say, and where: Chinese captions from the vocabulary with no
track id and no machine word, and person labels that never sit under the caption band or on
each other. Drawn on a real frame of the bundled sample (a customer walking in, head near
the top of the picture, where the caption band is)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from etiquette.models.runtime import OnnxNetwork
from etiquette.rules.engine import PersonRules
from etiquette.rules.events import Event
from etiquette.service.clips.captions import caption, person_labels
from etiquette.service.media.drawing import TextBox, annotate, track_color
from etiquette.service.media.fonts import warn_missing_glyphs
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.frame import FrameResult, People
from etiquette.vision.joints import Role
from etiquette.vision.pipeline import OnnxPerception
from etiquette.vision.sources import open_source
from tests.service.clips.test_clips import _event

# The demo's sample (read directly: this test needs no service).
SAMPLE = (
    Path(__file__).resolve().parents[3] / "service" / "offline" / "samples" / "intel_one_by_one.mp4"
)
MACHINE_WORD = re.compile(r"#\d|[A-Za-z_]{2,}")  # a track id, or an id such as too_shallow
FRAME_S = 10.0  # the customer's head is ~30 px from the top here


@pytest.fixture(scope="module")
def sample_frame() -> tuple[np.ndarray, FrameResult]:
    perception = OnnxPerception(PerceptionConfig(), OnnxNetwork)
    for frame in open_source(str(SAMPLE)).frames():
        result = perception.process(frame)
        if frame.timestamp >= FRAME_S and len(result.people):
            return frame.image, result
    raise AssertionError("nobody in the sample")


@pytest.mark.parametrize(
    ("kind", "role", "verdict", "expected"),
    [
        ("greeting_missed", "customer", None, "客户 未迎宾"),
        ("greeting", "staff", "late", "员工 迎宾 2.6 秒 · 迟了"),
        ("bow", "staff", "too_shallow", "员工 鞠躬 9° · 幅度不够"),
        ("bow", "staff", "to_standard", "员工 鞠躬 9° · 标准"),
        ("posture", "staff", "off_standard", "员工 站姿 12.0 秒 · 不规范 · 倚靠或歪斜"),
    ],
)
def test_captions_are_chinese_words_without_track_ids(
    kind: str, role: str, verdict: str | None, expected: str
) -> None:
    event: Event = _event(kind, role, verdict).model_copy(update={"track": 3})
    text = caption(event)
    assert text == expected
    assert not MACHINE_WORD.search(text), text
    assert warn_missing_glyphs(text, "clip caption") == []  # no tofu in the video
    english = caption(event, "en")
    assert "#" not in english and "_" not in english, english


def test_person_labels_name_the_role_not_the_track() -> None:
    staff = PersonRules(16.4, 1.0, "gravity", Role.STAFF, "test", None)
    customer = PersonRules(2.0, 1.0, "gravity", Role.CUSTOMER, "test", None)
    unknown = PersonRules(None, None, None, Role.UNKNOWN, "test", None)
    assert person_labels({3: staff, 7: customer, 9: unknown}) == {3: "员工 16°", 7: "客户", 9: ""}


def _with_a_second_person(result: FrameResult) -> FrameResult:
    """The frame's person and a copy of them a little to the right and lower, as when two
    people walk in side by side: their labels would land on each other."""

    def doubled(name: str, values: np.ndarray) -> np.ndarray:
        copy = np.array(values, copy=True)
        if name in ("boxes", "keypoints", "hands"):
            copy[..., 0] += 30
            copy[..., 1] += 8
        if name == "track_ids":
            copy = copy + 1
        return np.concatenate([values, copy])

    people = result.people
    fields = {f.name: doubled(f.name, getattr(people, f.name)) for f in dataclasses.fields(People)}
    return dataclasses.replace(result, people=People(**fields))


def test_labels_are_placed_outside_the_caption_band_and_apart(
    sample_frame: tuple[np.ndarray, FrameResult],
) -> None:
    image, result = sample_frame
    result = _with_a_second_person(result)
    tracks = [int(t) for t in result.people.track_ids]
    assert min(float(b[1]) for b in result.people.boxes) < 40  # a head in the band's rows
    labels = {tracks[0]: "客户", tracks[1]: "员工 16°"}
    lines = ["客户 未迎宾", "员工 鞠躬 16° · 幅度不够"]
    drawn = annotate(image, result, labels, lines)
    assert drawn.band is not None and len(drawn.labels) == 2
    height, width = image.shape[:2]
    for box in drawn.labels:
        assert not box.overlaps(drawn.band), (box, drawn.band)
        assert 0 <= box.x0 < box.x1 <= width and 0 <= box.y0 < box.y1 <= height
    assert not drawn.labels[0].overlaps(drawn.labels[1]), drawn.labels
    # The labels are drawn in their person's colour and are seen, not darkened over.
    for track, box in zip(sorted(tracks, key=lambda t: t), drawn.labels, strict=True):
        region = drawn.canvas[box.y0 : box.y1, box.x0 : box.x1].reshape(-1, 3).astype(int)
        color = np.array(track_color(track))
        assert (np.abs(region - color).sum(axis=1) < 60).sum() > 10, (track, box)
    # The captions are sized for the picture: readable, and the longer one fits across it.
    assert 20 <= drawn.band.y1 <= height // 4
    white = (drawn.canvas[: drawn.band.y1] > 230).all(axis=2)
    columns = np.flatnonzero(white.any(axis=0))
    assert columns.size and columns.max() < width - 4


def test_the_band_grows_with_the_lines_and_labels_move_below_it(
    sample_frame: tuple[np.ndarray, FrameResult],
) -> None:
    image, result = sample_frame
    track = int(result.people.track_ids[0])
    drawn = annotate(image, result, {track: "客户"}, ["客户 未迎宾"] * 4)  # the live view's 4
    assert drawn.band is not None and drawn.band.y1 > 80
    (label,) = drawn.labels
    assert label.y0 >= drawn.band.y1
    assert not label.overlaps(TextBox(0, 0, image.shape[1], drawn.band.y1))
