"""The staff earpiece (/earpiece) on a phone-sized headless Chromium against the real service:
prompts survive a restart without a second tap, none is listed or spoken twice, a revoked
token stops the page, the test sound plays, and the page installs on a home screen."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from etiquette.service.api import earpiece
from etiquette.service.server import Service
from etiquette.service.store.events import EventStore
from tests.live_service import free_port, running_service, sample_site
from tests.service.api.calibration_page import chromium

PHONE: ViewportSize = {"width": 390, "height": 844}
SHOTS = Path("/tmp/earpiece-shots")
PROMPT_S = 45_000  # the sample's customer reaches the door ~7.5 s in, after the model loads


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _phone(browser: Browser, address: str, token: str, sockets: list[str]) -> Page:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.goto(f"http://{address}/earpiece?token={token}")
    _wait_online(page)
    return page


def _wait_online(page: Page, timeout: float = 15_000) -> None:
    page.wait_for_function(
        "window.etiquette && window.etiquette.state === 'online'", timeout=timeout
    )


def _ears(page: Page) -> dict[str, Any]:
    ears: dict[str, Any] = page.evaluate(
        "({shown: window.etiquette.shown, played: window.etiquette.played,"
        " tones: window.etiquette.tones, connections: window.etiquette.connections,"
        " listed: [...document.querySelectorAll('[data-key]')].map(e => e.dataset.key)})"
    )
    return ears


def _reconnected(page: Page, before: int) -> None:
    page.wait_for_function(f"window.etiquette.connections > {before}", timeout=15_000)
    _wait_online(page)
    page.wait_for_timeout(1500)  # whatever the server replays has arrived


def _once(page: Page, event_id: int) -> None:
    ears = _ears(page)
    keys = [key for key in ears["shown"] if key.startswith(f"{event_id}|")]
    assert len(keys) == 1, ears
    assert ears["played"].count(event_id) == 1, ears
    assert ears["listed"].count(keys[0]) == 1, ears


def _replayed(address: str, token: str, after_id: int) -> list[int]:
    """The prompt ids the server sends a new door-post socket asking for those after
    ``after_id``; its first message is the status (the post's cameras)."""
    url = f"ws://{address}/ws/live?post=door_post&status=1&after_id={after_id}&token={token}"
    ids: list[int] = []
    with connect(url, open_timeout=10) as socket:
        status = json.loads(socket.recv(timeout=5))
        assert status["kind"] == "status", status
        assert [camera["name"] for camera in status["cameras"]] == ["lobby"], status
        with contextlib.suppress(TimeoutError):
            while True:
                message = json.loads(socket.recv(timeout=1))
                if message["kind"] in ("prompt", "warning"):
                    ids.append(message["event_id"])
    return ids


def test_no_duplicates_and_a_prompt_after_a_restart(browser: Browser, tmp_path: Path) -> None:
    SHOTS.mkdir(exist_ok=True)
    site = sample_site(tmp_path, free_port())
    sockets: list[str] = []
    with running_service(site, ("earpiece", "viewer")) as (address, tokens):
        page = _phone(browser, address, tokens["earpiece"], sockets)
        # The picker shows the post's display name (the site's names), not its id.
        assert page.text_content("#post option[value='door_post']") == "门口迎宾岗"
        before = _ears(page)["connections"]
        page.select_option("#post", "door_post")
        _reconnected(page, before)
        page.click("#enable")
        page.wait_for_function("window.etiquette.played.length > 0", timeout=PROMPT_S)
        first = _ears(page)["played"][0]
        assert isinstance(first, int)
        stored = httpx.get(
            f"http://{address}/api/events",
            params={"type": "greeting_prompt"},
            headers={"Authorization": f"Bearer {tokens['viewer']}"},
        ).json()
        assert first in [event["id"] for event in stored]  # the live prompt's stored id
        _once(page, first)

        # A dropped connection: the page reconnects asking only for what came after it.
        before = _ears(page)["connections"]
        page.evaluate("window.etiquette.socket.close()")
        _reconnected(page, before)
        # It asked from the last event it had (at least the prompt's; events may follow it).
        asked = int(parse_qs(urlsplit(sockets[-1]).query)["after_id"][0])
        last = page.evaluate("JSON.parse(localStorage.getItem('etiquette-earpiece-last'))")
        assert first <= asked <= last["door_post"], (first, asked, last)
        _once(page, first)
        # The server itself leaves out what the client has (not only the page's own check).
        assert first in _replayed(address, tokens["earpiece"], first - 1)
        assert first not in _replayed(address, tokens["earpiece"], first)

        # Away to every post and back: the same prompt is neither listed nor spoken again.
        for post in ("", "door_post"):
            before = _ears(page)["connections"]
            page.select_option("#post", post)
            _reconnected(page, before)
        _once(page, first)

        # A reload: the page kept the last id (localStorage) and is sent nothing it had.
        page.reload()
        _wait_online(page)
        page.wait_for_timeout(1500)
        assert "after_id=" in sockets[-1], sockets
        assert not [key for key in _ears(page)["shown"] if key.startswith(f"{first}|")]
        page.click("#enable")  # a reloaded page needs a tap again (the browser's rule)

    # The service is gone: the page says so and sounds an alert.
    page.wait_for_function("window.etiquette.tones.includes('connection')", timeout=15_000)
    assert page.is_visible("#alert")
    page.screenshot(path=str(SHOTS / "earpiece-lost-zh.png"))

    # The same service again (same port, same data): the page reconnects by itself and the
    # next prompt is spoken without another tap.
    with running_service(site, ()):
        _wait_online(page, 30_000)
        page.wait_for_function(
            "window.etiquette.played.some(id => typeof id === 'number')", timeout=PROMPT_S
        )
        ears = _ears(page)
        assert min(ears["played"]) > first, ears  # the new run's prompts, none of the old
        assert len(ears["played"]) == len(set(ears["played"])), ears  # nothing spoken twice
        assert len(ears["listed"]) == len(set(ears["listed"])), ears  # nor listed twice
        assert not page.is_visible("#alert")
        page.wait_for_timeout(1200)  # "how long ago" ticks
        page.screenshot(path=str(SHOTS / "earpiece-zh.png"))
        page.locator("#etq-lang, #lang").locator("visible=true").first.click()  # bar's or own
        assert page.evaluate("localStorage.getItem('etiquette-lang')") == "en"
        page.screenshot(path=str(SHOTS / "earpiece-en.png"))
        print(f"\nscreenshots in {SHOTS}")


def test_revoked_token_test_sound_and_home_screen(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SHOTS.mkdir(exist_ok=True)
    site = sample_site(tmp_path, free_port())
    sockets: list[str] = []
    services: list[Service] = []
    with running_service(site, ("earpiece",), services) as (address, tokens):
        page = _phone(browser, address, tokens["earpiece"], sockets)

        # 试听: a tone generated in the page, then the prompt's own voice.
        page.click("#test")
        page.wait_for_function(
            "window.etiquette.tones.includes('test') && window.etiquette.played.includes('test')",
            timeout=10_000,
        )

        # Installable: the manifest is linked, valid JSON, and its icons load.
        href = page.get_attribute("link[rel=manifest]", "href")
        assert href is not None and href.startswith("/earpiece.webmanifest")
        manifest = json.loads(httpx.get(f"http://{address}{href}").text)
        assert manifest["name"] == "迎宾提示"
        assert manifest["display"] == "standalone"
        assert manifest["start_url"].split("?")[0] == "/earpiece"
        sizes = set()
        for icon in manifest["icons"]:
            answer = httpx.get(f"http://{address}{icon['src']}")
            assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
            with Image.open(io.BytesIO(answer.content)) as picture:
                assert f"{picture.width}x{picture.height}" == icon["sizes"]
                sizes.add(picture.width)
        assert {192, 512} <= sizes

        # The post's camera stops sending pictures (its runner frozen): heard and seen.
        page.wait_for_function("document.getElementById('cameras').textContent.includes('在线')")
        runner = services[0].supervisor.runners["lobby"].process.pid
        assert runner is not None
        os.kill(runner, signal.SIGSTOP)
        try:
            page.wait_for_function("window.etiquette.tones.includes('camera')", timeout=30_000)
            assert "摄像头离线：大堂门口" in (page.text_content("#alert") or "")
            page.screenshot(path=str(SHOTS / "earpiece-camera-off-zh.png"))
        finally:
            os.kill(runner, signal.SIGCONT)

        # The token is revoked while the page listens: it says why and stops trying.
        with EventStore(site.database_url()) as store:
            assert store.revoke_token("test-earpiece")
        page.wait_for_function("window.etiquette.state === 'refused'", timeout=15_000)
        shown = page.text_content("#status") or ""
        assert "令牌" in shown and "token" in shown, shown
        attempts = len(sockets)
        page.wait_for_timeout(3000)  # it would have retried after 1 s
        assert len(sockets) == attempts, sockets  # no retries
        page.screenshot(path=str(SHOTS / "earpiece-refused.png"))

        # A client that pinged and then fell silent is let go (the limit shortened here).
        with EventStore(site.database_url()) as store:
            fresh = store.create_token("earpiece", "test-silent")
        monkeypatch.setattr(earpiece, "SILENT_S", 1.0)
        with connect(f"ws://{address}/ws/live?token={fresh}", open_timeout=10) as socket:
            socket.send('{"kind": "ping"}')
            pinged = time.monotonic()
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    socket.recv(timeout=10)
        assert time.monotonic() - pinged < 5
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
