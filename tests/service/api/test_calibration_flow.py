"""A whole calibration done by clicking, as the branch's IT installer does it: a camera
without a camera file, seven floor marks clicked on the picture and their metres typed (one
clicked off and dragged back), the door line and two posts drawn, saved, the page reloaded
and the camera running with the new file. The bundled sample's shipped camera file is the
truth: the floor saved through the page puts the true floor points within 5 cm of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from etiquette.calibration.camera_file import load_camera
from etiquette.calibration.projection import FloorProjection
from etiquette.service.offline.demo import DEMO_CAMERA
from etiquette.service.server import Service
from tests.live_service import free_port, running_service, sample_site
from tests.service.api.calibration_page import (
    chromium,
    click_pixel,
    fill_mark,
    open_page,
    sample_pixel,
    save,
    screen_point,
)

MARKS = [(-1.5, 2.2), (1.5, 2.2), (-1.2, 4.6), (1.2, 4.6), (0.0, 3.2), (-0.8, 3.6), (0.9, 4.0)]
DOOR = [(-1.8, 2.5), (1.8, 2.5), (0.0, 4.0)]  # A, B, a point inside
POSTS = {
    "door_post": [(0.6, 3.0), (1.4, 3.0), (1.4, 3.6), (0.6, 3.6)],
    "teller_post": [(-1.4, 3.0), (-0.6, 3.0), (-0.6, 3.6), (-1.4, 3.6)],
}
QUEUE = [(-1.4, 4.0), (-0.4, 4.0), (-0.4, 4.5), (-1.4, 4.5)]
TICKET_MACHINE = [(0.4, 4.0), (1.2, 4.0), (1.2, 4.5), (0.4, 4.5)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _click_floor(page: Page, x: float, y: float) -> None:
    click_pixel(page, *sample_pixel(x, y))


def _residuals(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("#points .residual").all_text_contents()]


def _drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*screen_point(page, *start))
    page.mouse.down()
    page.mouse.move(*screen_point(page, *end), steps=5)
    page.mouse.up()


def _draw_marks(page: Page) -> None:
    for index, (x, y) in enumerate(MARKS[:-1]):
        _click_floor(page, x, y)
        fill_mark(page, index, str(x), str(y))
    # The last mark clicked 30 px to the left: its error shows, then it is dragged home.
    u, v = sample_pixel(*MARKS[-1])
    click_pixel(page, u - 30, v)
    fill_mark(page, len(MARKS) - 1, *(str(c) for c in MARKS[-1]))
    page.wait_for_function(
        f"[...document.querySelectorAll('#points .residual')].filter(c => c.textContent).length"
        f" === {len(MARKS)}",
        timeout=15000,
    )
    assert "bad" in (page.get_attribute("#points tr:last-child .residual", "class") or "")
    _drag(page, (u - 30, v), (u, v))
    page.wait_for_function(
        "document.querySelector('#points tr:last-child .residual').classList.contains('good')",
        timeout=15000,
    )


def _draw_zones(page: Page) -> None:
    page.click("#draw-door")
    for x, y in DOOR:
        _click_floor(page, x, y)
    page.wait_for_selector("#zones-list li[data-kind=door]", timeout=15000)
    for name, corners in POSTS.items():
        page.fill("#zone-name", name)
        page.click("#draw-post")
        for x, y in corners:
            _click_floor(page, x, y)
        page.click("#finish-shape")
        page.wait_for_selector(f"#zones-list li[data-name={name}]", timeout=15000)
    page.click("#draw-queue")
    for x, y in QUEUE:
        _click_floor(page, x, y)
    page.click("#finish-shape")
    page.wait_for_selector("#zones-list li[data-kind=queue]", timeout=15000)
    page.select_option("#area-name", "ticket_machine")
    page.click("#draw-area")
    for x, y in TICKET_MACHINE:
        _click_floor(page, x, y)
    page.click("#finish-shape")
    page.wait_for_selector("#zones-list li[data-name=ticket_machine]", timeout=15000)
    page.wait_for_function(  # the grid and the zones drawn from the fit
        "document.querySelectorAll('#overlay polyline').length > 20"
        " && [...document.querySelectorAll('#overlay text')]"
        ".some(t => t.textContent === 'teller_post')"
        " && [...document.querySelectorAll('#overlay text')]"
        ".some(t => t.textContent === '取号机')",
        timeout=15000,
    )


def test_a_whole_calibration_by_clicking(browser: Browser, tmp_path: Path) -> None:
    site = sample_site(tmp_path, free_port())
    site.cameras[0] = site.cameras[0].model_copy(update={"camera_file": None})
    (tmp_path / "cameras" / "lobby.yaml").unlink()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    started: list[Service] = []
    with running_service(site, ("admin",), started) as (address, tokens):
        page = open_page(browser, address, tokens["admin"])
        assert page.locator("#points tr").count() == 0
        _draw_marks(page)
        assert page.get_attribute("#fit-status", "class") == "ok", page.text_content("#fit-status")
        _draw_zones(page)
        _shot(page, shots, "calibrate-1366x768-drawn")
        result = save(page)
        assert result.startswith("ok"), result
        assert "已保存" in result
        # Reloaded: the saved marks and zones are back, drawn over the picture.
        page.reload()
        page.wait_for_function(f"document.querySelectorAll('#points tr').length === {len(MARKS)}")
        page.wait_for_function("document.querySelectorAll('#overlay polyline').length > 20")
        assert page.locator("#zones-list li").count() == 5
        assert page.is_hidden("#restore")  # a first calibration replaces no file
        _shot(page, shots, "calibrate-1366x768-saved")
        page.click("#etq-lang")
        page.wait_for_function(
            "document.querySelector('#step-marks h2').textContent.includes('Floor')"
        )
        _shot(page, shots, "calibrate-1366x768-english")
        page.click("#etq-lang")
        tablet = open_page(browser, address, tokens["admin"], width=768, height=1024)
        tablet.wait_for_function("document.querySelectorAll('#overlay polyline').length > 20")
        _shot(tablet, shots, "calibrate-tablet-768x1024")
        # The camera runs with the saved file.
        saved = tmp_path / "cameras" / "lobby.yaml"
        supervisor = started[0].supervisor
        assert supervisor.site.cameras[0].camera_file == saved
        for _ in range(60):
            cameras = httpx.get(
                f"http://{address}/api/cameras",
                headers={"Authorization": f"Bearer {tokens['admin']}"},
            ).json()
            if cameras[0]["online"]:
                break
            page.wait_for_timeout(500)
        assert cameras[0]["online"], cameras
    camera = load_camera(saved)
    print(f"\nscreenshots in {shots}")
    assert camera.floor is not None and len(camera.floor.points) == len(MARKS)
    assert set(camera.zones.posts) == set(POSTS)
    assert camera.zones.door is not None
    # The true floor, from the shipped camera file: every floor point over the marked area
    # lands within 5 cm of where it truly is.
    truth_file = load_camera(DEMO_CAMERA)
    assert truth_file.floor is not None
    truth = FloorProjection.from_camera(truth_file, truth_file.floor)
    fitted = FloorProjection.from_camera(camera, camera.floor)
    xs, ys = np.meshgrid(np.linspace(-1.5, 1.5, 13), np.linspace(2.2, 4.6, 13))
    floor = np.column_stack([xs.ravel(), ys.ravel()])
    errors_cm = np.linalg.norm(fitted.to_floor(truth.to_pixels(floor)) - floor, axis=1) * 100
    assert errors_cm.max() < 5.0, errors_cm.max()
    drawn = np.array([camera.zones.door.a, camera.zones.door.b])
    assert np.abs(drawn - np.array(DOOR[:2])).max() < 0.05, drawn
    for name, corners in POSTS.items():
        error = np.abs(np.array(camera.zones.posts[name]) - np.array(corners)).max()
        assert error < 0.05, (name, camera.zones.posts[name])
    assert camera.zones.queue is not None and set(camera.zones.areas) == {"ticket_machine"}
    for drawn_zone, corners in (
        (camera.zones.queue, QUEUE),
        (camera.zones.areas["ticket_machine"], TICKET_MACHINE),
    ):
        assert np.abs(np.array(drawn_zone) - np.array(corners)).max() < 0.05, drawn_zone
