"""The `etiquette` command line on real clips and on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from etiquette.service.cli.main import main
from tests.conftest import VIDEO

pytestmark = pytest.mark.real_data  # reads ../shared/data

TRACKS_KEYS = {"frame", "t", "people"}
PERSON_KEYS = {
    "id",
    "bbox",
    "score",
    "keypoints",
    "world",
    "hands",
    "trunk_deg",
    "floor",
    "role",
    "role_reason",
    "posture",
}


def test_analyze_writes_tracks_and_a_browser_playable_video(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "analyze",
            str(VIDEO / "intel_asl_thanks.mkv"),
            "--out",
            str(tmp_path),
            "--annotate",
            "--hands",
            "always",
        ]
    )
    assert code == 0
    assert "wrote" in capsys.readouterr().out
    lines = (tmp_path / "tracks.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    frames = sum(1 for _ in av.open(str(VIDEO / "intel_asl_thanks.mkv")).decode(video=0))
    assert len(records) == frames
    assert [r["frame"] for r in records] == list(range(frames))
    assert all(set(r) == TRACKS_KEYS for r in records)
    assert records[1]["t"] > records[0]["t"]
    people = [p for r in records for p in r["people"]]
    assert len(people) >= 0.8 * frames
    for person in people:
        assert set(person) == PERSON_KEYS
        assert person["floor"] is None  # no camera file given
        assert len(person["bbox"]) == 4
        assert len(person["keypoints"]) == 33 and len(person["keypoints"][0]) == 3
        assert person["world"] is None or len(person["world"]) == 33
        for hand in person["hands"]:
            assert hand["side"] in {"left", "right"}
            assert len(hand["keypoints"]) == 21
    assert any(p["hands"] for p in people), "the signer's flat hand was never found"

    video = tmp_path / "annotated.mp4"
    head = video.read_bytes()[:4096]
    assert head.find(b"moov") != -1, "the index (moov) must be at the front for streaming"
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert sum(1 for _ in container.decode(stream)) == frames


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("does-not-exist.mp4", "no such file or folder"),
        ("ftp://camera/stream", "unsupported URL scheme"),
        ("rtsp://127.0.0.1:9/none", "cannot connect"),
    ],
)
def test_bad_sources_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, message: str
) -> None:
    assert main(["analyze", source, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert error.startswith("etiquette: error: ") and message in error


def test_corrupt_video_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(bytes(range(256)) * 64)
    assert main(["analyze", str(corrupt), "--out", str(tmp_path / "out")]) == 2
    assert "not a readable video" in capsys.readouterr().err


def test_truncated_video_keeps_frames_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (VIDEO / "intel_asl_thanks.mkv").read_bytes()
    truncated = tmp_path / "cut.mkv"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    assert main(["analyze", str(truncated), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "truncated" in err
    assert len((tmp_path / "out" / "tracks.jsonl").read_text().splitlines()) > 10


def test_bench_prints_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", str(VIDEO / "har_stand.mp4"), "--frames", "30"]) == 0
    report = json.loads(capsys.readouterr().out)
    ours, peer = report["ours"], report["peer"]
    assert set(ours["median_ms"]) == {"decode", "proposals", "landmarks", "hands", "tracking"}
    assert ours["frames"] == peer["frames"] == 30
    assert ours["person_frames"] == 30
    assert report["fps_ratio"] == pytest.approx(ours["fps"] / peer["fps"], rel=0.02)
    assert 0 < ours["peak_rss_mb"] < 2000


def test_unreadable_image_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "000.jpg").write_bytes(b"not a jpeg")
    assert main(["analyze", str(tmp_path / "frames"), "--out", str(tmp_path / "out")]) == 2
    assert "not a readable image" in capsys.readouterr().err


def test_output_that_is_a_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken = tmp_path / "taken"
    taken.write_text("x")
    assert main(["analyze", str(VIDEO / "har_stand.mp4"), "--out", str(taken)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("etiquette: error: ") and len(error.splitlines()) == 1


def test_missing_model_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from etiquette.models import runtime

    monkeypatch.setattr(runtime, "MODELS_DIR", tmp_path / "nothing")
    assert main(["analyze", str(VIDEO / "har_stand.mp4"), "--out", str(tmp_path / "o")]) == 2
    assert "rerun the build" in capsys.readouterr().err


@pytest.mark.parametrize("flag", [["--threads", "0"], ["--threads", "two"]])
def test_bad_numbers_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", str(VIDEO / "har_stand.mp4"), "--out", str(tmp_path), *flag])
    assert exit_info.value.code == 2
    assert "--threads" in capsys.readouterr().err


def test_bad_truth_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = tmp_path / "truth.json"
    truth.write_text('{"visible": "all of them"}')
    assert main(["bench", str(VIDEO / "har_stand.mp4"), "--no-peer", "--truth", str(truth)]) == 2
    assert "not a truth file" in capsys.readouterr().err
