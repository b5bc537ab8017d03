"""Coaching clips from the live service: the runner writes them from the bundled sample, the
store indexes them, the API serves, marks and exports them, the clips page plays them in
Debian's headless Chromium, and the report's worst moments link to them."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from playwright.sync_api import Browser

from etiquette.service.config import SiteConfig
from etiquette.service.offline.demo import demo_site
from etiquette.service.server import Service
from tests.live_service import free_port, running_service
from tests.service.api.test_pages import browser

__all__ = ["browser"]  # the Chromium fixture, shared with the other page tests
SPEED = 3.0


class Running:
    def __init__(self, site: SiteConfig, address: str, tokens: dict[str, str]) -> None:
        self.site, self.address, self.tokens = site, address, tokens

    def get(self, path: str, role: str = "viewer", **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **kwargs.pop("headers", {})}
        return httpx.get(f"http://{self.address}{path}", headers=headers, timeout=30, **kwargs)

    def put(self, path: str, body: object, role: str = "viewer") -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.put(f"http://{self.address}{path}", json=body, headers=headers, timeout=30)

    def wait_for(self, path: str, enough: int, timeout_s: float) -> list[dict[str, Any]]:
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            found: list[dict[str, Any]] = self.get(path).json()
            if len(found) >= enough:
                return found
            time.sleep(1.0)
        raise AssertionError(f"{path}: fewer than {enough} after {timeout_s:.0f} s")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The sample replayed once at 3x; the first customers go ungreeted (nobody is staff)."""
    folder = tmp_path_factory.mktemp("clips-service")
    site = demo_site(folder, free_port(), speed=SPEED, loop=False)
    with running_service(site, ("viewer", "earpiece")) as (address, tokens):
        running = Running(site, address, tokens)
        running.wait_for("/api/clips", 2, timeout_s=90)
        yield running


def test_clips_are_written_indexed_and_linked_to_their_events(service: Running) -> None:
    clips = service.get("/api/clips").json()
    events = {e["id"]: e for e in service.get("/api/events?type=greeting_missed").json()}
    for clip in clips:
        assert clip["reason"] == "missed_greeting"
        assert clip["event_id"] in events, clip
        assert events[clip["event_id"]]["event"]["start"] == pytest.approx(clip["event_start"])
        assert clip["file"].startswith("lobby/")
        path = service.site.clips_dir() / clip["file"]
        assert path.stat().st_size == clip["size_bytes"]
        assert path.read_bytes()[:4096].find(b"moov") != -1  # index in front: streams at once
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            frames = sum(1 for _ in container.decode(stream))
        # 3 s before the arrival, the 3 s window, 3 s after, at 10 fps: 9 s.
        assert 7.5 <= clip["duration_s"] <= 10.5
        assert frames >= 60, (clip["file"], frames)
    assert not list(service.site.clips_dir().rglob("*.part.mp4"))


def test_video_is_served_with_byte_ranges_and_as_a_download(service: Running) -> None:
    clip = service.get("/api/clips").json()[0]
    whole = service.get(f"/api/clips/{clip['id']}/video")
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    assert len(whole.content) == clip["size_bytes"]
    part = service.get(f"/api/clips/{clip['id']}/video", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 0-99/{clip['size_bytes']}"
    assert part.content == whole.content[:100]
    download = service.get(f"/api/clips/{clip['id']}/video?download=true")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert service.get("/api/clips/999999").status_code == 404
    assert service.get("/api/clips/999999/video").status_code == 404


def test_filters_marks_and_roles(service: Running) -> None:
    clips = service.get("/api/clips").json()
    first = clips[0]
    assert service.get("/api/clips?reason=good_bow").json() == []
    assert len(service.get("/api/clips?camera=lobby").json()) == len(clips)
    oldest = clips[-1]  # newest first
    later = service.get(f"/api/clips?since={oldest['event_start'] + 0.001}").json()
    assert {c["id"] for c in later} == {c["id"] for c in clips[:-1]}
    assert service.get("/api/clips?reason=nonsense").status_code == 422
    denied = service.put(f"/api/clips/{first['id']}/training", {"training": True}, "earpiece")
    assert denied.status_code == 403
    marked = service.put(f"/api/clips/{first['id']}/training", {"training": True})
    assert marked.status_code == 200 and marked.json()["training"] is True
    marker = service.site.clips_dir() / f"{first['file']}.keep"
    assert marker.is_file()  # survives the index: an emptied database sweeps no kept clip
    kept = service.get("/api/clips?training=true").json()
    assert [c["id"] for c in kept] == [first["id"]]
    assert service.put(f"/api/clips/{first['id']}/training", {"keep": 1}).status_code == 422
    assert service.put("/api/clips/999999/training", {"training": True}).status_code == 404
    service.put(f"/api/clips/{first['id']}/training", {"training": False})
    assert not marker.exists()
    assert httpx.get(f"http://{service.address}/api/clips").status_code == 401


def test_export_zip_holds_the_chosen_clips_and_an_index(service: Running) -> None:
    clips = service.get("/api/clips").json()[:2]
    ids = "&".join(f"ids={c['id']}" for c in clips)
    response = service.get(f"/api/clips/export.zip?{ids}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        index = archive.read("index.csv").decode("utf-8").splitlines()
        for clip in clips:
            packed = next(n for n in names if n.startswith(f"{clip['id']:06d}_"))
            assert archive.getinfo(packed).file_size == clip["size_bytes"]
    assert len(index) == 1 + len(clips) and index[0].startswith("id,camera,reason")
    assert service.get("/api/clips/export.zip").status_code == 422  # no ids
    deadline = time.time() + 5  # the zip is deleted once it has been sent
    while list((service.site.storage.data_dir / "exports").glob("*.zip")):
        assert time.time() < deadline, "the export's zip was not deleted"
        time.sleep(0.1)


def test_report_worst_moments_link_to_clips(service: Running) -> None:
    clips = service.get("/api/clips").json()
    start = min(c["clip_start"] for c in clips) - 60
    report = service.get(f"/api/report?start={start}&end={time.time() + 60}&format=json").json()
    clip_of_event = {c["event_id"]: c["id"] for c in clips}
    linked = [m for m in report["worst"] if m["clip_id"] is not None]
    assert linked, report["worst"]
    for moment in report["worst"]:
        assert moment["clip_id"] == clip_of_event.get(moment["event_id"]), moment


def test_clips_page_plays_a_clip_and_report_page_links_to_it(
    service: Running, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"http://{service.address}/clips?token={service.tokens['viewer']}")
    page.wait_for_selector("#clips li img.thumb", timeout=15000)
    page.click("#clips li img.thumb")
    page.wait_for_function(
        "(() => { const v = document.getElementById('video');"
        " return v.readyState >= 2 && v.duration > 0 && !v.error; })()",
        timeout=20000,
    )
    duration = page.evaluate("document.getElementById('video').duration")
    page.evaluate("document.getElementById('video').play()")
    page.wait_for_function("document.getElementById('video').currentTime > 0.5", timeout=20000)
    assert page.evaluate("document.getElementById('video').error") is None
    assert 7.0 <= duration <= 11.0
    page.click("#clips li input.keep")
    page.wait_for_function(
        "document.getElementById('status').textContent.includes('已保留用于培训')"
    )
    page.screenshot(path=str(tmp_path / "clips.png"))

    report = browser.new_page()
    report.on("pageerror", lambda error: errors.append(str(error)))
    report.goto(f"http://{service.address}/report?token={service.tokens['viewer']}")
    report.wait_for_selector("select[name=post]")
    # The whole day: the page's default shift (08:30-17:30) holds the demo's events only
    # when the test runs inside those hours.
    report.fill("input[name=start]", "00:00")
    report.fill("input[name=end]", "23:59")
    report.click("button[type=submit]")
    frame = report.frame_locator("#report")
    link = frame.locator("a[href*='/clips?clip=']").first
    link.wait_for(timeout=30000)
    assert "token=" in (link.get_attribute("href") or "")
    assert "未迎宾" in (frame.locator("body").text_content() or "")
    report.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    link.click()
    report.wait_for_url("**/clips?clip=*", timeout=15000)
    report.wait_for_function(
        "(() => { const v = document.getElementById('video');"
        " return v.readyState >= 1 && v.duration > 0 && !v.error; })()",
        timeout=20000,
    )
    assert errors == []
    print(f"\nclip of {duration:.2f} s played; screenshots in {tmp_path}")


def test_a_full_disk_pauses_clips_with_an_alert_and_the_camera_keeps_running(
    tmp_path: Path,
) -> None:
    site = demo_site(tmp_path, free_port(), speed=SPEED, loop=False)
    # More free space than any disk has: every clip must be refused, nothing must break.
    site.clips = site.clips.model_copy(update={"min_free_mb": 1e12})
    started: list[Service] = []
    with running_service(site, ("viewer",), started) as (address, tokens):
        running = Running(site, address, tokens)
        deadline = time.time() + 60
        camera: dict[str, Any] = {}
        while time.time() < deadline:
            camera = running.get("/api/cameras").json()[0]
            if camera["clips_paused"]:
                break
            time.sleep(0.5)
        assert "clips.min_free_mb" in (camera["clips_paused"] or ""), camera
        assert camera["online"], camera
        running.wait_for("/api/events?type=greeting_missed", 2, timeout_s=60)
        assert running.get("/api/cameras").json()[0]["online"]
        assert running.get("/api/clips").json() == []
        assert 'etiquette_clips_paused{camera="lobby"} 1.0' in running.get("/metrics").text
        assert started[0].supervisor.restarts.get("lobby", 0) == 0
    assert not list(site.clips_dir().rglob("*.mp4"))
