"""The coaching clips' index (``EventStore.clips``) against both backends: SQLite in a
temporary folder and PostgreSQL (ETIQUETTE_TEST_POSTGRES_URL, a database per test).

The ``url`` and ``store`` fixtures are test_store.py's own, so both files run each test on
the same two backends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from etiquette.rules.events import Event, EventType, GreetingValues, MissedValues, Phase
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import ClipReason, NewClip, StoredClip
from tests.factories import event as make_event
from tests.service.store import test_store

# The very fixtures of test_store.py (parametrised over sqlite and postgresql).
url = test_store.url
store = test_store.store

T0 = 1_764_000_000.125  # a capture time in late 2025, with a fraction a database could round


def missed(track: int, start: float) -> Event:
    return make_event(
        type="greeting_missed",
        phase=Phase.END,
        track=track,
        role="customer",
        start=start,
        end=start + 6.0,
        values=MissedValues(customers=1, staff_present=True),
    )


def late(track: int, start: float) -> Event:
    return make_event(
        type="greeting",
        phase=Phase.END,
        track=track,
        role="customer",
        start=start,
        end=start + 8.0,
        values=GreetingValues(latency_s=7.5, by_track=1),
        verdict="late",
    )


def new_clip(
    file: str,
    *,
    event_start: float = T0,
    track: int = 4,
    reason: ClipReason = "missed_greeting",
    event_type: EventType = "greeting_missed",
    size_bytes: int = 1000,
    post: str | None = None,
) -> NewClip:
    return NewClip(
        reason=reason,
        event_type=event_type,
        track=track,
        role="customer",
        verdict="late" if event_type == "greeting" else None,
        post=post,
        event_start=event_start,
        clip_start=event_start - 3.0,
        duration_s=12.4,
        file=file,
        size_bytes=size_bytes,
        summary=f"#{track} customer not greeted",
    )


def test_a_clip_is_linked_to_its_stored_event(store: EventStore) -> None:
    target = store.add_event("door", missed(4, T0))
    store.add_event("door", missed(5, T0))  # another track
    store.add_event("door", late(4, T0))  # another type
    store.add_event("lobby", missed(4, T0))  # another camera
    store.add_event("door", missed(4, T0 + 10.0))  # another start
    before = datetime.now(UTC) - timedelta(seconds=5)

    clip = new_clip("2025-11-24/missed_greeting_a.mp4", post="door")
    added = store.clips.add("door", clip)

    assert added.event_id == target.id
    assert added.camera == "door"
    assert added.training is False
    assert added.model_dump(include=set(NewClip.model_fields)) == clip.model_dump()
    assert before <= added.created_at <= datetime.now(UTC) + timedelta(seconds=5)
    assert added.created_at.tzinfo is not None
    assert store.clips.get(added.id) == added
    # The same event start within the tolerance (a database rounding a float) still links.
    near = store.clips.add("door", new_clip("near.mp4", event_start=T0 + 1e-4))
    assert near.event_id == target.id


@pytest.mark.parametrize(
    ("camera", "clip"),
    [
        ("door", new_clip("other_track.mp4", track=9)),
        ("door", new_clip("other_start.mp4", event_start=T0 + 0.5)),
        ("desk", new_clip("other_camera.mp4")),
        ("door", new_clip("other_type.mp4", reason="late_greeting", event_type="greeting")),
    ],
)
def test_a_clip_without_its_event_has_no_event_id(
    store: EventStore, camera: str, clip: NewClip
) -> None:
    store.add_event("door", missed(4, T0))
    added = store.clips.add(camera, clip)
    assert added.event_id is None
    stored = store.clips.get(added.id)
    assert stored is not None and stored.event_id is None


def test_a_clip_links_to_the_newest_of_identical_events(store: EventStore) -> None:
    store.add_event("door", missed(4, T0))
    newest = store.add_event("door", missed(4, T0))
    assert store.clips.add("door", new_clip("twice.mp4")).event_id == newest.id


def _files(clips: list[StoredClip]) -> list[str]:
    return [clip.file for clip in clips]


def test_find_filters_and_orders_newest_first(store: EventStore) -> None:
    index = store.clips
    # Added out of time order; "b" and "c" share an event start (newer id first).
    index.add("door", new_clip("b.mp4", event_start=T0 + 20))
    index.add("door", new_clip("a.mp4", event_start=T0))
    index.add("desk", new_clip("c.mp4", event_start=T0 + 20, reason="posture_lapse"))
    index.add("door", new_clip("d.mp4", event_start=T0 + 30, reason="late_greeting"))
    index.add("desk", new_clip("e.mp4", event_start=T0 + 10, reason="good_bow"))

    assert _files(index.find()) == ["d.mp4", "c.mp4", "b.mp4", "e.mp4", "a.mp4"]
    assert _files(index.find(camera="door")) == ["d.mp4", "b.mp4", "a.mp4"]
    assert _files(index.find(camera="desk")) == ["c.mp4", "e.mp4"]
    assert index.find(camera="nowhere") == []
    assert _files(index.find(reasons=["missed_greeting"])) == ["b.mp4", "a.mp4"]
    assert _files(index.find(reasons=["good_bow", "late_greeting"])) == ["d.mp4", "e.mp4"]
    assert index.find(reasons=[]) == []
    # since <= event start < until
    assert _files(index.find(since=T0 + 10)) == ["d.mp4", "c.mp4", "b.mp4", "e.mp4"]
    assert _files(index.find(until=T0 + 20)) == ["e.mp4", "a.mp4"]
    assert _files(index.find(since=T0 + 10, until=T0 + 30)) == ["c.mp4", "b.mp4", "e.mp4"]
    assert index.find(since=T0 + 30.5) == []
    assert _files(index.find(limit=2)) == ["d.mp4", "c.mp4"]
    assert _files(index.find(camera="door", since=T0 + 1, limit=1)) == ["d.mp4"]
    ids = {clip.file: clip.id for clip in index.find()}
    assert _files(index.find(ids=[ids["a.mp4"], ids["c.mp4"], 10_000])) == ["c.mp4", "a.mp4"]
    assert index.find(ids=[]) == []
    assert index.find(training=True) == []
    assert len(index.find(training=False)) == 5
    index.mark_for_training(ids["e.mp4"], True)
    index.mark_for_training(ids["b.mp4"], True)
    assert _files(index.find(training=True)) == ["b.mp4", "e.mp4"]
    assert _files(index.find(training=False)) == ["d.mp4", "c.mp4", "a.mp4"]
    assert _files(index.find(training=True, camera="desk")) == ["e.mp4"]
    with pytest.raises(ValueError, match="limit"):
        index.find(limit=0)


def test_mark_for_training_round_trip(store: EventStore) -> None:
    index = store.clips
    clip = index.add("door", new_clip("keep.mp4"))
    other = index.add("door", new_clip("other.mp4"))

    marked = index.mark_for_training(clip.id, True)
    assert marked is not None and marked.training is True
    assert marked.model_dump(exclude={"training"}) == clip.model_dump(exclude={"training"})
    fetched = index.get(clip.id)
    assert fetched is not None and fetched.training is True
    untouched = index.get(other.id)
    assert untouched is not None and untouched.training is False
    assert [c.id for c in index.deletable()] == [other.id]

    unmarked = index.mark_for_training(clip.id, False)
    assert unmarked is not None and unmarked.training is False
    assert {c.id for c in index.deletable()} == {clip.id, other.id}

    unknown = max(clip.id, other.id) + 1000
    assert index.mark_for_training(unknown, True) is None
    assert index.get(unknown) is None
    assert len(index.find()) == 2


def test_by_event_maps_event_ids_to_clip_ids(store: EventStore) -> None:
    first = store.add_event("door", missed(4, T0))
    second = store.add_event("door", late(7, T0 + 60))
    third = store.add_event("desk", missed(2, T0 + 120))
    index = store.clips
    clip1 = index.add("door", new_clip("1.mp4", track=4, event_start=T0))
    clip2 = index.add(
        "door",
        new_clip(
            "2.mp4", track=7, event_start=T0 + 60, reason="late_greeting", event_type="greeting"
        ),
    )
    clip3 = index.add("desk", new_clip("3.mp4", track=2, event_start=T0 + 120))
    orphan = index.add("door", new_clip("4.mp4", track=99, event_start=T0 + 90))
    assert orphan.event_id is None

    everything = {first.id: clip1.id, second.id: clip2.id, third.id: clip3.id}
    assert index.by_event(T0 - 1, T0 + 1000) == everything
    assert index.by_event(T0, T0 + 120) == {first.id: clip1.id, second.id: clip2.id}
    assert index.by_event(T0 + 60, T0 + 121) == {second.id: clip2.id, third.id: clip3.id}
    assert index.by_event(T0 + 1, T0 + 60) == {}
    assert index.by_event(T0 + 200, T0 + 300) == {}


def test_total_bytes(store: EventStore) -> None:
    index = store.clips
    assert index.total_bytes() == 0
    small = index.add("door", new_clip("small.mp4", size_bytes=1234))
    assert index.total_bytes() == 1234
    # Beyond 32 bits: the column is a BIGINT.
    index.add("door", new_clip("large.mp4", size_bytes=5_000_000_000))
    assert index.total_bytes() == 5_000_001_234
    assert [c.id for c in index.remove([small.id])] == [small.id]
    assert index.total_bytes() == 5_000_000_000


def test_remove_spares_training_clips_and_deletable_is_oldest_first(store: EventStore) -> None:
    index = store.clips
    newer = index.add("door", new_clip("newer.mp4", event_start=T0 + 50))
    older = index.add("door", new_clip("older.mp4", event_start=T0))
    kept = index.add("door", new_clip("kept.mp4", event_start=T0 - 50))
    index.mark_for_training(kept.id, True)

    assert [c.id for c in index.deletable()] == [older.id, newer.id]
    assert [c.id for c in index.deletable(older_than=T0 + 10)] == [older.id]
    assert index.remove([]) == []
    assert [c.id for c in index.remove([kept.id, older.id, 10_000])] == [older.id]
    assert index.get(older.id) is None
    assert index.get(kept.id) is not None
    assert {c.id for c in index.find()} == {kept.id, newer.id}


def test_deleting_the_event_keeps_the_clip_without_event_id(store: EventStore) -> None:
    doomed = store.add_event("door", missed(4, T0))
    survivor = store.add_event("door", missed(5, T0))
    clip = store.clips.add("door", new_clip("orphaned.mp4", track=4))
    other = store.clips.add("door", new_clip("still_linked.mp4", track=5))
    assert (clip.event_id, other.event_id) == (doomed.id, survivor.id)

    with store.engine.begin() as connection:  # EventStore does not delete events itself
        deleted = connection.execute(text("DELETE FROM events WHERE id = :id"), {"id": doomed.id})
        assert deleted.rowcount == 1

    assert [e.id for e in store.events()] == [survivor.id]
    after = store.clips.get(clip.id)
    assert after is not None and after.event_id is None
    assert after.model_dump(exclude={"event_id"}) == clip.model_dump(exclude={"event_id"})
    still = store.clips.get(other.id)
    assert still is not None and still.event_id == survivor.id
    assert store.clips.by_event(T0 - 1, T0 + 1) == {survivor.id: other.id}
