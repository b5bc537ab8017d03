"""The lens step of /calibrate done by clicking, in a real Chromium against a running service
whose camera films the 19 real chessboard photos: views captured from the live camera (a
repeat refused with a sentence), the rest uploaded as photos (those already captured refused
as repeats), the coverage grid and the RMS shown, the lens saved, and the page reloaded with
the views and the camera's lens still there. Screenshots go to /tmp/lens-shots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from etiquette.calibration.camera_file import load_camera
from etiquette.calibration.intrinsics import Board, calibrate_intrinsics
from tests.live_service import free_port, running_service
from tests.service.api.calibration_page import chromium, open_page
from tests.service.api.lens_camera import VIEWS, chessboard_video, lens_site

pytestmark = pytest.mark.real_data  # reads ../shared/data
SHOTS = Path("/tmp/lens-shots")
CAPTURED = 3
# Every view's picture has loaded, and the newest is behind the coverage grid.
PICTURES_SHOWN = (
    "[...document.querySelectorAll('#lens-views img')].every(i => i.complete && i.naturalWidth)"
    " && document.getElementById('lens-coverage').style.backgroundImage.startsWith('url')"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _answered(page: Page, element: str, click: str) -> tuple[str, str]:
    """Click ``click`` and wait for ``element``'s answer: its class and text."""
    page.evaluate(f"document.getElementById('{element}').className = 'waiting'")
    page.click(click)
    page.wait_for_function(
        f"!['waiting', ''].includes(document.getElementById('{element}').className)",
        timeout=30000,
    )
    return page.get_attribute(f"#{element}", "class") or "", page.text_content(f"#{element}") or ""


def _capture_views(page: Page) -> list[str]:
    """Capture CAPTURED views from the camera; the refusals' sentences met on the way."""
    refusals: list[str] = []
    for _ in range(30):
        if page.locator("#lens-views figure").count() == CAPTURED:
            return refusals
        kind, text = _answered(page, "lens-message", "#lens-capture")
        if kind != "ok":
            refusals.append(text)
            page.wait_for_timeout(1000)  # the camera shows the next photo within 3 s
        page.wait_for_function("!document.getElementById('lens-capture').disabled")
    raise AssertionError(f"no {CAPTURED} views captured: {refusals}")


def _rms_shown(page: Page) -> float:
    page.wait_for_function(
        "document.getElementById('lens-fit').textContent.includes('RMS')", timeout=60000
    )
    found = re.search(r"RMS）([0-9.]+) 像素", page.text_content("#lens-fit") or "")
    assert found, page.text_content("#lens-fit")
    return float(found.group(1))


def test_lens_views_captured_and_uploaded_then_saved(browser: Browser, tmp_path: Path) -> None:
    site = lens_site(tmp_path / "data", free_port(), chessboard_video(tmp_path))
    with running_service(site, ("admin",)) as (address, tokens):
        page = open_page(browser, address, tokens["admin"])
        assert page.text_content("#step-lens h2") == "0 镜头（可选）"
        page.wait_for_function(
            "document.getElementById('lens-views').textContent.includes('还没有')"
        )
        # A wrong board size: a sentence saying how to write it, no request data.
        page.fill("#lens-board", "7by7")
        kind, text = _answered(page, "lens-message", "#lens-capture")
        assert kind == "error" and "请按“列x行”填写内角点数" in text, text
        page.fill("#lens-board", "7x7")
        refusals = _capture_views(page)
        assert all("几乎一样" in text for text in refusals), refusals
        pictures: list[str] = []
        page.on("request", lambda r: pictures.append(r.url) if "/pictures/v" in r.url else None)
        page.set_input_files("#lens-files", [str(path) for path in VIEWS])
        page.wait_for_function(
            "document.getElementById('lens-message').textContent.includes('已加入')",
            timeout=60000,
        )
        message = page.text_content("#lens-message") or ""
        # The photos the camera was filming when captured are refused as repeats.
        assert f"已加入 {19 - CAPTURED} 张，{CAPTURED} 张没有加入" in message, message
        assert message.count("几乎一样") == CAPTURED, message
        assert page.locator("#lens-views figure").count() == 19
        # Each new view's picture is loaded once (and the newest again behind the coverage
        # grid), not every listed picture again after every upload.
        assert len(set(pictures)) == 19 - CAPTURED and len(pictures) <= 2 * 19, pictures
        rms = _rms_shown(page)
        cli = calibrate_intrinsics(VIEWS, Board(7, 7, 0.025)).rms_px
        print(f"\npage RMS {rms:.2f} px ({CAPTURED} views from the camera's MP4), CLI {cli:.3f} px")
        assert abs(rms - cli) < 0.05
        assert "还缺少棋盘格视角" in (page.text_content("#lens-coverage-note") or "")
        missing = page.locator("#lens-coverage .missing").count()
        assert 0 < missing < 24 and page.locator("#lens-coverage div").count() == 24
        # Each view's error: all under 1 px (view 17, the board far to the right, 0.67 px).
        assert page.locator("#lens-views .error-px.good, #lens-views .error-px.poor").count() == 19
        assert page.locator("#lens-views .error-px.bad").count() == 0
        assert page.is_enabled("#lens-save")
        page.wait_for_function(PICTURES_SHOWN, timeout=30000)
        _shot(page, "lens-1366x768-fitted")
        page.locator("#step-lens").screenshot(path=str(SHOTS / "lens-step-fitted.png"))
        kind, text = _answered(page, "lens-result", "#lens-save")
        assert kind == "ok" and text.startswith("已保存镜头标定"), text
        # Reloaded: the views and the saved lens are still there.
        page.reload()
        page.wait_for_function(
            "document.querySelectorAll('#lens-views figure').length === 19", timeout=30000
        )
        page.wait_for_function(
            "document.getElementById('lens-current').textContent.includes('摄像头现在的镜头标定')"
        )
        assert abs(_rms_shown(page) - rms) < 0.005
        assert f"误差 {rms:.2f} 像素（19 张）" in (page.text_content("#lens-current") or "")
        page.wait_for_function(PICTURES_SHOWN, timeout=30000)
        _shot(page, "lens-1366x768-reloaded")
        page.click("#step-lens summary")
        page.locator("#step-lens").screenshot(path=str(SHOTS / "lens-step-help.png"))
        page.click("#etq-lang")
        page.wait_for_function(
            "document.querySelector('#step-lens h2').textContent === '0 Lens (optional)'"
        )
        assert "Error (RMS)" in (page.text_content("#lens-fit") or "")
        assert "No chessboard view yet" in (page.text_content("#lens-coverage-note") or "")
        _shot(page, "lens-1366x768-english")
        page.click("#etq-lang")
        tablet = open_page(browser, address, tokens["admin"], width=768, height=1024)
        tablet.wait_for_function("document.querySelectorAll('#lens-views figure').length === 19")
        tablet.wait_for_function(PICTURES_SHOWN, timeout=30000)
        _shot(tablet, "lens-tablet-768x1024")
    camera = load_camera(tmp_path / "data" / "cameras" / "lobby.yaml")
    assert camera.intrinsics is not None and camera.intrinsics.views == 19
    assert camera.intrinsics.rms_px == pytest.approx(rms, abs=0.005)
