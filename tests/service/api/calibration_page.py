"""Driving the calibration page (/calibrate) in a real headless Chromium against a real
running service: the bundled sample as camera 'lobby', its camera file in the data folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from playwright.sync_api import Browser, Page, Request, sync_playwright

from etiquette.calibration.camera_file import load_camera
from etiquette.calibration.projection import FloorProjection
from etiquette.service.offline.demo import DEMO_CAMERA

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: scripts/install-system-deps.sh"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


def sample_pixel(x: float, y: float) -> tuple[float, float]:
    """Where the floor point (x, y) metres is in the sample's picture (its shipped file)."""
    camera = load_camera(DEMO_CAMERA)
    assert camera.floor is not None
    projection = FloorProjection.from_camera(camera, camera.floor)
    u, v = projection.to_pixels(np.array([[x, y]]))[0]
    return float(u), float(v)


def edit_camera_file(path: Path, change: dict[str, Any]) -> None:
    """Set top-level sections of a camera file (zones, ...) as a person would by hand."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def open_page(
    browser: Browser, address: str, token: str, width: int = 1366, height: int = 768
) -> Page:
    """/calibrate with the camera's snapshot shown (it comes with the runner's first frames)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"http://{address}/calibrate?token={token}")
    for _ in range(80):
        if page.evaluate("document.getElementById('snapshot').naturalWidth") > 0:
            break
        page.click("#reload")
        page.wait_for_timeout(500)
    assert page.evaluate("document.getElementById('snapshot').naturalWidth") > 0
    page.wait_for_timeout(300)  # the camera file's marks are listed
    return page


def screen_point(page: Page, u: float, v: float) -> tuple[int, int]:
    """The screen pixel nearest to where the raw image's pixel (u, v) is shown (OpenCV's
    convention: (0, 0) is the first pixel's centre), scrolled into view first (a tall picture
    may not fit the window). Whole pixels, as a mouse gives: Chromium floors a fraction,
    which would push every click half a screen pixel up and left."""
    natural = page.evaluate(
        "(s => [s.naturalWidth, s.naturalHeight])(document.getElementById('snapshot'))"
    )
    box = page.locator("#snapshot").bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    y = box["y"] + (v + 0.5) * box["height"] / natural[1]
    if not 40 <= y <= viewport["height"] - 40:
        page.evaluate(f"window.scrollBy(0, {y - viewport['height'] / 2})")
        box = page.locator("#snapshot").bounding_box()
        assert box is not None
    scale = box["width"] / natural[0]
    return round(box["x"] + (u + 0.5) * scale), round(box["y"] + (v + 0.5) * scale)


def click_pixel(page: Page, u: float, v: float) -> None:
    """Click the picture where the raw image's pixel (u, v) is shown."""
    page.mouse.click(*screen_point(page, u, v))


def fill_mark(page: Page, index: int, x: str, y: str) -> None:
    """Type mark ``index``'s (0-based) floor metres into its row."""
    row = page.locator("#points tr").nth(index)
    row.locator("input.x").fill(x)
    row.locator("input.y").fill(y)


def add_mark(page: Page, floor: tuple[float, float], typed: tuple[str, str]) -> None:
    """Click the true floor point ``floor`` of the sample and type ``typed`` as its metres."""
    before = page.locator("#points tr").count()
    click_pixel(page, *sample_pixel(*floor))
    page.wait_for_function(f"document.querySelectorAll('#points tr').length > {before}")
    fill_mark(page, before, *typed)


def save(page: Page) -> str:
    """Press save and wait for the answer; the result line's class and text."""
    page.evaluate("document.getElementById('result').className = ''")
    page.click("#save")
    page.wait_for_function("document.getElementById('result').className !== ''", timeout=30000)
    return f"{page.get_attribute('#result', 'class')}: {page.text_content('#result')}"


def posts_sent(page: Page) -> list[Request]:
    """Every POST the page sends to a calibration route from now on (collected in the list)."""
    sent: list[Request] = []

    def keep(request: Request) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith("/calibration"):
            sent.append(request)

    page.on("request", keep)
    return sent
