"""Head office's API and pages on a real PostgreSQL: branches ranked, each token seeing only
its branches, sign-in, a branch's report from the edge's report code, fleet health."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from etiquette.rules.events import Event
from etiquette.service.hq.app import create_hq_app
from etiquette.service.hq.config import HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.live.uplink_protocol import BranchStatus, CameraHealth
from etiquette.service.store.outbox import OutboxEntry
from tests import factories
from tests.postgres import postgres_base_url, postgres_database

DAY = date(2026, 12, 3)
# 10:00 in Shanghai that day
MORNING = datetime(2026, 12, 3, 2, 0, tzinfo=UTC).timestamp()


def deliver(store: HqStore, branch: str, events: list[Event]) -> None:
    stored = factories.stored(events)
    entries = [
        OutboxEntry(
            stream=f"stream-{branch}",
            seq=k + 1,
            kind="event",
            camera="lobby",
            created_at=datetime.now(UTC),
            body=item.model_dump(mode="json"),
        )
        for k, item in enumerate(stored)
    ]
    store.ingest([(branch, entry) for entry in entries])


def greeted(t: float, on_time: bool, track: int) -> list[Event]:
    arrival = factories.arrival(t, track=track)
    outcome = (
        factories.greeting(t, 1.0, "on_time", track=track + 1000)
        if on_time
        else factories.missed(t, track=track)
    )
    return [arrival, outcome]


@pytest.fixture
def store() -> Iterator[HqStore]:
    for url in postgres_database(postgres_base_url()):
        opened = HqStore(url)
        for branch, name, region in (
            ("b1", "浦东支行", "east"),
            ("b2", "徐汇支行", "east"),
            ("b3", "广州支行", "south"),
        ):
            opened.register_branch(branch, name, region)
            cameras = [CameraHealth(name="lobby", shown_name="大堂", online=branch != "b2")]
            opened.record_status(
                branch,
                BranchStatus(online=True, site=name, time_zone="Asia/Shanghai", cameras=cameras),
            )
        deliver(opened, "b1", greeted(MORNING, True, 1) + greeted(MORNING + 60, True, 2))
        deliver(opened, "b2", greeted(MORNING, True, 1) + greeted(MORNING + 60, False, 2))
        yield opened
        opened.close()


@pytest.fixture
def client(store: HqStore) -> TestClient:
    return TestClient(create_hq_app(HqConfig(time_zone="Asia/Shanghai"), store, None))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_head_office_sees_every_branch_ranked(store: HqStore, client: TestClient) -> None:
    token = store.create_token("ho", "head_office", None)
    answer = client.get(f"/api/ranking?start={DAY}&end={DAY}", headers=bearer(token))
    assert answer.status_code == 200
    rows = [(r["branch"], r["on_time_rate"], r["arrivals"]) for r in answer.json()]
    assert rows == [("b1", 1.0, 2), ("b2", 0.5, 2), ("b3", None, 0)]


@pytest.mark.parametrize(
    ("role", "scope", "seen"),
    [("region", "east", ["b1", "b2"]), ("branch", "b2", ["b2"]), ("region", "north", [])],
)
def test_a_token_sees_only_its_branches(
    store: HqStore, client: TestClient, role: str, scope: str, seen: list[str]
) -> None:
    token = store.create_token("t", role, scope)
    ranked = client.get(f"/api/ranking?start={DAY}&end={DAY}", headers=bearer(token)).json()
    assert [row["branch"] for row in ranked] == seen
    assert [row["branch"] for row in client.get("/api/fleet", headers=bearer(token)).json()] == seen
    assert (
        client.get(f"/api/branches/b3/report?start={DAY}", headers=bearer(token)).status_code == 404
    )


def test_no_token_no_data(client: TestClient) -> None:
    assert client.get("/api/ranking").status_code == 401
    assert client.get("/api/ranking", headers=bearer("wrong")).status_code == 401
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")


def test_signing_in_opens_the_pages_and_the_branch_report(
    store: HqStore, client: TestClient
) -> None:
    token = store.create_token("ho", "head_office", None)
    refused = client.post("/signin", content="token=nonsense", follow_redirects=False)
    assert "令牌无效" in refused.text
    signed = client.post(
        "/signin",
        content=f"token={token}&next=/fleet",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/fleet"
    ranking = client.get(f"/?start={DAY}&end={DAY}")
    assert ranking.status_code == 200
    assert "网点礼仪排名" in ranking.text
    assert ranking.text.index("浦东支行") < ranking.text.index("徐汇支行")
    report = client.get(f"/branches/b2?start={DAY}&end={DAY}")
    assert report.status_code == 200
    assert "徐汇支行" in report.text and "Asia/Shanghai" in report.text
    fleet = client.get("/fleet")
    assert "1 / 1" in fleet.text and "0 / 1" in fleet.text  # b2's camera is offline


def test_the_branch_report_counts_what_the_branch_delivered(
    store: HqStore, client: TestClient
) -> None:
    token = store.create_token("ho", "head_office", None)
    report = client.get(f"/api/branches/b2/report?start={DAY}&end={DAY}", headers=bearer(token))
    data = report.json()
    assert (data["arrivals"], data["greetings_on_time"], data["greetings_missed"]) == (2, 1, 1)


def test_a_branch_whose_box_said_goodbye_is_silent(store: HqStore, client: TestClient) -> None:
    token = store.create_token("ho", "head_office", None)
    store.record_status("b3", BranchStatus(online=False))
    alerts = client.get("/api/alerts", headers=bearer(token)).json()
    assert [row["branch"] for row in alerts] == ["b3"]
    assert [row.id for row in store.silent_branches(after_s=180)] == ["b3"]
    assert store.silent_branches(after_s=180) == []  # alerted once


def test_a_bad_period_is_refused(store: HqStore, client: TestClient) -> None:
    token = store.create_token("ho", "head_office", None)
    assert (
        client.get(
            "/api/ranking?start=2026-12-05&end=2026-12-01", headers=bearer(token)
        ).status_code
        == 422
    )
    assert client.get("/api/ranking?start=yesterday", headers=bearer(token)).status_code == 422
