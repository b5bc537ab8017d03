"""The manager's dashboard in a real headless Chromium: today's figures from known events, words
instead of ids, coloured results, filters, clips, alerts, sizes from a phone to a desktop; and
the bundled sample playing live."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from etiquette.service.api.today import site_day
from etiquette.service.cameras.runner import SpawnRunner
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import CameraHealth
from etiquette.service.media.video import Mp4Writer
from etiquette.service.server import Service
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import NewClip
from tests import factories
from tests.live_service import free_port, running_service, sample_site
from tests.service.api.calibration_page import chromium

SHOTS = Path("/tmp/dashboard-shots")
SIZES = {"desktop": (1440, 900), "tablet": (768, 1024), "phone": (390, 844)}
# Ids a person must never read, and a float printed as it is stored.
IDS = ("greeting_missed", "customer_arrived", "greeting_prompt", "door_post", "counter_1", "lobby")
RAW_FLOAT = re.compile(r"\d+\.\d{4,}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


class _IdleRunner:
    """A camera runner that never runs: the page's camera health and picture are set by the
    test, its figures come from the events put in the store."""

    exitcode = None

    def __init__(self, stop: Any) -> None:
        self.stop = stop

    def is_alive(self) -> bool:
        return not self.stop.is_set()

    def join(self, timeout: float | None = None) -> None:
        return None

    def terminate(self) -> None:
        return None


def _idle(job: Any, out: Any, stop: Any) -> Any:
    return _IdleRunner(stop)


@contextmanager
def serving(site: SiteConfig, spawn: SpawnRunner) -> Iterator[tuple[str, str, Service]]:
    """The service on ``site`` with runners from ``spawn``: its address, a viewer token."""
    started: list[Service] = []
    with running_service(site, ("viewer",), started, spawn) as (address, tokens):
        yield address, tokens["viewer"], started[0]


def _known_events(site: SiteConfig) -> dict[str, float]:
    """Today's events with known figures, and a playable clip of the missed greeting."""
    now = time.time()
    _, day_start, _ = site_day(site, now)
    t = max(day_start + 1.0, now - 1800.0)  # within the site's day, before now
    missed_at = max(t + 200.0, now - 60.0)  # recent: it is on the alert banner
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    with EventStore(site.database_url()) as store:
        for event, post in [
            (factories.arrival(t, track=100, first_of_day=True), None),
            (factories.prompt(t + 0.5, track=100), None),
            (factories.greeting(t, 1.2, "on_time", track=1), None),
            (factories.arrival(t + 60, track=101), None),
            (factories.greeting(t + 60, 4.0, "late", track=1), None),
            (factories.bow(t + 90, 16.123456789, "to_standard"), "door_post"),
            (factories.bow(t + 120, 6.3536229013539835, "too_shallow"), "door_post"),
            (factories.bow(t + 130, 14.0, "cancelled", track=7, role="customer"), None),
            (factories.posture(t + 150, 9.0, "counter_1"), None),
            (factories.gesture(t + 170), None),
            (factories.arrival(missed_at, track=102), None),
            (factories.missed(missed_at, track=102, staff_present=False), None),
        ]:
            if event is not None:
                store.add_event("lobby", event, post=post)
        folder = site.clips_dir() / "lobby"
        folder.mkdir(parents=True, exist_ok=True)
        writer = Mp4Writer(folder / "missed.mp4", fps=10)
        for i in range(10):
            writer.write(np.full((96, 128, 3), 40 + i * 10, np.uint8), i / 10)
        writer.close()
        clip = NewClip(
            reason="missed_greeting",
            event_type="greeting_missed",
            track=102,
            role="customer",
            verdict=None,
            post=None,
            event_start=missed_at,
            clip_start=missed_at - 3,
            duration_s=1.0,
            file="lobby/missed.mp4",
            size_bytes=(folder / "missed.mp4").stat().st_size,
            summary="customer not greeted",
        )
        assert store.clips.add("lobby", clip).event_id is not None
    return {"start": t, "missed": missed_at}


def _online(service: Service) -> None:
    """The camera as a busy runner reports it, with a picture."""
    live = service.supervisor.live
    ok, jpeg = cv2.imencode(".jpg", np.full((360, 640, 3), 90, np.uint8))
    assert ok
    live.set_view("lobby", bytes(jpeg))
    health = CameraHealth(
        name="lobby",
        display_name="大堂门口",
        online=True,
        fps=12.4,
        dropped_frames=404,
        last_frame_at=time.time(),
        error=None,
    )
    live.set_camera(health)


def _get(address: str, token: str, path: str) -> Any:
    request = urllib.request.Request(
        f"http://{address}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def _open(
    browser: Browser, address: str, token: str, size: str, errors: list[str], lang: str = "zh"
) -> Page:
    width, height = SIZES[size]
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(f"localStorage.setItem('etiquette-lang', '{lang}')")
    page.goto(f"http://{address}/dashboard?token={token}")
    page.wait_for_function("document.querySelectorAll('#events tr').length > 0", timeout=15000)
    page.wait_for_function(
        "(i => i && i.naturalWidth > 0)(document.querySelector('figure img'))", timeout=15000
    )
    return page


def _no_ids(page: Page) -> None:
    text = page.inner_text("body")
    for shown in IDS:
        assert shown not in text, shown
    assert not RAW_FLOAT.search(text), RAW_FLOAT.search(text)
    assert not re.search(r"#\d", text), "a track id is shown"


def _switch_language(page: Page) -> None:
    """The shared bar's switch (page.html), else the page's own."""
    page.click("#etq-lang" if page.locator("#etq-lang").count() else "#language")


def _figure(page: Page, key: str) -> str:
    return page.inner_text(f"[data-figure={key}] .n")


def test_dashboard_with_known_events(browser: Browser, tmp_path: Path) -> None:
    site = sample_site(tmp_path, free_port())
    site = site.model_copy(update={"names": {**site.names, "counter_1": "1号柜台"}})
    _known_events(site)
    errors: list[str] = []
    with serving(site, cast(SpawnRunner, _idle)) as (address, token, service):
        _online(service)
        # The figures are the shift report's of the site's day so far.
        today = _get(address, token, "/api/today")
        assert today["totals"] == {
            "arrivals": 3,
            "greeted_on_time": 1,
            "greeted_late": 1,
            "missed": 1,
            "bows": 2,
            "bows_to_standard": 1,
            "posture_lapses": 1,
        }
        door = next(p for p in today["posts"] if p["post"] == "door_post")
        assert door["name"] == "门口迎宾岗"
        assert (door["arrivals"], door["missed"], door["bows"]) == (3, 1, 2)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://{address}/api/today", timeout=10)
        assert refused.value.code == 401
        # The door post's events include the greetings stored without a post.
        at_door = _get(address, token, f"/api/events?post=door_post&since={today['start']}")
        assert {e["event"]["type"] for e in at_door} >= {"customer_arrived", "greeting_missed"}

        page = _open(browser, address, token, "desktop", errors)
        assert [_figure(page, k) for k in ("arrivals", "on-time", "late", "missed")] == [
            "3",
            "1",
            "1",
            "1",
        ]
        assert _figure(page, "bows") == "1 / 2" and _figure(page, "lapses") == "1"
        assert "门口迎宾岗" in page.inner_text("#posts") and "1号柜台" in page.inner_text("#posts")
        _no_ids(page)
        text = page.inner_text("#events")
        assert "客户到店" in text and "未迎宾" in text and "深度 16°" in text and "员工" in text
        # Every result is filled and coloured by what it means.
        results = page.eval_on_selector_all("#events td.result", "c => c.map(x => x.innerText)")
        assert len(results) == 12 and all(r.strip() for r in results), results
        colour = "(s => getComputedStyle(document.querySelector(s)).color)"
        missed = "#events tr[data-type=greeting_missed] .verdict"
        assert page.evaluate(f"{colour}('{missed}')") == "rgb(183, 28, 28)"
        assert "bad" in (page.get_attribute(missed, "class") or "")
        greetings = page.eval_on_selector_all(
            "#events tr[data-type=greeting] .verdict", "v => v.map(x => x.className)"
        )
        assert sorted(greetings) == ["verdict good", "verdict warn"]
        # The camera in plain words; the alert banner names the missed greeting.
        caption = page.inner_text("figcaption")
        assert "在线 · 12 帧/秒" in caption and "为保持实时跳过 404 帧" in caption
        assert "未被迎宾" in page.inner_text("#alerts")
        # Filters go to /api/events and narrow the list.
        count = "document.querySelectorAll('#events tr').length"
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url) if "/api/events?" in r.url else None)
        page.select_option("#filters select[name=type]", "greeting_missed")
        page.wait_for_function(f"{count} === 1")
        assert any("type=greeting_missed" in url for url in asked)
        page.select_option("#filters select[name=type]", "")
        page.select_option("#filters select[name=post]", "counter_1")
        rows = "[...document.querySelectorAll('#events tr')].map(r => r.dataset.type).join()"
        page.wait_for_function(f"{rows} === 'posture'")
        page.click("#filters button[type=reset]")
        page.wait_for_function(f"{count} === 12", timeout=5000)
        page.fill("#filters input[name=from]", "23:59")  # the day's last minute: nothing yet
        page.dispatch_event("#filters input[name=from]", "change")
        page.wait_for_function(f"{count} === 0")
        assert any(f"since={int(today['start']) + 86340}" in url for url in asked), asked
        page.click("#filters button[type=reset]")
        page.wait_for_function(f"{count} === 12", timeout=5000)
        # The missed greeting's clip plays in the page.
        page.click("#events tr[data-type=greeting_missed] button.clip")
        page.wait_for_function("document.getElementById('player').open")
        assert "/api/clips/" in (page.get_attribute("#player-video", "src") or "")
        page.wait_for_function("document.getElementById('player-video').readyState >= 1")
        page.click("#player-close")
        # The live view enlarges.
        page.click("figure img")
        page.wait_for_function("document.getElementById('viewer').open")
        box = page.locator("#viewer-img").bounding_box()
        assert box is not None and box["width"] > 1000
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "dashboard-zh-desktop-enlarged.png"))
        page.click("#viewer-close")
        # A greeting missed now: on the banner and in the figures within a few seconds.
        page.click("#alerts .alert.missed button.dismiss")
        assert page.locator("#alerts .alert.missed").count() == 0
        service.store.add_event("lobby", factories.missed(time.time() - 5, track=103))
        page.wait_for_function("document.querySelector('#alerts .alert.missed') !== null")
        assert _figure(page, "missed") == "2"
        page.wait_for_function(f"{count} === 13")
        page.click("#sound")  # the chime needs a gesture first
        assert page.inner_text("#sound") == "声音提醒已开启"
        # English by the switch, remembered.
        _switch_language(page)
        assert "customers arrived" in page.inner_text("#figures")
        assert page.evaluate("localStorage.getItem('etiquette-lang')") == "en"
        _no_ids(page)

        for lang in ("zh", "en"):
            for size, (width, _) in SIZES.items():
                shot = _open(browser, address, token, size, errors, lang)
                _no_ids(shot)
                wide = shot.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, f"{size} {lang}: {wide} px wide"
                shot.screenshot(path=str(SHOTS / f"dashboard-{lang}-{size}.png"), full_page=True)
                shot.close()

        # A camera down: on the banner, in red, since when.
        down = CameraHealth(
            name="lobby",
            display_name="大堂门口",
            online=False,
            fps=0.0,
            dropped_frames=404,
            last_frame_at=time.time() - 120,
            error="no frame for 5 s",
        )
        service.supervisor.live.set_camera(down)
        _switch_language(page)  # back to Chinese
        page.wait_for_function("document.querySelector('#alerts .camera-down') !== null")
        assert "离线，自" in page.inner_text("#alerts .camera-down")
        assert "收不到画面" in page.inner_text("figcaption")
        page.screenshot(path=str(SHOTS / "dashboard-zh-desktop-camera-down.png"))
    assert errors == []


def test_dashboard_on_the_sample(browser: Browser, tmp_path: Path) -> None:
    """The bundled sample playing: the camera reads online (not starting) on every dashboard
    open in the browser, their events in words. Several dashboards share the browser's six
    connections to the server: a page that kept streams open starved the others' polls."""
    site = sample_site(tmp_path, free_port())
    with running_service(site, ("viewer",)) as (address, tokens):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        pages = []
        for _ in range(4):
            page = context.new_page()
            page.goto(f"http://{address}/dashboard?token={tokens['viewer']}", timeout=10000)
            pages.append(page)
        playing = "(i => i && i.naturalWidth > 0)(document.querySelector('figure img'))"
        online = "document.querySelector('figcaption.online') !== null"
        for page in pages:
            page.wait_for_function(f"{playing} && {online}", timeout=30000)
            assert "在线 ·" in page.inner_text("figcaption")
            assert "starting" not in page.inner_text("figcaption")
        page = pages[0]
        page.wait_for_function("document.querySelector('#events tr') !== null", timeout=30000)
        assert "客户到店" in page.inner_text("#events")
        arrivals = "document.querySelector('[data-figure=arrivals] .n').textContent"
        page.wait_for_function(f"{arrivals} !== '0'", timeout=10000)
        _no_ids(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "dashboard-zh-desktop-sample.png"), full_page=True)
        context.close()
