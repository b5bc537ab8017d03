"""Head office's API and pages on a real PostgreSQL: branches ranked, each token seeing only
its branches, sign-in, a branch's report from the edge's report code, fleet health."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from etiquette.service.hq.app import create_hq_app
from etiquette.service.hq.config import HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.live.uplink_protocol import BranchStatus
from tests.service.hq.hq_data import DAY, seeded_store

__all__ = ["seeded_store"]


@pytest.fixture
def client(seeded_store: HqStore) -> TestClient:
    return TestClient(create_hq_app(HqConfig(time_zone="Asia/Shanghai"), seeded_store, None))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_head_office_sees_every_branch_ranked(seeded_store: HqStore, client: TestClient) -> None:
    token = seeded_store.create_token("ho", "head_office", None)
    answer = client.get(f"/api/ranking?start={DAY}&end={DAY}", headers=bearer(token))
    assert answer.status_code == 200
    rows = [(r["branch"], r["on_time_rate"], r["arrivals"]) for r in answer.json()]
    assert rows == [("b1", 1.0, 2), ("b2", 0.5, 2), ("b3", None, 0)]


@pytest.mark.parametrize(
    ("role", "scope", "seen"),
    [("region", "华东区", ["b1", "b2"]), ("branch", "b2", ["b2"]), ("region", "华北区", [])],
)
def test_a_token_sees_only_its_branches(
    seeded_store: HqStore, client: TestClient, role: str, scope: str, seen: list[str]
) -> None:
    token = seeded_store.create_token("t", role, scope)
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
    seeded_store: HqStore, client: TestClient
) -> None:
    token = seeded_store.create_token("ho", "head_office", None)
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
    seeded_store: HqStore, client: TestClient
) -> None:
    token = seeded_store.create_token("ho", "head_office", None)
    report = client.get(f"/api/branches/b2/report?start={DAY}&end={DAY}", headers=bearer(token))
    data = report.json()
    assert (data["arrivals"], data["greetings_on_time"], data["greetings_missed"]) == (2, 1, 1)


def test_a_branch_whose_box_said_goodbye_is_silent(
    seeded_store: HqStore, client: TestClient
) -> None:
    token = seeded_store.create_token("ho", "head_office", None)
    seeded_store.record_status("b3", BranchStatus(online=False))
    alerts = client.get("/api/alerts", headers=bearer(token)).json()
    assert [row["branch"] for row in alerts] == ["b3"]
    assert [row.id for row in seeded_store.silent_branches(after_s=180)] == ["b3"]
    assert seeded_store.silent_branches(after_s=180) == []  # alerted once


def test_a_bad_period_is_refused(seeded_store: HqStore, client: TestClient) -> None:
    token = seeded_store.create_token("ho", "head_office", None)
    assert (
        client.get(
            "/api/ranking?start=2026-12-05&end=2026-12-01", headers=bearer(token)
        ).status_code
        == 422
    )
    assert client.get("/api/ranking?start=yesterday", headers=bearer(token)).status_code == 422


def test_health_says_when_head_office_is_off_the_broker(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 503
    assert answer.json()["broker"] is False and "broker" in answer.json()["problems"][0]


def test_trainers_see_good_examples_and_faults_across_their_branches(
    seeded_store: HqStore, client: TestClient
) -> None:
    everyone = seeded_store.create_token("ho", "head_office", None)
    clips = client.get(f"/api/clips?start={DAY}&end={DAY}", headers=bearer(everyone)).json()
    assert [(c["branch"], c["reason"], c["example"]) for c in clips] == [
        ("b1", "good_bow", True),
        ("b2", "missed_greeting", False),
    ]
    south = seeded_store.create_token("south", "region", "华南区")
    assert client.get(f"/api/clips?start={DAY}&end={DAY}", headers=bearer(south)).json() == []
    client.cookies.set("etiquette_hq_token", everyone)
    page = client.get(f"/clips?start={DAY}&end={DAY}").text
    assert "标准鞠躬（示范）" in page and "未迎宾" in page
    assert "/branches/b2/clips?clip=1" in page
