"""The outbox: every event and clip entry stored with an uplink is queued in the same
transaction, numbered without gaps, and deleted once head office confirms it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from etiquette.rules.events import Event
from etiquette.service.store.events import EventStore, sqlite_url
from etiquette.service.store.models import NewClip
from tests import factories
from tests.postgres import url

__all__ = ["url"]


def arrival(start: float) -> Event:
    return factories.arrival(start, track=1)


def clip_for(start: float) -> NewClip:
    return factories.new_clip(start, file=f"lobby/clip_{start}.mp4")


def test_events_and_clips_are_queued_in_order_with_their_ids(url: str) -> None:
    with EventStore(url, uplink=True) as store:
        first = store.add_event("lobby", arrival(100.0))
        clip = store.clips.add("lobby", clip_for(100.0))
        second = store.add_event("door", arrival(101.0))
        entries = store.outbox.entries(0, 10)
        assert [(e.seq, e.kind, e.camera) for e in entries] == [
            (1, "event", "lobby"),
            (2, "clip", "lobby"),
            (3, "event", "door"),
        ]
        assert entries[0].body["id"] == first.id
        assert entries[0].body["event"]["type"] == "customer_arrived"
        assert entries[1].body["id"] == clip.id and entries[1].body["event_id"] == first.id
        assert entries[2].body["id"] == second.id
        assert store.outbox.state().backlog == 3


def test_a_store_without_uplink_queues_nothing(url: str) -> None:
    with EventStore(url) as store:
        store.add_event("lobby", arrival(100.0))
        assert store.outbox.entries(0, 10) == []
        assert store.outbox.state().last_seq == 0


def test_confirmed_entries_go_and_others_stay(url: str) -> None:
    with EventStore(url, uplink=True) as store:
        for k in range(5):
            store.add_event("lobby", arrival(100.0 + k))
        stream = store.outbox.state().stream
        assert store.outbox.acknowledge("another-stream", 5) == 0
        assert store.outbox.acknowledge(stream, 3) == 3
        assert store.outbox.acknowledge(stream, 2) == 0  # an old confirmation arriving late
        assert [e.seq for e in store.outbox.entries(0, 10)] == [4, 5]
        state = store.outbox.state()
        assert (state.acked_seq, state.last_seq, state.backlog) == (3, 5, 2)
        # A confirmation beyond what was numbered (another box's?) confirms only what exists.
        store.outbox.acknowledge(stream, 99)
        assert store.outbox.state().acked_seq == 5


def test_numbers_have_no_gaps_under_concurrent_writers(url: str) -> None:
    with EventStore(url, uplink=True) as store:

        def write(offset: int) -> None:
            for k in range(25):
                store.add_event("lobby", arrival(1000.0 * offset + k))

        threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        entries = store.outbox.entries(0, 1000)
        assert [e.seq for e in entries] == list(range(1, 101))
        # Numbered in the order they were committed: event ids rise with the numbers.
        ids = [e.body["id"] for e in entries]
        assert ids == sorted(ids)


def test_a_new_database_is_a_new_stream(tmp_path: Path) -> None:
    with (
        EventStore(sqlite_url(tmp_path / "a.db"), uplink=True) as first,
        EventStore(sqlite_url(tmp_path / "b.db"), uplink=True) as second,
    ):
        assert first.outbox.state().stream != second.outbox.state().stream


def test_a_refused_event_queues_nothing(url: str) -> None:
    with EventStore(url, uplink=True) as store:
        with pytest.raises(ValueError):
            store.add_event("", arrival(100.0))
        assert store.outbox.state().last_seq == 0
