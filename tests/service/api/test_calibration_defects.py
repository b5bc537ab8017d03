"""Issue 12's defects of the calibration page, each as an installer meets it in a real
browser against the running service: a bad fit saved, zones lost on save, two posts
impossible, an empty coordinate taken as 0."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from etiquette.calibration.camera_file import load_camera
from tests.live_service import free_port, running_service, sample_site
from tests.service.api.calibration_page import (
    add_mark,
    chromium,
    edit_camera_file,
    fill_mark,
    open_page,
    posts_sent,
    save,
)

COUNTERS = {"counter_1": [[-1.5, 5.0], [-0.5, 5.0], [-0.5, 5.6], [-1.5, 5.6]]}
QUEUE = [[-1.0, 3.0], [0.0, 3.0], [0.0, 4.0], [-1.0, 4.0]]
DOOR = {"a": [-2.0, 2.5], "b": [2.0, 2.5], "inside": [0.0, 4.0]}
TWO_POSTS = {
    "door_post": [[0.6, 4.6], [1.6, 4.6], [1.6, 5.4], [0.6, 5.4]],
    "counter_post": [[-1.6, 4.6], [-0.6, 4.6], [-0.6, 5.4], [-1.6, 5.4]],
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _camera_file(folder: Path) -> Path:
    return folder / "cameras" / "lobby.yaml"


def test_a_mark_with_a_typo_is_refused_and_named(browser: Browser, tmp_path: Path) -> None:
    """Defect 1: five marks, mark 3's 4.5 typed as 45: refused, naming mark 3; nothing
    written (the old page saved it: "RMS 1552 cm, worst 3440 cm", in green)."""
    site = sample_site(tmp_path, free_port())
    before = _camera_file(tmp_path).read_bytes()
    with running_service(site, ("admin",)) as (address, tokens):
        page = open_page(browser, address, tokens["admin"])
        add_mark(page, (0.0, 3.0), ("0", "3"))
        fill_mark(page, 2, "-1", "45")
        result = save(page)
        assert result.startswith("error"), result
        assert "标记 3" in result, result
        assert _camera_file(tmp_path).read_bytes() == before


def test_saving_keeps_counters_and_queue(browser: Browser, tmp_path: Path) -> None:
    """Defect 2: a save from the page keeps the counters and the queue of the file."""
    site = sample_site(tmp_path, free_port())
    zones = {"door": DOOR, "posts": {"door_post": TWO_POSTS["door_post"]}}
    edit_camera_file(
        _camera_file(tmp_path), {"zones": {**zones, "counters": COUNTERS, "queue": QUEUE}}
    )
    with running_service(site, ("admin",)) as (address, tokens):
        page = open_page(browser, address, tokens["admin"])
        add_mark(page, (0.0, 3.0), ("0", "3"))
        result = save(page)
        assert not result.startswith("error"), result
    camera = load_camera(_camera_file(tmp_path))
    assert camera.floor is not None and len(camera.floor.points) == 5
    assert camera.zones.counters == COUNTERS
    assert camera.zones.queue == QUEUE


def test_two_posts_can_be_saved(browser: Browser, tmp_path: Path) -> None:
    """Defect 3: a camera with two staff posts saves from the page with both."""
    site = sample_site(tmp_path, free_port())
    edit_camera_file(_camera_file(tmp_path), {"zones": {"door": DOOR, "posts": TWO_POSTS}})
    with running_service(site, ("admin",)) as (address, tokens):
        page = open_page(browser, address, tokens["admin"])
        add_mark(page, (0.0, 3.0), ("0", "3"))
        result = save(page)
        assert not result.startswith("error"), result
    assert load_camera(_camera_file(tmp_path)).zones.posts == TWO_POSTS


def test_an_empty_coordinate_is_named_not_taken_as_zero(browser: Browser, tmp_path: Path) -> None:
    """Defect 4: a mark without y is named on the page; nothing is sent or written."""
    site = sample_site(tmp_path, free_port())
    before = _camera_file(tmp_path).read_bytes()
    with running_service(site, ("admin",)) as (address, tokens):
        page = open_page(browser, address, tokens["admin"])
        sent = posts_sent(page)
        add_mark(page, (0.0, 3.0), ("0", ""))
        result = save(page)
        assert result.startswith("error"), result
        assert "标记 5" in result and "y" in result, result
        assert sent == [], [request.url for request in sent]
    assert _camera_file(tmp_path).read_bytes() == before


def test_a_page_opened_before_the_camera_is_online_says_so(
    browser: Browser, tmp_path: Path
) -> None:
    """Defect 6: a camera that sends no picture gives a sentence, not a broken image."""
    site = sample_site(tmp_path, free_port())
    # Nothing listens on port 9 (discard): the camera never comes online.
    site.cameras[0] = site.cameras[0].model_copy(update={"source": "rtsp://127.0.0.1:9/lobby"})
    with running_service(site, ("admin",)) as (address, tokens):
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"http://{address}/calibrate?token={tokens['admin']}")
        page.wait_for_selector("#no-picture", state="visible", timeout=15000)
        text = page.text_content("#no-picture") or ""
        assert "还没有画面" in text and "大堂门口" in text and "lobby" not in text, text
        assert not page.is_visible("#snapshot")
        page.screenshot(path=str(tmp_path / "calibrate-offline.png"))


def test_the_dashboard_links_to_the_calibration_page_for_admins(
    browser: Browser, tmp_path: Path
) -> None:
    """Defect 6: the page is reachable from the dashboard, for admins only."""
    site = sample_site(tmp_path, free_port())
    link = "#etq-links a[href^='/calibrate']"  # the shared navigation bar's
    with running_service(site, ("admin", "viewer")) as (address, tokens):
        admin = browser.new_page()
        admin.goto(f"http://{address}/dashboard?token={tokens['admin']}")
        admin.wait_for_selector(link, state="visible", timeout=10000)
        admin.click(link)
        admin.wait_for_url("**/calibrate*", timeout=10000)
        admin.wait_for_selector("#step-marks", timeout=10000)
        viewer = browser.new_page()
        viewer.goto(f"http://{address}/dashboard?token={tokens['viewer']}")
        viewer.wait_for_selector("#etq-links a[href^='/dashboard']", timeout=10000)
        assert viewer.locator(link).count() == 0
