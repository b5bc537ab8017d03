"""Frame sources and their errors on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etiquette.vision.sources import ImageFolderSource, SourceError, open_source
from tests.conftest import PEOPLE, VIDEO

pytestmark = pytest.mark.real_data  # reads ../shared/data


def test_video_timestamps_come_from_the_stream() -> None:
    source = open_source(str(VIDEO / "intel_one_by_one.mp4"))
    frames = [f for _, f in zip(range(3), source.frames(), strict=False)]
    assert [round(f.timestamp, 3) for f in frames] == [0.0, 0.1, 0.2]
    assert frames[0].image.shape == (432, 768, 3)
    assert source.frame_count() == 1394


def test_image_folder(tmp_path: Path) -> None:
    for name in ("mmpose_mhp_10112.jpg", "standing_coco241.jpg"):
        shutil.copy(PEOPLE / name, tmp_path / name)
    source = open_source(str(tmp_path))
    assert isinstance(source, ImageFolderSource)
    frames = list(source.frames())
    assert len(frames) == 2
    assert frames[1].timestamp > frames[0].timestamp


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.mp4", "no such file or folder; check the path"),
        ("http://camera/stream", "unsupported URL scheme 'http://'"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        open_source(spec)


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(SourceError, match="the file is empty"):
        open_source(str(empty))


def test_corrupt_file(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x01 this is not a video " * 500)
    with pytest.raises(SourceError, match="not a readable video"):
        open_source(str(corrupt))


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no images"):
        open_source(str(tmp_path))


def test_truncated_video_keeps_what_was_read(tmp_path: Path) -> None:
    original = (VIDEO / "intel_asl_thanks.mkv").read_bytes()
    truncated = tmp_path / "truncated.mkv"
    truncated.write_bytes(original[: len(original) // 2])
    source = open_source(str(truncated))
    frames = list(source.frames())
    full = sum(1 for _ in open_source(str(VIDEO / "intel_asl_thanks.mkv")).frames())
    assert 0 < len(frames) < full
    assert source.stopped_early is not None
    assert f"frame {len(frames)}" in source.stopped_early


def test_unreachable_rtsp_camera() -> None:
    with pytest.raises(SourceError, match="cannot connect"):
        open_source("rtsp://127.0.0.1:9/nothing")


def test_a_refused_url_is_named_without_its_password() -> None:
    with pytest.raises(SourceError) as refused:
        open_source("http://admin:s3cret@10.0.0.5/stream")
    assert "s3cret" not in str(refused.value) and "admin:***@" in str(refused.value)
