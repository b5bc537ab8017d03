"""Clip retention on real files and a real (SQLite) index: the age limit, the quota (oldest
first), clips marked for training never deleted, files already gone forgotten quietly."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from etiquette.service.clips.config import ClipConfig
from etiquette.service.clips.retention import (
    DAY_S,
    ORPHAN_AGE_S,
    RetentionResult,
    apply_retention,
    sweep_orphans,
    write_training_marker,
)
from etiquette.service.store.events import EventStore, sqlite_url
from etiquette.service.store.models import NewClip, StoredClip

NOW = 1_764_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    with EventStore(sqlite_url(tmp_path / "data" / "events.db")) as opened:
        yield opened


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    clips = tmp_path / "clips"
    clips.mkdir()
    return clips


def put(
    store: EventStore,
    folder: Path,
    name: str,
    *,
    age_days: float,
    size: int,
    training: bool = False,
    on_disk: bool = True,
) -> StoredClip:
    """A clip captured ``age_days`` before NOW: a real file of ``size`` bytes and its row."""
    relative = f"day{int(age_days)}/{name}.mp4"
    if on_disk:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
    start = NOW - age_days * DAY_S
    clip = store.clips.add(
        "door",
        NewClip(
            reason="missed_greeting",
            event_type="greeting_missed",
            track=1,
            role="customer",
            verdict=None,
            post=None,
            event_start=start + 3.0,
            clip_start=start,
            duration_s=9.0,
            file=relative,
            size_bytes=size,
            summary="#1 customer not greeted",
        ),
    )
    if training:
        marked = store.clips.mark_for_training(clip.id, True)
        assert marked is not None
        return marked
    return clip


def remaining(store: EventStore) -> set[str]:
    return {clip.file for clip in store.clips.find()}


def files_on_disk(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_clips_older_than_the_age_limit_are_deleted(store: EventStore, folder: Path) -> None:
    ancient = put(store, folder, "ancient", age_days=45, size=3000)
    old = put(store, folder, "old", age_days=30.5, size=2000)
    recent = put(store, folder, "recent", age_days=29.5, size=1500)
    fresh = put(store, folder, "fresh", age_days=1, size=700)

    result = apply_retention(store.clips, folder, ClipConfig(max_age_days=30), now=NOW)

    assert result == RetentionResult(deleted=2, freed_bytes=5000, kept_bytes=2200)
    kept = {recent.file, fresh.file}
    assert remaining(store) == kept
    assert files_on_disk(folder) == kept
    assert store.clips.get(ancient.id) is None and store.clips.get(old.id) is None
    assert store.clips.total_bytes() == 2200
    # Nothing more to do on a second run.
    again = apply_retention(store.clips, folder, ClipConfig(max_age_days=30), now=NOW)
    assert again == RetentionResult(deleted=0, freed_bytes=0, kept_bytes=2200)


def test_training_clips_are_never_deleted(store: EventStore, folder: Path) -> None:
    kept_old = put(store, folder, "kept_old", age_days=400, size=6000, training=True)
    kept_new = put(store, folder, "kept_new", age_days=2, size=5000, training=True)
    put(store, folder, "old", age_days=60, size=1000)
    put(store, folder, "new", age_days=1, size=900)

    # Over age and far over the quota (10 kB): everything deletable goes, training stays.
    config = ClipConfig(max_age_days=30, quota_mb=0.001)
    result = apply_retention(store.clips, folder, config, now=NOW)

    assert result == RetentionResult(deleted=2, freed_bytes=1900, kept_bytes=11000)
    assert result.kept_bytes > config.quota_mb * 1e6  # the training clips alone exceed it
    assert remaining(store) == {kept_old.file, kept_new.file}
    assert files_on_disk(folder) == {kept_old.file, kept_new.file}
    for clip in (kept_old, kept_new):
        stored = store.clips.get(clip.id)
        assert stored is not None and stored.training
        assert (folder / clip.file).stat().st_size == clip.size_bytes


def test_the_quota_deletes_oldest_first_until_the_total_fits(
    store: EventStore, folder: Path
) -> None:
    # Added out of age order: the order must come from the capture time, not the id.
    c3 = put(store, folder, "c3", age_days=3, size=1000)
    c5 = put(store, folder, "c5", age_days=5, size=1500)
    c1 = put(store, folder, "c1", age_days=1, size=1200)
    c4 = put(store, folder, "c4", age_days=4, size=800)
    c2 = put(store, folder, "c2", age_days=2, size=1300)
    training = put(store, folder, "t9", age_days=9, size=500, training=True)
    # 6300 bytes in all; after c5 and c4 go, 4000 remain: exactly the quota, so c3 stays.
    config = ClipConfig(max_age_days=30, quota_mb=0.004)

    result = apply_retention(store.clips, folder, config, now=NOW)

    assert result == RetentionResult(deleted=2, freed_bytes=2300, kept_bytes=4000)
    kept = {c1.file, c2.file, c3.file, training.file}
    assert remaining(store) == kept
    assert files_on_disk(folder) == kept
    assert store.clips.get(c5.id) is None and store.clips.get(c4.id) is None

    # One byte less of quota: the next oldest (c3) goes too, and only that one.
    tighter = ClipConfig(max_age_days=30, quota_mb=0.003999)
    result = apply_retention(store.clips, folder, tighter, now=NOW)
    assert result == RetentionResult(deleted=1, freed_bytes=1000, kept_bytes=3000)
    assert remaining(store) == {c1.file, c2.file, training.file}


def test_age_and_quota_together(store: EventStore, folder: Path) -> None:
    put(store, folder, "expired", age_days=40, size=4000)
    put(store, folder, "oldest_in_age", age_days=20, size=2000)
    middle = put(store, folder, "middle", age_days=10, size=2000)
    newest = put(store, folder, "newest", age_days=0.5, size=2000)

    # The expired clip does not count towards the quota once it is doomed by age.
    config = ClipConfig(max_age_days=30, quota_mb=0.0045)
    result = apply_retention(store.clips, folder, config, now=NOW)

    assert result == RetentionResult(deleted=2, freed_bytes=6000, kept_bytes=4000)
    assert remaining(store) == files_on_disk(folder) == {middle.file, newest.file}


def test_a_missing_file_is_forgotten_without_error(store: EventStore, folder: Path) -> None:
    gone = put(store, folder, "gone", age_days=50, size=2500, on_disk=False)
    present = put(store, folder, "present", age_days=50, size=1000)
    young_gone = put(store, folder, "young_gone", age_days=1, size=800, on_disk=False)

    result = apply_retention(store.clips, folder, ClipConfig(max_age_days=30), now=NOW)

    # Freed counts what was really on disk; both rows of the old clips are gone.
    assert result == RetentionResult(deleted=2, freed_bytes=1000, kept_bytes=800)
    assert store.clips.get(gone.id) is None and store.clips.get(present.id) is None
    assert remaining(store) == {young_gone.file}
    assert files_on_disk(folder) == set()


def test_nothing_to_do(store: EventStore, folder: Path) -> None:
    assert apply_retention(store.clips, folder, ClipConfig(), now=NOW) == RetentionResult(0, 0, 0)
    clip = put(store, folder, "only", age_days=3, size=1234)
    result = apply_retention(store.clips, folder, ClipConfig(), now=NOW)
    assert result == RetentionResult(deleted=0, freed_bytes=0, kept_bytes=1234)
    assert files_on_disk(folder) == {clip.file}


def test_files_no_row_knows_are_swept_once_old(store: EventStore, folder: Path) -> None:
    kept = put(store, folder, "indexed", age_days=0, size=100)
    stray = folder / "lobby" / "2026-11-29" / "missed_greeting_120000_track1.part.mp4"
    fresh = folder / "lobby" / "2026-11-29" / "missed_greeting_120500_track2.part.mp4"
    for path in (stray, fresh):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a clip")
    old = NOW - ORPHAN_AGE_S - 1
    os.utime(stray, (old, old))
    os.utime(folder / kept.file, (old, old))
    assert sweep_orphans(store.clips, folder, now=NOW) == 1
    assert not stray.exists()
    assert fresh.exists()  # perhaps being written right now
    assert (folder / kept.file).exists()  # indexed: retention's to decide
    assert sweep_orphans(store.clips, folder / "missing", now=NOW) == 0


def _old_file(folder: Path, relative: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a finished clip")
    old = NOW - ORPHAN_AGE_S - 1
    os.utime(path, (old, old))
    return path


def test_an_empty_index_deletes_no_clip_file(store: EventStore, folder: Path) -> None:
    """An emptied or replaced events.db (or a switch of database) must not look like a
    folder full of orphans."""
    clips = [_old_file(folder, f"lobby/2026-11-29/missed_greeting_12000{i}.mp4") for i in range(5)]
    assert sweep_orphans(store.clips, folder, now=NOW) == 0
    assert all(path.exists() for path in clips)


def test_a_foreign_index_deletes_no_clip_file(store: EventStore, folder: Path) -> None:
    put(store, folder, "elsewhere", age_days=0, size=10, on_disk=False)
    clips = [_old_file(folder, f"lobby/2026-11-29/missed_greeting_12000{i}.mp4") for i in range(5)]
    assert sweep_orphans(store.clips, folder, now=NOW) == 0
    assert all(path.exists() for path in clips)


def test_a_clip_kept_for_training_survives_whatever_the_index_says(
    store: EventStore, folder: Path
) -> None:
    kept = put(store, folder, "kept", age_days=40, size=10, training=True)
    write_training_marker(folder, kept.file, True)
    for name in ("a", "b", "c"):
        put(store, folder, name, age_days=0, size=10)
    # The row is lost (a restored backup, a row deleted by hand): the marker still keeps it.
    store.clips.mark_for_training(kept.id, False)
    assert [clip.id for clip in store.clips.remove([kept.id])] == [kept.id]
    os.utime(folder / kept.file, (NOW - DAY_S, NOW - DAY_S))
    assert sweep_orphans(store.clips, folder, now=NOW) == 0
    assert (folder / kept.file).exists()
    write_training_marker(folder, kept.file, False)
    assert sweep_orphans(store.clips, folder, now=NOW) == 1
