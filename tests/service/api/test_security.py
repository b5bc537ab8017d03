"""Tokens in URLs only where a browser cannot send a header; security headers on every
response; no secret in /api/config (on the app as served: build_service, without its
lifespan). The data folder's permissions: tests/service/store/test_private_files.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from etiquette.service.api.app import create_app
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState
from etiquette.service.offline.demo import demo_site
from etiquette.service.server import Service, build_service
from etiquette.service.store.events import EventStore
from etiquette.vision.sources import hide_password

# Loaded by the browser itself (page, <img>, <audio>, <video>, EventSource, a download link):
# the only routes that take ?token=.
URL_TOKEN_ROUTES = {
    "/docs",
    "/redoc",
    "/openapi.json",
    "/api/prompts/audio/{name}",
    "/api/live/stream",
    "/api/cameras/{name}/live.mjpeg",
    "/api/cameras/{name}/snapshot.jpg",
    "/api/clips/{clip_id}/video",
    "/api/clips/{clip_id}/poster.jpg",
    "/api/clips/export.zip",
}
# Pages are shells with no data, served without a token (their data calls are authorised).
SHELLS = ["/", "/signin", "/dashboard", "/earpiece", "/clips", "/report", "/calibrate"]
PAGES = [*SHELLS, "/docs", "/redoc"]
AUDIO = "0123456789abcdef.ogg"
ROLES = ("admin", "viewer", "earpiece")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Service]]:
    site = demo_site(tmp_path_factory.mktemp("security"), 8080)
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    service = build_service(site)  # no lifespan: no camera runs
    (site.storage.data_dir / "prompts").mkdir(exist_ok=True)
    (site.storage.data_dir / "prompts" / AUDIO).write_bytes(b"OggS" + bytes(100))
    yield TestClient(service.app), service
    service.store.close()


@pytest.fixture(scope="module")
def tokens(served: tuple[TestClient, Service]) -> dict[str, str]:
    store = served[1].store
    return {role: store.create_token(role, f"security-{role}") for role in ROLES}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _concrete(path: str) -> str:
    return path.replace("{name}", "lobby").replace("{clip_id}", "1")


def _routes(app: Any) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in (route.methods or set()) - {"HEAD"}
    )


# No token at all: the service's health, the pages' shells and shared scripts (no data).
PUBLIC_ROUTES = {"/health", "/web/{name}", "/web/vendor/{name}", "/earpiece.webmanifest", *SHELLS}


def test_every_other_route_takes_the_token_only_from_the_header(
    served: tuple[TestClient, Service], tokens: dict[str, str]
) -> None:
    client, service = served
    header_only = [
        (method, path)
        for method, path in _routes(service.app)
        if path not in URL_TOKEN_ROUTES and path not in PUBLIC_ROUTES
    ]
    assert ("GET", "/api/config") in header_only and ("POST", "/metrics") not in header_only
    accepted = []
    for method, path in header_only:
        answer = client.request(
            method,
            _concrete(path),
            params={"token": tokens["admin"], "start": 0, "end": 1},
            json={"training": True},
        )
        if answer.status_code != 401 or "Authorization header" not in answer.json()["detail"]:
            accepted.append((method, path, answer.status_code))
    assert accepted == [], "these routes take ?token="
    # The same requests with the token in the header get past the token check.
    for method, path in header_only:
        answer = client.request(
            method,
            _concrete(path),
            params={"start": 0, "end": 1},
            json={"training": True},
            headers=_bearer(tokens["admin"]),
        )
        assert answer.status_code not in (401, 403), (method, path, answer.text)


def test_a_query_token_is_refused_even_beside_a_header(
    served: tuple[TestClient, Service], tokens: dict[str, str]
) -> None:
    client, _ = served
    answer = client.get(
        "/api/status", params={"token": tokens["viewer"]}, headers=_bearer(tokens["viewer"])
    )
    assert answer.status_code == 401
    assert "Authorization header" in answer.json()["detail"]
    assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/docs", "admin"),
        ("/redoc", "viewer"),
        ("/openapi.json", "viewer"),
        (f"/api/prompts/audio/{AUDIO}", "earpiece"),
    ],
)
def test_pages_and_audio_take_a_query_token(
    served: tuple[TestClient, Service], tokens: dict[str, str], path: str, role: str
) -> None:
    client, _ = served
    answer = client.get(path, params={"token": tokens[role]})
    assert answer.status_code == 200, answer.text
    assert client.get(path, params={"token": "not-a-token"}).status_code == 401
    assert client.get(path).status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        # Past the token check: the answer is about the request itself.
        ("/api/live/stream", {"post": "x" * 65}, 422),
        ("/api/cameras/nope/live.mjpeg", {}, 404),
        ("/api/cameras/lobby/snapshot.jpg", {}, 404),
        ("/api/clips/999999/video", {"download": "true"}, 404),
        ("/api/clips/export.zip", {"ids": 999999}, 404),
    ],
)
def test_streams_images_video_and_downloads_take_a_query_token(
    served: tuple[TestClient, Service],
    tokens: dict[str, str],
    path: str,
    params: dict[str, Any],
    expected: int,
) -> None:
    client, _ = served
    answer = client.get(path, params={**params, "token": tokens["viewer"]})
    assert answer.status_code == expected, answer.text
    assert client.get(path, params={**params, "token": "not-a-token"}).status_code == 401


@pytest.mark.parametrize("path", SHELLS)
def test_page_shells_hold_no_data_and_need_no_token(
    served: tuple[TestClient, Service], path: str
) -> None:
    client, _ = served
    answer = client.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "示范支行" not in answer.text  # not even the branch's name: it comes from /api/site
    assert client.get("/api/site").status_code == 401


@pytest.mark.parametrize(
    ("headers", "html"), [({"Accept": "text/html,*/*;q=0.8"}, True), ({}, False)]
)
def test_refusals_are_sentences_for_a_browser_and_json_for_a_client(
    served: tuple[TestClient, Service], tokens: dict[str, str], headers: dict[str, str], html: bool
) -> None:
    client, _ = served
    no_token = client.get("/docs", headers=headers)
    wrong_role = client.get("/docs", params={"token": tokens["earpiece"]}, headers=headers)
    assert (no_token.status_code, wrong_role.status_code) == (401, 403)
    if html:
        assert no_token.headers["content-type"].startswith("text/html")
        assert "登录已失效或令牌无效，请重新登录" in no_token.text
        assert 'href="/signin?next=%2Fdocs"' in no_token.text
        assert "网点负责人" in wrong_role.text and tokens["earpiece"] not in wrong_role.text
    else:
        assert no_token.json()["detail"].startswith("a valid token is needed")
        assert no_token.json()["zh"] == "登录已失效或令牌无效，请重新登录"
        assert set(wrong_role.json()["needed"]) == {"admin", "viewer"}


def test_the_docs_load_their_schema_with_the_pages_token(
    served: tuple[TestClient, Service], tokens: dict[str, str]
) -> None:
    client, _ = served
    page = client.get("/docs", params={"token": tokens["admin"]}).text
    assert f"/openapi.json?token={tokens['admin']}" in page


PAGE_HEADERS = {
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
}


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_security_headers(
    served: tuple[TestClient, Service], tokens: dict[str, str], path: str
) -> None:
    client, _ = served
    answer = client.get(path, params={"token": tokens["admin"]})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    for name, value in PAGE_HEADERS.items():
        assert answer.headers.get(name) == value, (path, name)
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("path", "auth"),
    [("/api/status", True), ("/api/status", False), ("/health", False), ("/metrics", True)],
)
def test_api_answers_send_security_headers(
    served: tuple[TestClient, Service], tokens: dict[str, str], path: str, auth: bool
) -> None:
    client, _ = served
    answer = client.get(path, headers=_bearer(tokens["admin"]) if auth else {})
    assert answer.status_code in (200, 401, 503)
    for name, value in PAGE_HEADERS.items():
        assert answer.headers.get(name) == value, (path, name)


def test_prompt_audio_is_not_cached(
    served: tuple[TestClient, Service], tokens: dict[str, str]
) -> None:
    client, _ = served
    answer = client.get(f"/api/prompts/audio/{AUDIO}", params={"token": tokens["earpiece"]})
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


SECRETS = ("s3cret-1", "p@ss/w0rd", "hunter22", "dbSecret9", "mqttSecret7", "adminTok3n")


def test_the_config_shows_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ETIQUETTE_MQTT_PASSWORD", "mqttSecret7")
    monkeypatch.setenv("ETIQUETTE_ADMIN_TOKEN", "adminTok3n")
    site = SiteConfig.model_validate(
        {
            "cameras": [
                {"name": "door", "source": "rtsp://admin:s3cret-1@10.0.0.5:554/Streaming/101"},
                {"name": "hall", "source": "rtsp://viewer:p@ss/w0rd@cam2.local/stream"},
                {"name": "back", "source": "rtsp://cam3.local/live?user=op&password=hunter22"},
                {"name": "desk", "source": "rtsp://cam4.local:554/live"},
                {"name": "usb", "source": "0"},
            ],
            "storage": {
                "data_dir": str(tmp_path),
                "database_url": "postgresql+psycopg://etiq:dbSecret9@db.example:5432/etiquette",
            },
            "mqtt": {"host": "broker.local", "username": "etiq"},
        }
    )
    with EventStore(f"sqlite:///{tmp_path / 'events.db'}") as store:
        admin = store.create_token("admin", "config")
        client = TestClient(create_app(site, store, LiveState()))
        answer = client.get("/api/config", headers=_bearer(admin))
    assert answer.status_code == 200
    for secret in SECRETS:
        assert secret not in answer.text
    config = answer.json()
    sources = [camera["source"] for camera in config["cameras"]]
    assert sources == [
        "rtsp://admin:***@10.0.0.5:554/Streaming/101",
        "rtsp://viewer:***@cam2.local/stream",
        "rtsp://cam3.local/live?user=op&password=***",
        "rtsp://cam4.local:554/live",
        "0",
    ]
    assert config["storage"]["database_url"] == (
        "postgresql+psycopg://etiq:***@db.example:5432/etiquette"
    )
    assert config["mqtt"]["username"] == "etiq"
    assert site.cameras[0].source.endswith("s3cret-1@10.0.0.5:554/Streaming/101")  # unchanged


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://u:p@h/x", "rtsp://u:***@h/x"),
        ("rtsp://u@h/x", "rtsp://u@h/x"),
        ("rtsp://:p@h/x", "rtsp://:***@h/x"),
        ("rtsp://h/x?token=abc&channel=1", "rtsp://h/x?token=***&channel=1"),
        ("rtsp://h/x?PWD=abc", "rtsp://h/x?PWD=***"),
        ("sqlite:////var/lib/etiquette/events.db", "sqlite:////var/lib/etiquette/events.db"),
        ("/videos/lobby.mp4", "/videos/lobby.mp4"),
    ],
)
def test_hide_password(url: str, shown: str) -> None:
    assert hide_password(url) == shown


def test_the_pages_shared_script_needs_no_token_and_nothing_else_is_served_beside_it(
    served: tuple[TestClient, Service],
) -> None:
    client, _ = served
    script = client.get("/web/common.js")
    assert script.status_code == 200 and "function withToken" in script.text
    assert script.headers["content-type"].startswith("text/javascript")
    for name in ("dashboard.html", "../api.py", "report.html.j2"):
        assert client.get(f"/web/{name}").status_code == 404
