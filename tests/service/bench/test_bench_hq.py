"""`etiquette bench-hq` on the test PostgreSQL, small: its JSON line's figures are there and
every generated event is stored exactly once (no timing is asserted: shared machines)."""

from __future__ import annotations

import json

import pytest

from etiquette.service.bench.hq import branch_entries, interleaved
from etiquette.service.cli.main import main
from tests.postgres import postgres_base_url


def test_the_bench_takes_every_event_in_once_and_times_the_pages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["bench-hq", "--branches", "2", "--per-day", "200", "--database-url", postgres_base_url()]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["stored_once"] is True
    assert result["events"] == 400 and result["ingest"]["entries"] == 408  # and 8 clip entries
    for timed in ("ranking_query", "ranking_page", "drilldown_events", "drilldown_page"):
        assert 0 < result[timed]["median_ms"] <= result[timed]["p95_ms"]
    assert result["mb_per_branch_year"] > 0


def test_boxes_deliver_in_order_each_while_interleaved() -> None:
    import random
    from datetime import date

    outboxes = {
        b: branch_entries(random.Random(b), date(2026, 12, 1), 1, 100, f"s-{b}") for b in "ab"
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
