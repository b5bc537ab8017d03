"""Coaching clips from the bundled sample: one per missed greeting, H.264 with the index in
front, a few seconds around the event, playable by a decoder."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from etiquette.calibration.camera_file import load_camera
from etiquette.models.runtime import OnnxNetwork
from etiquette.rules.engine import PersonRules
from etiquette.rules.events import (
    BowValues,
    Event,
    GreetingValues,
    MissedValues,
    Phase,
    PostureValues,
)
from etiquette.service.clips.config import ClipConfig
from etiquette.service.clips.recorder import ClipRecorder, ClipWriter, describe, wanted
from etiquette.service.media.privacy import face_blurrer
from etiquette.service.offline.analyze import analyze
from etiquette.service.offline.demo import DEMO_CAMERA, DEMO_SAMPLE
from etiquette.service.store.models import NewClip
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.joints import Role
from etiquette.vision.pipeline import OnnxPerception
from etiquette.vision.sources import open_source
from tests.conftest import VIDEO
from tests.factories import event as make_event

pytestmark = pytest.mark.real_data  # reads ../shared/data


def test_analyze_writes_clips_for_missed_greetings(tmp_path: Path) -> None:
    analyze(str(DEMO_SAMPLE), tmp_path, camera=load_camera(DEMO_CAMERA), clips=True, progress=False)
    index = [
        json.loads(line) for line in (tmp_path / "clips" / "clips.jsonl").read_text().splitlines()
    ]
    missed = [c for c in index if c["reason"] == "missed_greeting"]
    assert len(missed) == 6
    for clip in missed:
        path = tmp_path / "clips" / str(clip["file"])
        assert path.read_bytes()[:4096].find(b"moov") != -1  # streamable
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            frames = sum(1 for _ in container.decode(stream))
        # 3 s before the arrival, the 3 s window, 3 s after, at 10 fps.
        assert 60 <= frames <= 100, (clip["file"], frames)


def _event(kind: str, role: str, verdict: str | None, phase: Phase = Phase.END) -> Event:
    values: BowValues | PostureValues | GreetingValues | MissedValues
    if kind == "bow":
        values = BowValues(
            peak_deg=9.0, time_to_peak_s=0.6, hold_s=0.2, duration_s=1.4, reference="gravity"
        )
    elif kind == "posture":
        values = PostureValues(off_s=12.0, reasons=["leaning"], post="desk_1")
    elif kind == "greeting":
        values = GreetingValues(latency_s=2.6, by_track=1)
    else:
        values = MissedValues(customers=1, staff_present=True)
    return make_event(
        **{
            "type": kind,
            "phase": phase,
            "track": 1,
            "role": role,
            "start": 10.0,
            "end": 11.4,
            "values": values,
            "verdict": verdict,
        }
    )


@pytest.mark.parametrize(
    ("kind", "role", "verdict", "reason", "caption"),
    [
        ("greeting_missed", "customer", None, "missed_greeting", "客户 未迎宾"),
        ("greeting", "staff", "late", "late_greeting", "员工 迎宾 2.6 秒 · 迟了"),
        ("greeting", "staff", "on_time", None, None),
        ("bow", "staff", "too_shallow", "bow_off_standard", "员工 鞠躬 9° · 幅度不够"),
        ("bow", "staff", "to_standard", "good_bow", "员工 鞠躬 9° · 标准"),
        ("bow", "customer", "too_shallow", None, None),  # customers are not coached
        (
            "posture",
            "staff",
            "off_standard",
            "posture_lapse",
            "员工 站姿 12.0 秒 · 不规范 · 倚靠或歪斜",
        ),
    ],
)
def test_which_events_get_a_clip_and_what_it_says(
    kind: str, role: str, verdict: str | None, reason: str | None, caption: str | None
) -> None:
    event = _event(kind, role, verdict)
    assert wanted(event) == reason
    if caption is not None:
        assert describe(event).startswith(caption)
    assert wanted(_event(kind, role, verdict, Phase.START)) is None
    assert wanted(event, ["missed_greeting"]) == (reason if reason == "missed_greeting" else None)


def test_a_staff_bow_clip_from_real_frames_names_its_verdict(tmp_path: Path) -> None:
    """har_stand (a man standing still, treated as staff) with a bow event: the clip starts
    pre_s before the event, ends post_s after it, and its caption is drawn on every frame."""
    perception = OnnxPerception(PerceptionConfig(), OnnxNetwork)
    source = open_source(str(VIDEO / "har_stand.mp4"))
    frames = [(frame, perception.process(frame)) for frame in source.frames()]
    written: list[NewClip] = []
    recorder = ClipRecorder(
        ClipWriter(tmp_path, [], min_free_mb=0),
        face_blurrer(),
        ClipConfig(),
        on_clip=written.append,
    )
    bow = _event("bow", "staff", "too_shallow").model_copy(
        update={"start": frames[40][0].timestamp, "end": frames[50][0].timestamp}
    )
    staff = PersonRules(2.0, 1.0, "gravity", Role.STAFF, "test", None)
    for index, (frame, result) in enumerate(frames):
        people = {int(t): staff for t in result.people.track_ids}
        recorder.add(frame.image, result, people, [bow] if index == 50 else [])
    recorder.close()
    assert [c.reason for c in written] == ["bow_off_standard"]
    clip = written[0]
    assert clip.summary == "员工 鞠躬 9° · 幅度不够"
    assert (tmp_path / clip.file).with_suffix(".jpg").is_file()  # its poster
    assert clip.file.startswith("bow_off_standard_")
    first, last = frames[0][0].timestamp, frames[-1][0].timestamp
    assert clip.clip_start == pytest.approx(max(first, bow.start - 3.0), abs=0.05)
    assert clip.clip_start + clip.duration_s == pytest.approx(min(last, bow.end + 3.0), abs=0.1)
    # The caption sits on a darkened band across the top of every frame.
    band = slice(0, 20)
    with av.open(str(tmp_path / clip.file)) as container:
        pictures = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    originals = [frame.image for frame, _ in frames if frame.timestamp >= clip.clip_start - 1e-6]
    for picture, original in zip(pictures, originals, strict=False):
        assert picture[band].mean() < 0.7 * original[band].mean()
