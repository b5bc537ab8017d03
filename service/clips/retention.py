"""Clip retention: delete clips older than the age limit, then the oldest until the total
fits the quota. Clips marked for training are never deleted."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from etiquette.service.clips.config import ClipConfig
from etiquette.service.clips.posters import poster_path
from etiquette.service.store.clips import ClipIndex
from etiquette.service.store.models import StoredClip

log = logging.getLogger(__name__)
DAY_S = 86400.0
ORPHAN_AGE_S = 600.0  # a clip being written now is younger than this
# More orphans than this share of the folder means the index is not this folder's (emptied,
# replaced, another database): then nothing is swept.
MAX_ORPHAN_SHARE = 0.5
TRAINING_MARKER = ".keep"


@dataclass(frozen=True)
class RetentionResult:
    deleted: int
    freed_bytes: int
    kept_bytes: int


def apply_retention(
    index: ClipIndex, folder: Path, config: ClipConfig, now: float | None = None
) -> RetentionResult:
    """Delete what the limits say must go: files first, then their index rows."""
    now = time.time() if now is None else now
    doomed = index.deletable(older_than=now - config.max_age_days * DAY_S)
    doomed_ids = {clip.id for clip in doomed}
    total = index.total_bytes() - sum(clip.size_bytes for clip in doomed)
    quota = int(config.quota_mb * 1e6)
    for clip in index.deletable() if total > quota else []:
        if total <= quota:
            break
        if clip.id not in doomed_ids:
            doomed.append(clip)
            doomed_ids.add(clip.id)
            total -= clip.size_bytes
    # The rows go first: a clip marked for training meanwhile keeps its row, and its file.
    removed = index.remove(doomed_ids)
    freed = sum(_delete_file(folder, clip) for clip in removed)
    if removed:
        log.info("retention deleted %d clips (%.1f MB)", len(removed), freed / 1e6)
    kept = total + sum(c.size_bytes for c in doomed if c.id not in {r.id for r in removed})
    return RetentionResult(len(removed), freed, max(0, kept))


def training_marker(path: Path) -> Path:
    return path.with_name(path.name + TRAINING_MARKER)


def write_training_marker(folder: Path, file: str, training: bool) -> None:
    """A file beside a clip kept for training, so that the clip survives whatever happens to
    the index (a restored backup, a new database, a row deleted by hand)."""
    marker = training_marker(folder / file)
    try:
        if training:
            marker.write_text("kept for training\n", encoding="utf-8")
        else:
            marker.unlink(missing_ok=True)
    except OSError as error:  # the index row still keeps it while the row exists
        log.warning("could not %s %s: %s", "write" if training else "remove", marker, error)


def _delete_file(folder: Path, clip: StoredClip) -> int:
    path = folder / clip.file
    if training_marker(path).exists():  # kept for training since the row was read
        return 0
    try:
        size = path.stat().st_size
        path.unlink()
        poster_path(path).unlink(missing_ok=True)  # a poster is nothing without its clip
    except FileNotFoundError:  # already gone (deleted by hand): forget it all the same
        return 0
    except OSError as error:  # the next sweep tries again; the other files still go
        log.warning("could not delete %s: %s", path, error)
        return 0
    return size


def sweep_orphans(index: ClipIndex, folder: Path, now: float | None = None) -> int:
    """Delete clip files no index row knows (a runner stopped mid-write, an index write that
    failed) once they are older than ORPHAN_AGE_S; returns how many. Files kept for training
    are never swept, and nothing is when the index does not look like this folder's."""
    now = time.time() if now is None else now
    if not folder.is_dir():
        return 0
    known = index.files()
    on_disk = {path.relative_to(folder).as_posix(): path for path in folder.rglob("*.mp4")}
    orphans = [
        path for name, path in on_disk.items() if name not in known and _sweepable(path, now)
    ]
    if not orphans:
        return 0
    indexed = len(known & on_disk.keys())
    if indexed == 0 or len(orphans) > MAX_ORPHAN_SHARE * (indexed + len(orphans)):
        log.warning(
            "not sweeping %s: %d old clip files there are in no index row and %d are, so the "
            "event database is not this folder's (emptied, replaced or another one); "
            "move the files away by hand if they are not wanted",
            folder,
            len(orphans),
            indexed,
        )
        return 0
    swept = 0
    for path in orphans:
        try:
            path.unlink()
            poster_path(path).unlink(missing_ok=True)
        except OSError:  # gone meanwhile, or not ours to delete: leave it
            continue
        swept += 1
    if swept:
        log.info("deleted %d clip files that no index row knew", swept)
    return swept


def _sweepable(path: Path, now: float) -> bool:
    try:
        return not training_marker(path).exists() and now - path.stat().st_mtime >= ORPHAN_AGE_S
    except OSError:  # gone meanwhile
        return False
