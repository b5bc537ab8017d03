"""The report page in a real headless Chromium: it opens on today's shift in the branch's
time zone with the figures shown (no Show to press), in Chinese and English, with display
names instead of ids and no raw floats. Screenshots go to /tmp/report-shots/."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import uvicorn
from playwright.sync_api import Browser

from etiquette.service.bench.report_week import demo_site, write_week
from etiquette.service.config import SiteConfig
from etiquette.service.server import build_service
from etiquette.service.store.events import EventStore
from tests.live_service import free_port
from tests.service.api.calibration_page import chromium

SHOTS = Path("/tmp/report-shots")


class IdleRunner:
    """A camera runner that never starts: the page needs the service, not the cameras."""

    exitcode = None
    pid = 0

    def __init__(self, stop: Any) -> None:
        self.stop = stop

    def is_alive(self) -> bool:
        return not self.stop.is_set()  # "ends" when told to, as a runner does

    def join(self, timeout: float | None = None) -> None:
        pass

    def terminate(self) -> None:
        pass


def midday_zone() -> str:
    """An IANA zone where it is now about 1 p.m., inside the page's default shift (08:30-17:30)
    at whatever hour the test runs. (Etc/GMT-8 is UTC+8: the sign is POSIX's.)"""
    offset = (13 - datetime.now(UTC).hour + 12) % 24 - 12
    return "Etc/GMT" + ("+" if offset <= 0 else "-") + str(abs(offset)) if offset else "Etc/GMT"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, SiteConfig]]:
    folder = tmp_path_factory.mktemp("report-page")
    site = demo_site(folder, time_zone=midday_zone())
    port = free_port()
    site = site.model_copy(
        update={"server": site.server.model_copy(update={"port": port, "base_url": None})}
    )
    today = datetime.now(site.zone_info()).date()
    with EventStore(site.database_url()) as store:
        write_week(store, site, today - timedelta(days=6), days=7, per_day=300)
        token = store.create_token("viewer", "manager")
    built = build_service(site, spawn=lambda job, out, stop: cast(Any, IdleRunner(stop)))
    server = uvicorn.Server(
        uvicorn.Config(built.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    assert server.started
    try:
        yield f"127.0.0.1:{port}", token, site
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_the_page_opens_on_todays_shift_with_its_figures(
    service: tuple[str, str, SiteConfig], browser: Browser
) -> None:
    address, token, site = service
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"http://{address}/report?token={token}")  # nothing pressed
    frame = page.frame_locator("#report")
    frame.locator("#headline").wait_for(timeout=30000)
    today = datetime.now(site.zone_info()).strftime("%Y-%m-%d")
    assert page.input_value("input[name=day]") == today
    period = frame.locator("#period").text_content() or ""
    zone = site.time_zone_name()
    assert f"{today} 08:30 – {today} 17:30 ({zone})" in period
    assert zone in (page.locator("#zone").text_content() or "")
    headline = frame.locator("#headline").text_content() or ""
    assert re.search(r"本班次 \d+ 位客户到店", headline), headline
    assert re.search(r"This shift: \d+ customers arrived", headline), headline
    account = frame.locator("#account").text_content() or ""
    assert "及时迎宾 greeted on time" in account and "到店客户 customers arrived" in account
    body = frame.locator("body").text_content() or ""
    assert "门口迎宾岗" in body and "柜台" in body  # display names ...
    for raw in ("door_post", "desk_1", "counter", "event "):
        assert raw not in body  # ... never ids
    assert not re.search(r"\d+\.\d{3,}", body), re.findall(r"\d+\.\d{3,}", body)[:5]
    assert "摄像头全程在线" in body or "离线" in body
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-page.png"), full_page=False)
    frame.locator("#trends").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "report-page-trends.png"))
    # The whole week, chosen on the page.
    page.select_option("select[name=period]", "week")
    page.click("button[type=submit]")
    frame.locator("#headline").filter(has_text="本周").wait_for(timeout=30000)
    page.screenshot(path=str(SHOTS / "report-page-week.png"))
    assert errors == []
