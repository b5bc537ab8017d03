"""schemathesis against the API's own OpenAPI description: whatever it sends, the answer is
never a server error, and it matches the documented responses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import settings

from service.api import create_app
from service.config import SiteConfig
from service.live import LiveState
from service.store import EventStore

SCRATCH = Path(__file__).resolve().parent / ".fuzz-store.db"


def _app() -> tuple[FastAPI, str]:
    SCRATCH.unlink(missing_ok=True)
    site = SiteConfig.model_validate({"cameras": [{"name": "lobby", "source": "0"}]})
    store = EventStore(f"sqlite:///{SCRATCH}")
    token = store.create_token("admin", "fuzz")
    return create_app(site, store, LiveState()), token


APP, TOKEN = _app()
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, headers={"Authorization": f"Bearer {TOKEN}"}
)


@pytest.fixture(scope="module", autouse=True)
def scratch_store() -> Iterator[None]:
    yield
    APP.state.store.close()
    SCRATCH.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{SCRATCH}{suffix}").unlink(missing_ok=True)


@schema.parametrize()
@settings(max_examples=40, deadline=None)
def test_no_server_errors(case: schemathesis.Case) -> None:  # type: ignore[type-arg,untyped-decorator]
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, response.text
    case.validate_response(response)


def test_every_route_but_health_needs_a_token() -> None:
    from fastapi.testclient import TestClient

    with TestClient(APP) as client:
        for path in [*schema.raw_schema["paths"], "/openapi.json", "/docs", "/redoc"]:
            concrete = path.replace("{name}", "lobby")
            expected = 200 if path == "/health" else 401 if path != "/redoc" else 404
            assert client.get(concrete).status_code == expected, path
        docs = client.get("/docs", headers={"Authorization": f"Bearer {TOKEN}"})
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
