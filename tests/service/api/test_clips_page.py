"""The clips page as a trainer uses it, in Debian's headless Chromium (zh-CN, 1440x900)
against the live service replaying the bundled sample (its first customers go ungreeted, so
it writes missed-greeting clips): posters, the day's timeline, filters by post, reason and
verdict, a note and reviewed mark that survive a reload, previous/next, slow motion and the
event moment marked on the player's progress bar."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from etiquette.service.offline.demo import demo_site
from tests.live_service import free_port, running_service
from tests.service.api.calibration_page import chromium
from tests.service.clips.test_clips_service import Running

SPEED = 3.0
SHOTS = Path(os.environ.get("CLIPS_SHOTS", "/tmp/clips-shots"))
VIDEO_READY = (
    "(() => { const v = document.getElementById('video');"
    " return v.readyState >= 2 && v.duration > 0 && !v.error; })()"
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("clips-page")
    site = demo_site(folder, free_port(), speed=SPEED, loop=False)
    with running_service(site, ("viewer",)) as (address, tokens):
        running = Running(site, address, tokens)
        running.wait_for("/api/clips", 2, timeout_s=90)
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def open_clips(browser: Browser, service: Running, lang: str = "zh") -> tuple[Page, list[str]]:
    """The page with its clips listed, and the script errors it will meet."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"http://{service.address}/clips?token={service.tokens['viewer']}&lang={lang}")
    page.wait_for_selector("#clips li img.thumb", timeout=15000)
    page.set_default_timeout(15000)
    return page, errors


def test_posters_are_written_with_clips_and_made_for_older_ones(service: Running) -> None:
    clip = service.get("/api/clips").json()[0]
    video = service.site.clips_dir() / clip["file"]
    poster = video.with_suffix(".jpg")
    assert poster.is_file()  # written with the clip
    poster.unlink()  # as for a clip written before posters existed
    response = service.get(f"/api/clips/{clip['id']}/poster.jpg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    picture = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None and picture.shape[1] >= 320
    assert poster.is_file()  # made on demand, kept
    assert 2.0 <= clip["event_offset_s"] <= 4.0  # the 3 s pre-roll: where the event starts
    unauthorised = httpx.get(f"http://{service.address}/api/clips/{clip['id']}/poster.jpg")
    assert unauthorised.status_code == 401


def test_thumbnails_timeline_and_filters(browser: Browser, service: Running) -> None:
    clips = service.get("/api/clips").json()
    page, errors = open_clips(browser, service)
    page.wait_for_function(
        "[...document.querySelectorAll('#clips img.thumb')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator("#clips li").count() == len(clips)
    # The day's time axis: one mark per clip, clicking one opens it.
    marks = page.locator("#timeline .mark")
    assert marks.count() == len(clips)
    marks.nth(0).click()
    page.wait_for_function(VIDEO_READY, timeout=20000)
    opened = page.evaluate("document.querySelector('#clips li.current').dataset.id")
    assert opened == page.evaluate("document.querySelector('#timeline .mark').dataset.id")
    # Posts by their display names; missed greetings belong to the door post.
    options = page.locator("select[name=post] option").all_text_contents()
    assert "门口迎宾岗" in options
    page.select_option("select[name=post]", "door_post")
    page.click("#filters button[type=submit]")
    page.wait_for_function(f"document.querySelectorAll('#clips li').length === {len(clips)}")
    page.select_option("select[name=verdict]", "too_shallow")
    page.click("#filters button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#clips li').length === 0")
    assert "没有" in (page.text_content("#status") or "")
    page.select_option("select[name=verdict]", "")
    page.select_option("select[name=reason]", "good_bow")
    page.click("#filters button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#clips li').length === 0")
    page.select_option("select[name=reason]", "missed_greeting")
    day = page.evaluate("document.getElementById('timeline-day').textContent")
    page.fill("input[name=date]", day)
    page.click("#filters button[type=submit]")
    page.wait_for_function(f"document.querySelectorAll('#clips li').length === {len(clips)}")
    page.fill("input[name=date]", "2020-01-01")
    page.click("#filters button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#clips li').length === 0")
    assert errors == []


def test_notes_and_reviewed_mark_survive_a_reload(browser: Browser, service: Running) -> None:
    page, errors = open_clips(browser, service)
    page.locator("#clips li img.thumb").nth(1).click()
    chosen = page.evaluate("document.querySelector('#clips li.current').dataset.id")
    page.fill("#note", "注意：客户进门时应起身鞠躬")
    page.check("#reviewed")
    page.click("#save-review")
    page.wait_for_function("document.getElementById('status').textContent === '已保存'")
    page.reload()
    page.wait_for_selector(f'#clips li[data-id="{chosen}"] .reviewed-badge')
    assert "起身鞠躬" in (page.text_content(f'#clips li[data-id="{chosen}"] .note') or "")
    page.click(f'#clips li[data-id="{chosen}"] img.thumb')
    assert page.input_value("#note") == "注意：客户进门时应起身鞠躬"
    assert page.is_checked("#reviewed")
    page.select_option("select[name=reviewed]", "no")
    assert page.locator(f'#clips li[data-id="{chosen}"]').count() == 0
    stored = service.get(f"/api/clips/{chosen}").json()
    assert stored["note"] == "注意：客户进门时应起身鞠躬" and stored["reviewed"] is True
    assert errors == []


def test_player_previous_next_slow_motion_and_event_moment(
    browser: Browser, service: Running
) -> None:
    clips = service.get("/api/clips").json()
    page, errors = open_clips(browser, service)
    page.locator("#clips li img.thumb").first.click()
    page.wait_for_function(VIDEO_READY, timeout=20000)
    current = "document.querySelector('#clips li.current').dataset.id"
    assert page.evaluate(current) == str(clips[0]["id"])
    page.click("#next")
    page.wait_for_function(f"{current} === '{clips[1]['id']}'")
    page.wait_for_function(VIDEO_READY, timeout=20000)
    assert f"/api/clips/{clips[1]['id']}/video" in page.evaluate(
        "document.getElementById('video').src"
    )
    page.click("#prev")
    page.wait_for_function(f"{current} === '{clips[0]['id']}'")
    page.wait_for_function(VIDEO_READY, timeout=20000)
    # Slow motion, kept for the next clip.
    page.click("button.rate[data-rate='0.25']")
    assert page.evaluate("document.getElementById('video').playbackRate") == 0.25
    page.click("button.rate[data-rate='0.5']")
    assert page.evaluate("document.getElementById('video').playbackRate") == 0.5
    page.click("#next")
    page.wait_for_function(VIDEO_READY, timeout=20000)
    assert page.evaluate("document.getElementById('video').playbackRate") == 0.5
    # The event moment: a marker on the progress bar at the pre-roll, and a jump to it.
    offset, duration = (
        clips[1]["event_offset_s"],
        page.evaluate("document.getElementById('video').duration"),
    )
    page.wait_for_function("document.getElementById('event-marker').style.display === 'block'")
    bar = page.locator("#progress").bounding_box()
    marker = page.locator("#event-marker").bounding_box()
    assert bar is not None and marker is not None
    at = (marker["x"] + marker["width"] / 2 - bar["x"]) / bar["width"]
    assert at == pytest.approx(offset / duration, abs=0.02)
    page.evaluate("document.getElementById('video').pause()")
    page.click("#jump")
    page.wait_for_function(
        f"Math.abs(document.getElementById('video').currentTime - {offset}) < 0.15"
    )
    assert errors == []


def test_screenshots_and_a_captioned_frame(browser: Browser, service: Running) -> None:
    """For a person to look at: the page in Chinese and English at 1440x900, and a frame of
    a clip at the event moment with its caption and labels."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang in ("zh", "en"):
        page, errors = open_clips(browser, service, lang)
        page.locator("#clips li img.thumb").first.click()
        page.wait_for_function(VIDEO_READY, timeout=20000)
        page.evaluate("document.getElementById('video').pause()")
        page.click("#jump")
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / f"clips-{lang}.png"))
        assert errors == []
    clip = service.get("/api/clips").json()[0]
    capture = cv2.VideoCapture(str(service.site.clips_dir() / clip["file"]))
    capture.set(cv2.CAP_PROP_POS_MSEC, (clip["event_offset_s"] + 2.0) * 1000)
    ok, frame = capture.read()
    capture.release()
    assert ok
    cv2.imwrite(str(SHOTS / "clip-frame.png"), frame)
    assert clip["summary"] == "客户 未迎宾"
