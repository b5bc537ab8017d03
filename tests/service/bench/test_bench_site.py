"""`etiquette bench-site` for a few seconds: one camera replaying a shared clip through the
live service; the report's shape, and frames offered and processed (no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from etiquette.service.bench.site_clips import HEIGHT, WIDTH, ping_pong, prepare_clips
from etiquette.service.cli.main import main
from etiquette.vision.sources import VideoFileSource
from tests.conftest import SHARED_DATA

CAMERA_KEYS = {
    "clip",
    "frames_offered",
    "frames_processed",
    "fps_offered",
    "fps_processed",
    "result_latency_ms",
    "prompts",
    "prompt_latency_p95_ms",
    "events",
    "cpu_s",
    "cpu_share",
    "rss_mb",
    "pss_mb",
}


def test_ping_pong_loops_without_a_jump() -> None:
    frames = [np.full((1, 1, 3), value, np.uint8) for value in range(4)]
    assert [int(f[0, 0, 0]) for f in ping_pong(frames)] == [0, 1, 2, 3, 2, 1]


@pytest.mark.real_data
def test_each_camera_gets_its_own_clip_or_start(tmp_path: Path) -> None:
    clips = prepare_clips(3, SHARED_DATA, tmp_path)
    assert [c.source for c in clips] == [
        "openpose_street_walk.avi",
        "ntu_hug.mp4",
        "openpose_street_walk.avi",
    ]
    assert clips[0].offset_s == 0 < clips[2].offset_s
    assert all(c.path.parent == tmp_path for c in clips)
    source = VideoFileSource(clips[1].path)
    first = next(source.frames())
    source.close()
    assert first.image.shape == (HEIGHT, WIDTH, 3) == (720, 1280, 3)
    assert source.fps() == pytest.approx(10.0)


@pytest.mark.real_data
def test_one_camera_for_a_few_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["bench-site", "--cameras", "1", "--seconds", "3", "--warmup", "1", "--no-peer"]
    assert main([*args, "--data", str(SHARED_DATA)]) == 0
    report = json.loads(capsys.readouterr().out)
    print(f"\n{report}")
    assert report["offered_fps"] == 10.0
    assert report["largest_cameras_holding"] is None  # only --search says
    assert report["peer"] is None
    assert report["clips"]["cam1"].startswith("openpose_street_walk.avi")
    (run,) = report["runs"]
    assert run["cameras_run"] == 1
    camera = run["cameras"]["cam1"]
    assert set(camera) == CAMERA_KEYS
    assert camera["frames_offered"] >= camera["frames_processed"] > 0
    assert camera["result_latency_ms"]["samples"] > 0
    assert camera["rss_mb"] > 0 and camera["cpu_s"] > 0
    assert run["machine"]["cores"] >= 1
    assert run["machine"]["service_memory"]["rss_mb"] > 0
