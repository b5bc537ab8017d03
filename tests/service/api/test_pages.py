"""The pages in a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.live_service import free_port, running_service, sample_site
from tests.service.api.calibration_page import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_earpiece_and_dashboard(browser: Browser, tmp_path: Path) -> None:
    site = sample_site(tmp_path, free_port())
    with running_service(site, ("earpiece", "viewer")) as (address, tokens):
        earpiece = browser.new_page()
        earpiece.goto(f"http://{address}/earpiece?token={tokens['earpiece']}")
        earpiece.wait_for_function(
            "document.getElementById('status').className === 'online'", timeout=15000
        )
        earpiece.click("#enable")
        dashboard = browser.new_page()
        dashboard.goto(f"http://{address}/dashboard?token={tokens['viewer']}")
        # The sample's first customer reaches the door ~7.5 s into the clip.
        earpiece.wait_for_function("window.etiquette.played.length > 0", timeout=45000)
        prompt = earpiece.text_content("#latest .text")
        assert prompt == "客户进门，请迎宾"
        picture = "document.querySelector('figure img')"
        dashboard.wait_for_function(f"{picture} && {picture}.naturalWidth > 0", timeout=20000)
        dashboard.wait_for_function(
            "document.querySelectorAll('#events tr').length > 0", timeout=20000
        )
        assert "客户到店" in (dashboard.text_content("#events") or "")  # words, not ids
        assert "online" in (dashboard.get_attribute("figure figcaption", "class") or "")
        dashboard.screenshot(path=str(tmp_path / "dashboard.png"))
        earpiece.screenshot(path=str(tmp_path / "earpiece.png"))
        print(f"\nscreenshots in {tmp_path}")


def test_pages_need_a_token(browser: Browser, tmp_path: Path) -> None:
    """A page is a shell without data: with no token kept it sends the person to sign in;
    with another role's token it says which role it needs, and its data calls are refused."""
    site = sample_site(tmp_path, free_port())
    with running_service(site, ("earpiece",)) as (address, tokens):
        page = browser.new_page()
        page.goto(f"http://{address}/dashboard")
        page.wait_for_url(f"http://{address}/signin?next=%2Fdashboard")
        refused: list[int] = []
        page.on(
            "response",
            lambda answer: refused.append(answer.status) if "/api/" in answer.url else None,
        )
        page.goto(f"http://{address}/dashboard?token={tokens['earpiece']}")
        page.locator("#etq-problem").wait_for(state="visible")
        assert "网点负责人" in (page.text_content("#etq-problem") or "")
        page.wait_for_timeout(500)
        data_calls = [status for status in refused if status != 200]
        assert data_calls and set(data_calls) == {403}
        assert page.locator("#events tr").count() == 0


def test_report_page_downloads_send_the_token_in_a_header(browser: Browser, tmp_path: Path) -> None:
    """/api/report takes no ?token=: the page fetches the report (its frame and the PDF/CSV/
    JSON downloads) with the Authorization header and saves the answer as a file."""
    site = sample_site(tmp_path, free_port())
    with running_service(site, ("viewer",)) as (address, tokens):
        page = browser.new_page(accept_downloads=True)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        urls: list[str] = []
        page.on("request", lambda request: urls.append(request.url))
        page.goto(f"http://{address}/report?token={tokens['viewer']}&show=1")
        frame = page.frame_locator("#report")
        frame.locator("h1").wait_for(timeout=30000)
        assert "etiquette report" in (frame.locator("h1").text_content() or "")
        saved: dict[str, bytes] = {}
        for form in ("pdf", "csv", "json"):
            with page.expect_download(timeout=30000) as download:
                page.click(f"#downloads a.download-{form}")
            assert download.value.suggested_filename.endswith(f".{form}")
            saved[form] = Path(download.value.path()).read_bytes()
        assert saved["pdf"].startswith(b"%PDF")
        assert saved["csv"].decode("utf-8-sig").startswith("分区 section,项目 item,数值 value")
        assert saved["json"].decode().lstrip().startswith("{")
        reports = [url for url in urls if "/api/report" in url]
        assert reports, urls
        assert not [url for url in reports if "token=" in url], reports
        assert errors == []
