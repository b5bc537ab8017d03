"""A full disk pauses clip writing instead of crashing the camera: on a real (tiny) tmpfs the
H.264 writer fails with ENOSPC, the recorder skips the clip, says why, leaves no partial file
and resumes once space is free again. Also the clips.min_free_mb threshold.

Mounting needs root (as in CI).
"""

from __future__ import annotations

import dataclasses
import errno
import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from etiquette.models.runtime import OnnxNetwork
from etiquette.rules.events import MissedValues, Phase
from etiquette.service.clips import recorder as clips
from etiquette.service.clips.config import ClipConfig
from etiquette.service.clips.recorder import ClipRecorder, ClipWriter
from etiquette.service.media.privacy import face_blurrer
from etiquette.service.offline.demo import DEMO_SAMPLE
from etiquette.service.store.models import NewClip
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.frame import FrameResult
from etiquette.vision.pipeline import OnnxPerception
from etiquette.vision.sources import Frame, open_source
from tests.factories import event as make_event

SAMPLE = DEMO_SAMPLE
FIRST, COUNT = 60, 70  # 7 s at 10 fps; a person walks in from about frame 70
EVENT_AT, EVENT_LENGTH = 40, 10  # frame indexes (within the slice) of the event's end
CONFIG = ClipConfig(pre_s=2.0, post_s=2.0)  # a clip: frames 10..60, about 90 kB of H.264
ROUND_S = 1000.0  # each round of footage is shifted this far in time
DISK_BYTES = 512 * 1024
LEFT_FREE = 32 * 1024  # far less than one clip


@dataclasses.dataclass
class Seen:
    """What the recorder reported."""

    clips: list[NewClip] = dataclasses.field(default_factory=list)
    pauses: list[str | None] = dataclasses.field(default_factory=list)


@pytest.fixture(scope="module")
def footage() -> list[tuple[Frame, FrameResult]]:
    perception = OnnxPerception(PerceptionConfig(), OnnxNetwork)
    source = open_source(str(SAMPLE))
    try:
        frames = list(itertools.islice(source.frames(), FIRST, FIRST + COUNT))
        seen = [(frame, perception.process(frame)) for frame in frames]
    finally:
        source.close()
    assert len(seen) == COUNT
    assert sum(len(result.people) > 0 for _, result in seen) > COUNT // 2
    return seen


def play(recorder: ClipRecorder, footage: list[tuple[Frame, FrameResult]], round_: int) -> None:
    """Feed the footage, shifted in time, with one missed greeting ending at EVENT_AT; the
    clip is complete (and written) within the footage."""
    shift = round_ * ROUND_S
    stamps = [frame.timestamp + shift for frame, _ in footage]
    event = make_event(
        type="greeting_missed",
        phase=Phase.END,
        track=1,
        role="customer",
        start=stamps[EVENT_AT - EVENT_LENGTH],
        end=stamps[EVENT_AT],
        values=MissedValues(customers=1, staff_present=False),
    )
    for i, (frame, result) in enumerate(footage):
        shifted = dataclasses.replace(result, timestamp=stamps[i])
        recorder.add(frame.image, shifted, {}, [event] if i == EVENT_AT else [])
    recorder.close()  # waits for a background writer


def recorder_for(folder: Path, seen: Seen, background: bool, min_free_mb: float) -> ClipRecorder:
    return ClipRecorder(
        ClipWriter(folder, outlines=[], min_free_mb=min_free_mb),
        face_blurrer(),
        CONFIG,
        on_clip=seen.clips.append,
        on_pause=seen.pauses.append,
        background=background,
    )


def mp4_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.mp4"))


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(container.streams.video[0]))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 kB tmpfs, nearly filled by a ``filler`` file."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs (this test needs root): {mounted.stderr.strip()}")
    try:
        free = shutil.disk_usage(mount_point).free
        with (mount_point / "filler").open("wb") as filler:
            filler.write(b"\0" * (free - LEFT_FREE))
        assert shutil.disk_usage(mount_point).free <= LEFT_FREE
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


@pytest.mark.parametrize("background", [False, True], ids=["inline", "background"])
def test_a_full_disk_pauses_clips_until_space_is_free(
    small_disk: Path,
    footage: list[tuple[Frame, FrameResult]],
    monkeypatch: pytest.MonkeyPatch,
    background: bool,
) -> None:
    folder = small_disk / "clips"
    seen = Seen()
    recorder = recorder_for(folder, seen, background, min_free_mb=0)

    # The disk fills up while the clip is written: ENOSPC from the encoder's output.
    play(recorder, footage, 1)
    assert seen.clips == []
    assert recorder.skipped == 1
    assert len(seen.pauses) == 1
    reason = seen.pauses[0]
    assert reason is not None and "disk is full" in reason
    assert os.strerror(errno.ENOSPC) in reason
    assert recorder.paused == reason
    assert list(folder.rglob("*")) == []  # no .part.mp4 (nor anything else) left behind

    # Space is freed, but the recorder only looks again after RECHECK_DISK_S: skipped.
    (small_disk / "filler").unlink()
    play(recorder, footage, 2)
    assert seen.clips == []
    assert recorder.skipped == 2
    assert seen.pauses == [reason]
    assert mp4_files(folder) == []

    # Once the recheck is due, writing resumes: on_pause(None), then the clip.
    monkeypatch.setattr(clips, "RECHECK_DISK_S", 0.0)
    play(recorder, footage, 3)
    assert seen.pauses == [reason, None]
    assert recorder.paused is None
    assert recorder.skipped == 2
    assert len(seen.clips) == 1
    written = seen.clips[0]
    path = folder / written.file
    assert mp4_files(folder) == [path]
    assert not path.name.endswith(".part.mp4")
    assert path.stat().st_size == written.size_bytes > LEFT_FREE
    assert 45 <= decoded_frames(path) <= 55  # frames 10..60 of the footage

    # Filling the disk again pauses again (a new alert, since writing had resumed).
    with (small_disk / "filler").open("wb") as filler:
        filler.write(b"\0" * (shutil.disk_usage(small_disk).free - LEFT_FREE))
    play(recorder, footage, 4)
    assert len(seen.pauses) == 3 and seen.pauses[2] is not None
    assert "disk is full" in seen.pauses[2]
    assert len(seen.clips) == 1 and recorder.skipped == 3
    assert mp4_files(folder) == [path]
    assert list(folder.rglob("*.part.mp4")) == []


def test_less_free_space_than_min_free_mb_pauses(
    tmp_path: Path, footage: list[tuple[Frame, FrameResult]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "clips"
    free_mb = shutil.disk_usage(tmp_path).free / 1e6
    seen = Seen()
    recorder = recorder_for(folder, seen, background=False, min_free_mb=free_mb + 1000)

    play(recorder, footage, 1)
    assert seen.clips == []
    assert recorder.skipped == 1
    assert len(seen.pauses) == 1
    reason = seen.pauses[0]
    assert reason is not None and "clips.min_free_mb" in reason
    assert f"({free_mb + 1000:.0f} MB)" in reason
    assert recorder.paused == reason
    assert list(folder.rglob("*")) == []

    # With the threshold lowered (and the recheck due), clips are written again.
    monkeypatch.setattr(clips, "RECHECK_DISK_S", 0.0)
    recorder.writer.min_free_mb = 0.0
    play(recorder, footage, 2)
    assert seen.pauses == [reason, None]
    assert len(seen.clips) == 1
    assert mp4_files(folder) == [folder / seen.clips[0].file]
