"""A camera file used with frames of another size (issue 11, defect #13): refused, saying
which file, both sizes and what to do, by `etiquette analyze` (exit code 2, nothing lost)
and by the live service (the camera shown not working, and why); the same picture at another
resolution (the same aspect ratio) is measured with the calibration scaled."""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
import yaml

from etiquette.calibration.camera_file import CameraFile, Floor, Intrinsics, load_camera
from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.projection import FloorProjection
from etiquette.service.cli.main import main
from etiquette.service.store.events import EventStore
from tests.live_service import SAMPLES, free_port, running_service, sample_site

SAMPLE = SAMPLES / "intel_one_by_one.mp4"
SAMPLE_CAMERA = SAMPLES / "intel_one_by_one.camera.yaml"
FIRST, FRAMES = 60, 40  # a person walks in from about 6 s (the sample is 10 fps, 768x432)


def _sample_frames(scale: float = 1.0) -> list[np.ndarray]:
    """BGR frames of the sample (a short stretch with a person), resized by ``scale``."""
    capture = cv2.VideoCapture(str(SAMPLE))
    capture.set(cv2.CAP_PROP_POS_FRAMES, FIRST)
    frames = []
    for _ in range(FRAMES):
        ok, image = capture.read()
        assert ok, "cannot read the bundled sample"
        if scale != 1.0:
            size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        frames.append(image)
    capture.release()
    return frames


def _clip(path: Path, frames: list[np.ndarray]) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10.0, (width, height))
    for image in frames:
        writer.write(image)
    writer.release()
    return path


def _camera_file(path: Path, size: list[int], scale: float = 1.0) -> Path:
    """The sample's camera file claiming ``size``; with ``scale``, its pixels scaled (the
    same calibration, made at another resolution)."""
    data = yaml.safe_load(SAMPLE_CAMERA.read_text())
    data["image_size"] = size
    if scale != 1.0:
        homography = np.asarray(data["floor"]["homography"]) @ np.diag([1 / scale, 1 / scale, 1])
        data["floor"]["homography"] = homography.tolist()
        for point in data["floor"]["points"]:
            point["u"], point["v"] = point["u"] * scale, point["v"] * scale
    path.write_text(yaml.safe_dump(data))
    return path


def _floors(tracks: Path) -> list[list[float] | None]:
    records = [json.loads(line) for line in tracks.read_text().splitlines()]
    return [person["floor"] for record in records for person in record["people"]]


def test_analyze_refuses_a_camera_file_for_another_image_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = _clip(tmp_path / "lobby.mp4", _sample_frames())
    camera = _camera_file(tmp_path / "other.camera.yaml", [640, 480])
    out = tmp_path / "out"
    out.mkdir()
    (out / "tracks.jsonl").write_text("an earlier run's tracks\n")
    code = main(["analyze", str(video), "--out", str(out), "--camera", str(camera)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    [line] = err
    assert str(camera) in line and "640x480" in line and "768x432" in line
    assert "re-calibrate" in line and "camera file made for" in line
    # Refused at the first frame, before anything was written: the earlier run is intact.
    assert (out / "tracks.jsonl").read_text() == "an earlier run's tracks\n"
    assert not (out / "events.jsonl").exists()


def test_analyze_stops_where_the_frames_change_size_and_keeps_what_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    frames = _sample_frames()[:5] + [cv2.resize(f, (640, 480)) for f in _sample_frames()[:3]]
    for index, image in enumerate(frames):
        cv2.imwrite(str(folder / f"{index:03d}.png"), image)
    out = tmp_path / "out"
    code = main(["analyze", str(folder), "--out", str(out), "--camera", str(SAMPLE_CAMERA)])
    assert code == 2
    line = capsys.readouterr().err.strip()
    assert str(SAMPLE_CAMERA) in line and "640x480" in line and "768x432" in line
    assert "frame 5" in line
    assert len((out / "tracks.jsonl").read_text().splitlines()) == 5


def test_analyze_scales_a_camera_file_made_at_another_resolution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = _clip(tmp_path / "lobby.mp4", _sample_frames())
    same = tmp_path / "same"
    assert main(["analyze", str(video), "--out", str(same), "--camera", str(SAMPLE_CAMERA)]) == 0
    # The calibration made at twice the resolution (1536x864) gives the same floor positions.
    double = _camera_file(tmp_path / "double.camera.yaml", [1536, 864], scale=2.0)
    scaled = tmp_path / "scaled"
    assert main(["analyze", str(video), "--out", str(scaled), "--camera", str(double)]) == 0
    expected, found = _floors(same / "tracks.jsonl"), _floors(scaled / "tracks.jsonl")
    assert sum(f is not None for f in expected) >= 10, "nobody on the floor in this stretch"
    assert [f is None for f in found] == [f is None for f in expected]
    pairs = [(e, f) for e, f in zip(expected, found, strict=True) if e and f]
    assert np.allclose([e for e, _ in pairs], [f for _, f in pairs], atol=1e-3)
    assert "scaled" in capsys.readouterr().err  # said once, as a note


def test_scaling_keeps_the_floor_under_every_pixel_with_lens_distortion() -> None:
    from etiquette.calibration.image_size import fit_to_frames

    camera = CameraFile(
        image_size=[1280, 720],
        intrinsics=Intrinsics(
            fx=900.0, fy=905.0, cx=650.0, cy=350.0, distortion=[-0.25, 0.07, 0.001, 0.0, -0.01]
        ),
        floor=Floor(homography=[[0.004, 0.0, -2.6], [0.0, 0.001, 1.2], [0.0, 0.0012, -0.3]]),
    )
    pixels = np.array([[100.0, 700.0], [640.0, 500.0], [1200.0, 650.0], [300.0, 400.0]])
    original = FloorProjection.from_camera(camera, camera.floor).to_floor(pixels)  # type: ignore[arg-type]
    small = fit_to_frames(camera, 640, 360, camera_file="cam.yaml", source="rtsp://cam")
    assert small.image_size == [640, 360]
    floor = small.floor
    assert floor is not None
    scaled = FloorProjection.from_camera(small, floor).to_floor(pixels / 2)
    assert np.allclose(original, scaled, atol=1e-6)
    assert fit_to_frames(camera, 1280, 720, camera_file="cam.yaml", source="x") is camera
    with pytest.raises(CalibrationError, match=r"cam\.yaml is for 1280x720 .* 640x480"):
        fit_to_frames(camera, 640, 480, camera_file="cam.yaml", source="rtsp://cam")


def test_the_live_service_shows_a_camera_with_the_wrong_camera_file_as_not_working(
    tmp_path: Path,
) -> None:
    camera_file = tmp_path / "cameras" / "lobby.yaml"  # the demo site's camera file
    camera_file.parent.mkdir(parents=True)
    _camera_file(camera_file, [640, 480])
    site = sample_site(tmp_path, free_port())
    with running_service(site, ("viewer",)) as (address, tokens):
        headers = {"Authorization": f"Bearer {tokens['viewer']}"}
        with httpx.Client(base_url=f"http://{address}", headers=headers) as client:
            deadline, camera, seen_online = time.time() + 60, {}, False
            while time.time() < deadline:
                camera = client.get("/api/cameras").json()[0]
                seen_online |= camera["online"]
                if camera["error"] and "640x480" in camera["error"]:
                    break
                time.sleep(0.3)
            assert not seen_online and not camera["online"]
            assert str(camera_file) in camera["error"] and "768x432" in camera["error"]
            health = client.get("/health")
            assert health.status_code == 503
            [problem] = health.json()["problems"]
            assert "lobby" in problem and "640x480" in problem and "re-calibrate" in problem
            time.sleep(3)  # it stays so (retried with backoff), and measures nothing
            assert not client.get("/api/cameras").json()[0]["online"]
    with EventStore(site.database_url()) as store:
        assert store.events(limit=10) == []
    # The right camera file again: the camera works and the problem is gone.
    camera_file.write_text(SAMPLE_CAMERA.read_text())
    with running_service(site, ("admin",)) as (address, tokens):  # a new token's name
        headers = {"Authorization": f"Bearer {tokens['admin']}"}
        with httpx.Client(base_url=f"http://{address}", headers=headers) as client:
            deadline = time.time() + 60
            while time.time() < deadline and not client.get("/api/cameras").json()[0]["online"]:
                time.sleep(0.3)
            assert client.get("/api/cameras").json()[0]["online"]
            assert client.get("/health").status_code == 200
    assert load_camera(camera_file).image_size == [768, 432]
