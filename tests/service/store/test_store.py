"""The event store against both backends: SQLite in a temporary folder and PostgreSQL.

PostgreSQL comes from ETIQUETTE_TEST_POSTGRES_URL (``eval "$(scripts/postgres-for-tests.sh)"``);
each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from etiquette.rules.events import (
    AnyValues,
    ArrivalValues,
    BowValues,
    Event,
    EventType,
    GestureValues,
    GreetingValues,
    MissedValues,
    Phase,
    PostureValues,
    PromptValues,
)
from etiquette.service.store.events import EventStore, StoredEvent, TokenInfo, sqlite_url
from etiquette.service.store.models import Base
from tests.factories import event as build_event
from tests.postgres import url

__all__ = ["url"]  # the fixture, used by every test here


@pytest.fixture
def store(url: str) -> Iterator[EventStore]:
    with EventStore(url) as opened:
        yield opened


def make_event(
    kind: EventType,
    values: AnyValues,
    *,
    start: float = 1_700_000_000.0,
    track: int = 3,
    phase: Phase = Phase.END,
    peak: float | None = None,
    verdict: str | None = None,
) -> Event:
    return build_event(
        type=kind,
        phase=phase,
        track=track,
        role="customer" if kind == "customer_arrived" else "staff",
        start=start,
        end=start + 1.5,
        peak=peak,
        values=values,
        verdict=verdict,
    )


EVERY_KIND: list[Event] = [
    make_event(
        "bow",
        BowValues(
            peak_deg=31.5, time_to_peak_s=0.6, hold_s=0.4, duration_s=1.7, reference="gravity"
        ),
        start=10.0,
        peak=10.6,
        verdict="to_standard",
    ),
    make_event(
        "welcome_gesture",
        GestureValues(hand="right", sweep=1.2, fingers_together_share=0.9, duration_s=1.1),
        start=11.0,
    ),
    make_event(
        "guiding_gesture",
        GestureValues(hand="left", sweep=0.8, fingers_together_share=0.5, duration_s=0.9),
        start=12.0,
    ),
    make_event(
        "posture",
        PostureValues(off_s=4.0, reasons=["leaning", "arms_crossed"], post="door"),
        start=13.0,
        verdict="off_standard",
    ),
    make_event(
        "customer_arrived", ArrivalValues(first_of_day=True, floor=(1.25, -0.5)), start=14.0
    ),
    make_event("greeting_prompt", PromptValues(text="欢迎光临", customers=2), start=15.0),
    make_event(
        "greeting",
        GreetingValues(
            latency_s=2.4, by_track=3, bow_deg=30.0, bow_verdict="to_standard", gesture=True
        ),
        start=16.0,
        verdict="on_time",
    ),
    make_event("greeting_missed", MissedValues(customers=1, staff_present=False), start=17.0),
]


def test_round_trip_every_kind(store: EventStore) -> None:
    added = [store.add_event("lobby", e) for e in EVERY_KIND]
    assert [a.id for a in added] == sorted({a.id for a in added})
    read = store.events()
    assert read == added
    for original, stored in zip(EVERY_KIND, read, strict=True):
        assert isinstance(stored, StoredEvent)
        assert stored.camera == "lobby"
        assert stored.event == original
        assert stored.event.record() == original.record()
        assert stored.event.values == original.values
        assert stored.created_at.utcoffset() is not None
    assert read[3].post == "door"  # posture carries its own post
    assert {e.post for e in read if e.event.type != "posture"} == {None}


def test_filters(store: EventStore) -> None:
    bow = EVERY_KIND[0]
    posture = EVERY_KIND[3]
    greeting = EVERY_KIND[6]
    ids = []
    for i in range(6):
        for camera in ("lobby", "side"):
            ev = bow.model_copy(update={"start": 100.0 + i, "end": 101.0 + i})
            ids.append(store.add_event(camera, ev, post="door" if i % 2 else None).id)
    store.add_event("lobby", posture.model_copy(update={"start": 200.0}))
    store.add_event("side", greeting.model_copy(update={"start": 50.0}), post="teller-2")

    starts = [e.event.start for e in store.events()]
    assert starts == sorted(starts) and starts[0] == 50.0 and starts[-1] == 200.0

    window = store.events(since=101.0, until=103.0)
    assert {e.event.start for e in window} == {101.0, 102.0}  # since <= start < until
    assert len(window) == 4

    assert [e.event.type for e in store.events(types=["posture"])] == ["posture"]
    assert {e.event.type for e in store.events(types=["greeting", "posture"])} == {
        "greeting",
        "posture",
    }
    assert store.events(types=[]) == []

    side = store.events(camera="side")
    assert len(side) == 7 and {e.camera for e in side} == {"side"}
    assert store.events(camera="nowhere") == []

    door = store.events(post="door")
    assert len(door) == 3 * 2 + 1  # odd i on two cameras, and the posture event
    assert {e.post for e in door} == {"door"}
    assert [e.event.type for e in store.events(post="teller-2")] == ["greeting"]

    after = store.events(after_id=ids[5])
    assert all(e.id > ids[5] for e in after) and len(after) == 14 - 6

    first = store.events(limit=3)
    assert [e.event.start for e in first] == [50.0, 100.0, 100.0]
    assert first[1].id < first[2].id  # same start: by id
    assert store.events(camera="lobby", types=["bow"], since=103.0, limit=2)[0].event.start == 103.0
    with pytest.raises(ValueError, match="limit"):
        store.events(limit=0)


@pytest.mark.parametrize("phase", [Phase.START, Phase.UPDATE])
def test_only_end_events(store: EventStore, phase: Phase) -> None:
    unfinished = EVERY_KIND[0].model_copy(update={"phase": phase})
    with pytest.raises(ValueError, match=f"only finished events.*'{phase.value}'.*'end'"):
        store.add_event("lobby", unfinished)
    assert store.events() == []


def test_post_contradicting_posture(store: EventStore) -> None:
    with pytest.raises(ValueError, match="contradicts"):
        store.add_event("lobby", EVERY_KIND[3], post="teller-1")
    assert store.add_event("lobby", EVERY_KIND[3], post="door").post == "door"


def test_committed_before_return(url: str) -> None:
    with EventStore(url) as writer, EventStore(url) as reader:
        assert reader.events() == []
        stored = writer.add_event("lobby", EVERY_KIND[0])
        assert reader.events() == [stored]  # another connection sees it at once
        second = writer.add_event("lobby", EVERY_KIND[1])
        assert reader.events(after_id=stored.id) == [second]


def test_tokens(store: EventStore) -> None:
    admin = store.create_token("admin", "alice")
    viewer = store.create_token("viewer", "wall-screen")
    ear = store.create_token("earpiece", "door-earpiece")
    assert len({admin, viewer, ear}) == 3
    assert all(len(t) >= 43 for t in (admin, viewer, ear))  # 32 random bytes, url-safe
    assert store.token_role(admin) == TokenInfo(name="alice", role="admin")
    assert store.token_role(viewer) == TokenInfo(name="wall-screen", role="viewer")
    assert store.token_role(ear) == TokenInfo(name="door-earpiece", role="earpiece")
    assert store.token_role(admin + "x") is None
    assert store.token_role("") is None
    assert [t.name for t in store.tokens()] == ["alice", "door-earpiece", "wall-screen"]

    with pytest.raises(ValueError, match="already exists"):
        store.create_token("viewer", "alice")

    assert store.revoke_token("wall-screen") is True
    assert store.revoke_token("wall-screen") is False
    assert store.token_role(viewer) is None
    assert store.token_role(admin) is not None
    assert [t.name for t in store.tokens()] == ["alice", "door-earpiece"]


def test_only_the_hash_is_stored(store: EventStore) -> None:
    token = store.create_token("admin", "alice")
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM tokens")).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert row["hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["role"] == "admin" and row["name"] == "alice"
    assert all(token not in str(value) for value in row.values())


def test_bad_role(store: EventStore) -> None:
    with pytest.raises(ValueError, match=r"'root'.*admin, viewer, earpiece"):
        store.create_token("root", "mallory")
    assert store.tokens() == []


def test_migrations_idempotent_and_match_the_models(url: str) -> None:
    with EventStore(url) as first:
        first.add_event("lobby", EVERY_KIND[0])
    with EventStore(url) as second:  # upgrading an up-to-date database changes nothing
        assert len(second.events()) == 1
        with second.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            assert versions == [("0005",)]
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_concurrent_opens(url: str) -> None:
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            EventStore(url).close()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with EventStore(url) as opened:
        assert opened.events() == []


def test_sqlite_wal(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "data" / "events.db"
    with EventStore(sqlite_url(path)) as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    raw = sqlite3.connect(path)  # WAL is a property of the file
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        raw.close()
