"""Head office's pages in a real browser (Debian's chromium) against the real service on
127.0.0.1: sign in with a token, the ranking, a branch's report, the fleet; nothing is
loaded from anywhere but the service."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Route

from etiquette.service.hq.app import create_hq_app
from etiquette.service.hq.config import HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.live.uplink_protocol import BranchStatus
from tests.live_service import free_port
from tests.service.api.calibration_page import chromium
from tests.service.hq.hq_data import DAY, seeded_store

__all__ = ["seeded_store"]


@pytest.fixture
def address(seeded_store: HqStore) -> Iterator[str]:
    app = create_hq_app(HqConfig(time_zone="Asia/Shanghai"), seeded_store, None)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "head office did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_a_head_office_user_signs_in_and_drills_down_to_a_branch(
    browser: Browser, address: str, seeded_store: HqStore, tmp_path: Path
) -> None:
    token = seeded_store.create_token("boss", "head_office", None)
    seeded_store.record_status("b3", BranchStatus(online=False))
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    elsewhere: list[str] = []

    def only_here(route: Route) -> None:
        if route.request.url.startswith(address):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    page = context.new_page()
    page.goto(f"{address}/?start={DAY}&end={DAY}")
    assert "/signin" in page.url  # no token yet: sent to sign in
    page.fill("input[name=token]", "not-a-token")
    page.click("button[type=submit]")
    assert page.locator("text=令牌无效").is_visible()
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.goto(f"{address}/?start={DAY}&end={DAY}")
    rows = page.locator("table tr")
    assert rows.count() == 4
    assert "浦东支行" in rows.nth(1).inner_text() and "100%" in rows.nth(1).inner_text()
    assert "徐汇支行" in rows.nth(2).inner_text() and "50%" in rows.nth(2).inner_text()
    page.screenshot(path=str(tmp_path / "ranking.png"), full_page=True)
    page.click("text=徐汇支行")
    page.wait_for_load_state()
    assert "/branches/b2" in page.url
    assert "徐汇支行" in page.content()
    page.goto(f"{address}/fleet")
    fleet = page.locator("table tr", has_text="广州支行").inner_text()
    assert "静默" in fleet
    page.screenshot(path=str(tmp_path / "fleet.png"), full_page=True)
    page.click("text=退出")
    page.goto(f"{address}/fleet")
    assert "/signin" in page.url  # signed out: the cookie is gone
    context.close()
    assert elsewhere == []
