"""`etiquette bench-hq` on the test PostgreSQL, small: its JSON line's figures are there and
every generated event and clip entry is stored exactly once (no timing is asserted: shared
machines)."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from etiquette.service.bench.branch_day import CUSTOMERS, branch_day, cameras_of
from etiquette.service.bench.hq_load import branch_outbox, interleaved
from etiquette.service.cli.main import main
from tests.postgres import postgres_base_url

TIMED = ("ranking_query", "ranking_page", "drilldown_events", "drilldown_page")


def _kept(base: str, name: str) -> tuple[int, int, int]:
    """Events, distinct event keys and clips in the run's kept database; then drops it."""
    url = make_url(base).set(drivername="postgresql")

    def conninfo(database: str) -> str:
        return url.set(database=database).render_as_string(hide_password=False)

    with psycopg.connect(conninfo(name)) as connection:
        events, distinct = connection.execute(
            "SELECT count(*), count(DISTINCT (branch, stream, camera, edge_id)) FROM hq_events"
        ).fetchone() or (0, 0)
        clips = (connection.execute("SELECT count(*) FROM hq_clips").fetchone() or (0,))[0]
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    return events, distinct, clips


def test_the_bench_takes_every_event_in_once_and_times_the_pages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = postgres_base_url()
    arguments = ["--branches", "3", "--days", "1", "--repeats", "2", "--keep"]
    code = main(["bench-hq", *arguments, "--database-url", base])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["stored_once"] is True
    events, distinct, clips = _kept(base, result["database"])
    assert events == distinct == result["events"] and clips == result["clips"] > 0
    assert result["ingest"]["entries"] == result["events"] + result["clips"]
    assert result["events_per_branch_day"] == round(result["events"] / 3)
    for timed in TIMED:
        assert 0 < result[timed]["median_ms"] <= result[timed]["p95_ms"]
    assert result["mb_per_branch_year"] > 0 and result["gb_200_branches_a_year"] > 0


def test_a_branch_day_has_a_branchs_customers_and_every_kind_of_event() -> None:
    made = branch_day(random.Random(1), 1_764_000_000.0, cameras_of(2))
    kinds = Counter(event.type for _, event in made)
    assert CUSTOMERS[0] <= kinds["customer_arrived"] <= CUSTOMERS[1]
    for kind in ("greeting", "bow", "posture", "guiding", "queue_wait", "farewell"):
        assert kinds[kind] > 0, kind
    assert kinds["teller_service"] > 0 and {camera for camera, _ in made} == {"lobby", "counter"}
    ends = [event.end for _, event in made]
    assert ends == sorted(ends)  # stored as they end


def test_boxes_deliver_in_order_each_while_interleaved() -> None:
    zone, cameras = ZoneInfo("Asia/Shanghai"), cameras_of(2)
    outboxes = {
        b: branch_outbox(random.Random(b), date(2026, 12, 1), 1, cameras, zone, f"s-{b}")
        for b in "ab"
    }
    arrived = list(interleaved(outboxes))
    assert [branch for branch, _ in arrived[:40]] == ["a"] * 20 + ["b"] * 20
    for branch in "ab":
        seqs = [entry.seq for b, entry in arrived if b == branch]
        assert seqs == list(range(1, len(outboxes[branch]) + 1))


def test_no_database_is_one_line_saying_what_to_set(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ETIQUETTE_HQ_DATABASE_URL", raising=False)
    assert main(["bench-hq", "--branches", "1"]) == 2
    assert "ETIQUETTE_HQ_DATABASE_URL" in capsys.readouterr().err
