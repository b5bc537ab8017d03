"""Head office's store on a real PostgreSQL: entries kept strictly in order and once per
branch and stream, gaps refused, daily figures counted once, partitions made by month."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from etiquette.service.hq.db import HqStore, HqStoreError
from etiquette.service.live.uplink_protocol import Ack
from etiquette.service.store.outbox import OutboxEntry
from tests import factories
from tests.postgres import postgres_base_url, postgres_database

DEC = datetime(2026, 12, 31, 23, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def store() -> Iterator[HqStore]:
    for url in postgres_database(postgres_base_url()):
        opened = HqStore(url)
        yield opened
        opened.close()


def entry(seq: int, start: float = DEC, stream: str = "s1", camera: str = "lobby") -> OutboxEntry:
    stored = factories.stored([factories.arrival(start + seq, track=seq)])[0]
    stored = stored.model_copy(update={"id": seq, "camera": camera})
    return OutboxEntry(
        stream=stream,
        seq=seq,
        kind="event",
        camera=camera,
        created_at=datetime.now(UTC),
        body=stored.model_dump(mode="json"),
    )


def count(store: HqStore, sql: str) -> list[tuple[object, ...]]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_entries_are_kept_in_order_and_once_and_a_gap_is_refused(store: HqStore) -> None:
    assert store.ingest([("b1", entry(1)), ("b1", entry(2)), ("b1", entry(4))]) == {
        "b1": Ack(stream="s1", seq=2, gap=True)
    }
    # The box sends again from 3; repeats of 1 and 2 come along and are skipped.
    answer = store.ingest([("b1", entry(n)) for n in (2, 3, 4, 1)])
    assert answer == {"b1": Ack(stream="s1", seq=4, gap=False)}
    assert count(store, "SELECT edge_id FROM hq_events ORDER BY id") == [(1,), (2,), (3,), (4,)]
    assert count(store, "SELECT sum(arrivals) FROM hq_daily") == [(4,)]


def test_a_new_stream_of_a_branch_starts_again_at_one(store: HqStore) -> None:
    store.ingest([("b1", entry(1)), ("b1", entry(2))])
    answer = store.ingest([("b1", entry(1, stream="s2", start=DEC + 100))])
    assert answer["b1"] == Ack(stream="s2", seq=1)
    assert count(store, "SELECT count(*) FROM hq_events") == [(3,)]


def test_events_go_into_a_partition_per_month(store: HqStore) -> None:
    january = datetime(2027, 1, 15, tzinfo=UTC).timestamp()
    store.ingest([("b1", entry(1)), ("b1", entry(2, start=january))])
    partitions = count(
        store,
        "SELECT tableoid::regclass::text, count(*) FROM hq_events GROUP BY 1 ORDER BY 1",
    )
    assert partitions == [("hq_events_y2026m12", 1), ("hq_events_y2027m01", 1)]


def test_sqlite_is_refused_with_what_to_use() -> None:
    with pytest.raises(HqStoreError, match="PostgreSQL"):
        HqStore("sqlite:////tmp/hq.db")
