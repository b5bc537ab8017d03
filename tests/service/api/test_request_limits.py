"""Every list a request can send has a limit, ids and times outside the database's range
are refused as requests (422/404), never a 500, on the app as served (build_service)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from etiquette.calibration.camera_file import Zones
from etiquette.service.offline.demo import demo_site
from etiquette.service.server import build_service
from etiquette.service.store.events import EventStore


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    site = demo_site(tmp_path_factory.mktemp("limits"), 8080)
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    with EventStore(site.database_url()) as store:
        admin = store.create_token("admin", "test-admin")
    service = build_service(site)  # no lifespan: no camera runs
    yield TestClient(service.app), {"Authorization": f"Bearer {admin}"}
    service.store.close()


def _marks(count: int) -> list[dict[str, float]]:
    return [
        {"u": 10.0 + i % 600, "v": 300.0 + i % 100, "x": i * 0.01, "y": 1.0} for i in range(count)
    ]


def test_the_calibration_takes_a_bounded_number_of_marks(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    http, admin = client
    began = time.monotonic()
    answer = http.post(
        "/api/cameras/lobby/calibration", json={"points": _marks(6000), "zones": {}}, headers=admin
    )
    assert answer.status_code == 422, answer.text
    assert "200" in answer.text
    assert time.monotonic() - began < 2.0


@pytest.mark.parametrize(
    "zones",
    [
        {"posts": {"door_post": [[0.1 * i, (i % 2) * 1.0] for i in range(5000)]}},
        {"posts": {f"post_{i}": [[0, 0], [1, 0], [0, 1]] for i in range(500)}},
        {"queue": [[0.1 * i, (i % 2) * 1.0] for i in range(5000)]},
    ],
)
def test_zones_are_bounded(zones: dict[str, object]) -> None:
    """The zones a calibration request (or a camera file) may hold."""
    with pytest.raises(ValidationError, match="at most"):
        Zones.model_validate(zones)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/clips/{2**63}"),
        ("GET", f"/api/clips/{2**63}/video"),
        ("PUT", f"/api/clips/{2**70}/training"),
        ("GET", f"/api/clips/{-(2**63) - 1}"),
    ],
)
def test_ids_beyond_the_database_range_are_not_found(
    client: tuple[TestClient, dict[str, str]], method: str, path: str
) -> None:
    http, admin = client
    answer = http.request(method, path, headers=admin, json={"training": True})
    assert answer.status_code in (404, 422), answer.text


def test_a_report_whose_end_is_before_its_start_is_refused(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    http, admin = client
    answer = http.get("/api/report?start=2000&end=1000", headers=admin)
    assert answer.status_code == 422, answer.text
    assert "end" in answer.text
