"""The HTTP API against a real SQLite store: tokens, roles, filters, bad requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from etiquette.rules.events import ArrivalValues, BowValues, Phase
from etiquette.service.api.app import create_app
from etiquette.service.cli.main import main
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import CameraHealth, LiveState
from etiquette.service.store.events import EventStore
from tests.factories import event as make_event


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    site = SiteConfig.model_validate(
        {
            "cameras": [{"name": "lobby", "source": "0"}],
            "storage": {"data_dir": str(tmp_path), "database_url": "sqlite:///x.db"},
        }
    )
    store = EventStore(f"sqlite:///{tmp_path / 'events.db'}")
    live = LiveState()
    live.set_camera(
        CameraHealth(
            name="lobby", online=True, fps=14.8, dropped_frames=3, last_frame_at=1000.0, error=None
        )
    )
    bow = make_event(
        type="bow",
        phase=Phase.END,
        track=1,
        role="staff",
        start=100.0,
        end=101.5,
        peak=100.7,
        values=BowValues(
            peak_deg=15.2, time_to_peak_s=0.7, hold_s=0.4, duration_s=1.5, reference="gravity"
        ),
        verdict="to_standard",
    )
    arrival = make_event(
        type="customer_arrived",
        phase=Phase.END,
        track=2,
        role="customer",
        start=200.0,
        end=200.0,
        values=ArrivalValues(first_of_day=True, floor=(0.1, 0.5)),
    )
    store.add_event("lobby", bow)
    store.add_event("lobby", arrival)
    tokens = {
        role: store.create_token(role, f"{role}-1") for role in ("admin", "viewer", "earpiece")
    }
    with TestClient(create_app(site, store, live)) as client:
        yield client, tokens
    store.close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_health_needs_no_token(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = setup
    assert client.get("/health").json() == {"status": "ok", "problems": []}


@pytest.mark.parametrize(
    "path", ["/api/cameras", "/api/events", "/api/status", "/api/config", "/metrics"]
)
def test_everything_else_needs_a_token(setup: tuple[TestClient, dict[str, str]], path: str) -> None:
    client, _ = setup
    assert client.get(path).status_code == 401
    assert client.get(path, headers=_auth("not-a-token")).status_code == 401


@pytest.mark.parametrize(
    ("path", "role", "code"),
    [
        ("/api/events", "viewer", 200),
        ("/api/events", "earpiece", 403),
        ("/api/config", "viewer", 403),
        ("/api/config", "admin", 200),
        ("/api/cameras", "earpiece", 403),
        ("/metrics", "viewer", 200),
    ],
)
def test_roles_limit_what_a_token_may_do(
    setup: tuple[TestClient, dict[str, str]], path: str, role: str, code: int
) -> None:
    client, tokens = setup
    response = client.get(path, headers=_auth(tokens[role]))
    assert response.status_code == code
    if code == 403:
        assert f"a {role} token may not do this" in response.json()["detail"]


def test_events_filters(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = setup
    headers = _auth(tokens["viewer"])
    every = client.get("/api/events", headers=headers).json()
    assert [e["event"]["type"] for e in every] == ["bow", "customer_arrived"]
    bows = client.get("/api/events", params={"type": "bow"}, headers=headers).json()
    assert len(bows) == 1 and bows[0]["event"]["values"]["peak_deg"] == 15.2
    late = client.get("/api/events", params={"since": 150}, headers=headers).json()
    assert [e["event"]["type"] for e in late] == ["customer_arrived"]
    assert client.get("/api/events", params={"camera": "other"}, headers=headers).json() == []


def test_an_empty_interval_has_no_events(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = setup
    params = {"since": 300, "until": 100}
    assert client.get("/api/events", params=params, headers=_auth(tokens["viewer"])).json() == []


@pytest.mark.parametrize(
    "params",
    [
        {"type": "dance"},
        {"since": "yesterday"},
        {"limit": 0},
        {"limit": 10**9},
        {"after_id": -1},
    ],
)
def test_malformed_requests_get_a_4xx_with_a_message(
    setup: tuple[TestClient, dict[str, str]], params: dict[str, object]
) -> None:
    client, tokens = setup
    response = client.get("/api/events", params=params, headers=_auth(tokens["viewer"]))
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_cameras_status_and_config(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = setup
    cameras = client.get("/api/cameras", headers=_auth(tokens["viewer"])).json()
    assert cameras[0]["name"] == "lobby" and cameras[0]["online"] is True
    status = client.get("/api/status", headers=_auth(tokens["viewer"])).json()
    assert status["cameras_online"] == 1 and status["cameras"] == 1
    config = client.get("/api/config", headers=_auth(tokens["admin"])).json()
    assert config["storage"]["database_url"] == "sqlite:///x.db"  # no password to hide
    # JSON routes take the token only from the header (test_security.py: which do not).
    token_in_query = client.get("/api/status", params={"token": tokens["viewer"]})
    assert token_in_query.status_code == 401
    assert "Authorization header" in token_in_query.json()["detail"]


def test_token_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("cameras: [{name: lobby, source: '0'}]\nstorage: {data_dir: data}\n")
    assert main(["token", "create", "--config", str(site), "--role", "viewer", "--name", "tv"]) == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 32
    with EventStore(f"sqlite:///{tmp_path / 'data' / 'events.db'}") as store:
        info = store.token_role(token)
        assert info is not None and info.role == "viewer" and info.name == "tv"
    assert main(["token", "create", "--config", str(site), "--role", "viewer", "--name", "tv"]) == 2
    assert "tv" in capsys.readouterr().err
    assert main(["token", "revoke", "--config", str(site), "--name", "tv"]) == 0
    assert main(["token", "revoke", "--config", str(site), "--name", "tv"]) == 2
