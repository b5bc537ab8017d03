"""The calibration page's check, as an installer uses it in a real browser against the running
service: the camera picked by its display name, mark labels that stay readable when marks are
close, and the live check: a person walking on the bundled sample shown where their feet are,
with their distance to the door line as the rules measure it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from etiquette.calibration.camera_file import load_camera
from etiquette.calibration.projection import FloorProjection
from etiquette.calibration.zones import FloorZones
from tests.live_service import free_port, running_service, sample_site
from tests.service.api.calibration_page import add_mark, chromium, open_page


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    folder = tmp_path_factory.mktemp("check")
    site = sample_site(folder, free_port())
    with running_service(site, ("admin",)) as (address, tokens):
        yield address, tokens["admin"], folder / "cameras" / "lobby.yaml"


def test_the_camera_is_picked_by_its_display_name(
    browser: Browser, service: tuple[str, str, Path]
) -> None:
    address, token, _ = service
    page = open_page(browser, address, token)
    option = page.locator("#camera option").first
    assert option.text_content() == "大堂门口"
    assert option.get_attribute("value") == "lobby"
    page.close()


def _overlapping(boxes: list[dict[str, float]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes)
        if i < j
        and a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    ]


def test_labels_of_close_marks_do_not_overlap(
    browser: Browser, service: tuple[str, str, Path]
) -> None:
    """Two marks clicked 5 cm apart: each label is still readable on its own."""
    address, token, _ = service
    page = open_page(browser, address, token)
    add_mark(page, (0.3, 3.3), ("0.3", "3.3"))
    add_mark(page, (0.35, 3.3), ("0.35", "3.3"))
    page.wait_for_function(
        "[...document.querySelectorAll('#points .residual')].every(c => c.textContent)"
    )
    boxes = page.evaluate(
        "[...document.querySelectorAll('#overlay text')].map(t => t.getBoundingClientRect())"
        ".map(r => ({x: r.x, y: r.y, width: r.width, height: r.height}))"
    )
    assert len(boxes) >= 7
    assert _overlapping(boxes) == []
    page.close()


def _people(address: str, token: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"http://{address}/api/cameras/lobby/people",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    answer.raise_for_status()
    people: list[dict[str, Any]] = answer.json()["people"]
    return people


def _wait_for_someone(page: Page) -> None:
    page.wait_for_function(
        "document.querySelectorAll('#live-people li').length > 0 &&"
        " document.querySelector('#live-people li').textContent.includes('距门线')",
        timeout=30000,
    )


def test_the_live_check_shows_where_a_person_stands(
    browser: Browser, service: tuple[str, str, Path]
) -> None:
    address, token, camera_path = service
    page = open_page(browser, address, token)
    page.click("#live-check")
    _wait_for_someone(page)
    assert not page.locator("#live").is_hidden()
    # The people the page drew are the running camera's, at their feet.
    people = _people(address, token)
    assert people, "the sample shows someone walking in"
    camera = load_camera(camera_path)
    assert camera.floor is not None
    projection = FloorProjection.from_camera(camera, camera.floor)
    zones = FloorZones(camera.zones)
    assert zones.door is not None
    for person in people:
        floor = projection.to_floor(np.array([person["feet_px"]]))[0]
        assert np.allclose(floor, person["floor_m"], atol=0.01)
        assert person["door_m"] == pytest.approx(zones.door.distance(floor), abs=0.01)
        assert person["inside"] == zones.door.is_inside(floor)
    dots = page.evaluate(
        "[...document.querySelectorAll('#overlay circle')].filter(c => c.getAttribute('fill')"
        " === '#00e5ff' && !c.classList.contains('mark')).length"
    )
    assert dots >= 1
    page.screenshot(path=str(camera_path.parent.parent / "live-check.png"), full_page=True)
    page.click("#live-check")
    assert page.locator("#live").is_hidden()
    page.close()


def test_people_outside_the_sites_cameras_are_not_found(service: tuple[str, str, Path]) -> None:
    address, token, _ = service
    answer = httpx.get(
        f"http://{address}/api/cameras/nowhere/people",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 404


def test_pages_carry_the_bundled_chinese_font(
    browser: Browser, service: tuple[str, str, Path]
) -> None:
    """A browser without Chinese fonts of its own still shows no tofu: the pages declare the
    bundled font, which loads and covers what the pages say."""
    address, token, _ = service
    page = open_page(browser, address, token)
    loaded = page.evaluate(
        "document.fonts.load('16px \"Etiquette Sans SC\"', '摄像头标定迎宾')"
        ".then(found => found.length)"
    )
    assert loaded >= 1
    assert page.evaluate("document.fonts.check('16px \"Etiquette Sans SC\"', '摄像头标定')")
    page.close()
