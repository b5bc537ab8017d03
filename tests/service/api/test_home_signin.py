"""The home page, sign-in, the offline API docs and the site's time zone, in a real headless
Chromium against a running service (no camera: nothing here needs one, and the machine's
cores are shared)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from etiquette.service.store.events import EventStore
from tests.factories import arrival
from tests.live_service import free_port, running_service, sample_site
from tests.service.api.calibration_page import chromium

SHOTS = Path("/tmp/home-shots")
SIGN_IN_AGAIN = "登录已失效或令牌无效，请重新登录"
ROLE_PAGES = {
    "admin": ["/dashboard", "/clips", "/report", "/calibrate", "/docs"],
    "viewer": ["/dashboard", "/clips", "/report"],
    "earpiece": ["/earpiece"],
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The branch in Shanghai with one stored arrival (just now) and no camera running."""
    sample = sample_site(tmp_path_factory.mktemp("home"), free_port())
    site = sample.model_copy(
        update={
            "time_zone": "Asia/Shanghai",
            "cameras": [],
            "prompts": sample.prompts.model_copy(update={"enabled": False}),
        }
    )
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    with EventStore(site.database_url()) as store:
        store.add_event("lobby", arrival(time.time() - 5))
    with running_service(site, ("admin", "viewer", "earpiece")) as (address, tokens):
        yield address, {**tokens, "database": site.database_url()}


def _context(browser: Browser, width: int = 1280, height: int = 800) -> BrowserContext:
    # The browser sits in New York: pages must still show the branch's (Shanghai) times.
    return browser.new_context(
        viewport={"width": width, "height": height},
        timezone_id="America/New_York",
        locale="zh-CN",
    )


def _sign_in(page: Page, address: str, token: str, next_page: str = "/") -> None:
    """Paste the token on /signin, as a person would."""
    page.goto(f"http://{address}/signin?next={next_page}")
    page.fill("#signin-token", token)
    page.click("#signin-form button[type=submit]")
    page.wait_for_url(f"http://{address}{next_page}*", timeout=10000)


@pytest.mark.parametrize("role", ["admin", "viewer", "earpiece"])
def test_home_leads_to_each_page_of_the_role(
    browser: Browser, service: tuple[str, dict[str, str]], role: str
) -> None:
    address, tokens = service
    context = _context(browser)
    page = context.new_page()
    # A sign-in link (?token=): the token leaves the address bar at once and is kept.
    page.goto(f"http://{address}/signin?token={tokens[role]}")
    page.wait_for_url(f"http://{address}/", timeout=10000)
    page.locator("#home-pages a").first.wait_for(timeout=10000)
    shown = [
        (link.get_attribute("href") or "").split("?")[0]
        for link in page.locator("#home-pages a").all()
    ]
    assert shown == ROLE_PAGES[role]
    bar = [
        (link.get_attribute("href") or "").split("?")[0]
        for link in page.locator("#etq-links a").all()
    ]
    assert bar == ROLE_PAGES[role]
    assert "token=" not in page.url
    assert tokens[role] not in json.dumps(page.evaluate("history.state"))
    assert "示范支行" in (page.text_content("#etq-site") or "")
    context.close()


def test_signed_in_pages_load_without_a_token_in_the_address(
    browser: Browser, service: tuple[str, dict[str, str]]
) -> None:
    address, tokens = service
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, address, tokens["viewer"], "/dashboard")
    assert page.url == f"http://{address}/dashboard"
    page.wait_for_function("document.querySelectorAll('#events tr').length > 0", timeout=10000)
    # Another page, opened by its plain address, is signed in too; then sign out.
    page.goto(f"http://{address}/clips")
    page.wait_for_selector("#etq-signout", state="visible")
    page.click("#etq-signout")
    page.wait_for_url(f"http://{address}/signin*")
    page.goto(f"http://{address}/report")
    page.wait_for_url(f"http://{address}/signin?next=%2Freport", timeout=10000)
    context.close()


def test_a_wrong_token_is_told_in_words_not_json(
    browser: Browser, service: tuple[str, dict[str, str]]
) -> None:
    address, tokens = service
    context = _context(browser)
    page = context.new_page()
    page.goto(f"http://{address}/signin?next=/dashboard")
    page.fill("#signin-token", "not-a-token")
    page.click("#signin-form button[type=submit]")
    page.wait_for_function("document.getElementById('signin-note').textContent.length > 0")
    note = page.text_content("#signin-note") or ""
    assert SIGN_IN_AGAIN in note and "sign in again" in note
    assert "{" not in note and "detail" not in note
    assert page.url.endswith("/signin?next=/dashboard")
    # A page a browser opens without a token (/docs takes it only in the URL): words, a link.
    answer = page.goto(f"http://{address}/docs")
    assert answer is not None and answer.status == 401
    body = page.text_content("body") or ""
    assert SIGN_IN_AGAIN in body and "detail" not in body
    assert page.locator("a[href^='/signin']").count() > 0
    # An earpiece token on the manager's docs: which role is needed.
    answer = page.goto(f"http://{address}/docs?token={tokens['earpiece']}")
    assert answer is not None and answer.status == 403
    assert "网点负责人" in (page.text_content("body") or "")
    # An API client still gets JSON.
    request = urllib.request.Request(f"http://{address}/api/status")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
    assert "valid token" in json.loads(refused.value.read())["detail"]
    context.close()


def test_a_revoked_token_sends_the_page_to_sign_in(
    browser: Browser, service: tuple[str, dict[str, str]]
) -> None:
    address, tokens = service
    with EventStore(tokens["database"]) as store:
        token = store.create_token("viewer", "soon-revoked")
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, address, token, "/dashboard")
    with EventStore(tokens["database"]) as store:
        assert store.revoke_token("soon-revoked")
    page.goto(f"http://{address}/report")
    page.wait_for_url(f"http://{address}/signin*", timeout=10000)
    assert "next=%2Freport" in page.url
    note = page.locator("#signin-note")
    note.wait_for(state="visible")
    assert SIGN_IN_AGAIN in (note.text_content() or "")
    assert page.evaluate("localStorage.getItem('etiquette-token')") is None
    context.close()


def test_a_page_for_another_role_says_which_role_it_needs(
    browser: Browser, service: tuple[str, dict[str, str]]
) -> None:
    address, tokens = service
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, address, tokens["earpiece"], "/")
    page.goto(f"http://{address}/dashboard")
    problem = page.locator("#etq-problem")
    problem.wait_for(state="visible", timeout=10000)
    text = problem.text_content() or ""
    assert "网点负责人" in text and "branch manager" in text
    assert page.locator("#events tr").count() == 0
    context.close()


def _offline(context: BrowserContext) -> list[str]:
    """Every request to a host other than 127.0.0.1 is refused, and listed."""
    blocked: list[str] = []

    def only_here(route: Route) -> None:
        if route.request.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    return blocked


def test_the_api_docs_work_offline(browser: Browser, service: tuple[str, dict[str, str]]) -> None:
    address, tokens = service
    context = _context(browser)
    blocked = _offline(context)
    page = context.new_page()
    page.goto(f"http://{address}/docs?token={tokens['admin']}")
    page.locator(".opblock-summary-path").first.wait_for(timeout=15000)
    paths = page.locator(".opblock-summary-path").all_text_contents()
    assert any("/api/events" in path for path in paths), paths
    page.goto(f"http://{address}/redoc?token={tokens['admin']}")
    page.get_by_text("/api/events").first.wait_for(timeout=20000)
    assert blocked == []
    context.close()


def test_times_are_the_branch_s(browser: Browser, service: tuple[str, dict[str, str]]) -> None:
    address, tokens = service
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, address, tokens["viewer"], "/")
    assert page.evaluate("new Date(0).getTimezoneOffset()") == 300  # New York, in winter
    page.evaluate("signedIn")  # the site's zone is known (api() waits for it too)
    assert page.evaluate("siteTime(0, 'datetime')") == "1970-01-01 08:00:00"
    assert page.evaluate("siteTime(0, 'time')") == "08:00:00"
    assert page.evaluate("siteTime(86399, 'date')") == "1970-01-02"
    assert page.evaluate("siteEpoch('1970-01-01', '08:00')") == 0
    assert "Asia/Shanghai" in (page.text_content("#etq-zone") or "")
    clock = page.locator("#home-clock")
    clock.wait_for()
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    assert now.strftime("%Y-%m-%d %H:") in (clock.text_content() or "")
    context.close()


def test_screenshots_of_home_and_sign_in(
    browser: Browser, service: tuple[str, dict[str, str]]
) -> None:
    """/ and /signin in Chinese and English, desktop and phone: nothing wider than the
    screen; the pictures in /tmp/home-shots/ for a person to look at."""
    address, tokens = service
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1440, 900), (390, 844)):
        context = _context(browser, width, height)
        page = context.new_page()
        for lang in ("zh", "en"):
            page.goto(f"http://{address}/signin?out=1")
            page.evaluate(f"localStorage.setItem('etiquette-lang', '{lang}')")
            page.goto(f"http://{address}/signin?next=/")
            page.wait_for_selector("#signin-token")
            page.screenshot(path=str(SHOTS / f"signin-{lang}-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            _sign_in(page, address, tokens["admin"], "/")
            page.locator("#home-pages a").first.wait_for()
            english = (page.text_content("#home-pages") or "").count("Dashboard") > 0
            assert english == (lang == "en")
            page.screenshot(path=str(SHOTS / f"home-{lang}-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The switch in the bar: back to Chinese, remembered.
        page.click("#etq-lang")
        page.wait_for_function("localStorage.getItem('etiquette-lang') === 'zh'")
        page.locator("#home-pages a").first.wait_for()
        page.wait_for_function("document.getElementById('home-pages').textContent.includes('实时')")
        context.close()
