"""`etiquette bench-clips` on the bundled sample: the figures it reports are measured."""

from __future__ import annotations

import json

import pytest

from etiquette.service.cli.main import main


def test_bench_clips_measures_the_ring_buffer_and_a_written_clip(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The first customer is not greeted: arrival ~7.5 s, window 3 s, post-roll 3 s (10 fps).
    assert main(["bench-clips", "--frames", "180"]) == 0
    report = json.loads(capsys.readouterr().out)
    print(f"\n{report}")
    assert report["frames"] == 180
    assert report["median_ms"]["perception_and_rules"] > 0
    assert report["median_ms"]["ring_buffer"] > 0
    assert 0 < report["ring_buffer_share"] < 1
    assert report["clips"] == 1
    assert report["clip_write_ms"]["median"] > 0
    assert report["ring_buffer_s"] == pytest.approx(17.9, abs=0.2)  # 180 frames at 10 fps
