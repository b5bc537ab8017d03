"""Coaching clips from the bundled sample: one per missed greeting, H.264 with the index in
front, a few seconds around the event, playable by a decoder."""

from __future__ import annotations

import json
from pathlib import Path

import av

from calibration.camera_file import load_camera
from service.analyze import analyze
from service.demo import DEMO_CAMERA, DEMO_SAMPLE


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
