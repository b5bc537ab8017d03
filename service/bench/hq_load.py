"""What `etiquette bench-hq` puts into head office: a database made for the run, the branches'
outboxes (each branch-day of :mod:`branch_day`, with a clip entry for every event the clip
recorder would film), taken in as the boxes deliver them, and what it all costs on disk."""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from etiquette.rules.events import Event
from etiquette.service.bench.branch_day import OPENS, Cameras, branch_day
from etiquette.service.clips.recorder import wanted
from etiquette.service.hq.db import HqStore
from etiquette.service.live.uplink_protocol import BranchStatus, CameraHealth
from etiquette.service.store.models import StoredClip, StoredEvent
from etiquette.service.store.outbox import OutboxEntry

CHUNK = 20  # entries a box sends before another box's come in between
CLIP_BYTES = 1_500_000


@dataclass(frozen=True)
class Database:
    url: str
    name: str


@contextmanager
def scratch_database(url: str, keep: bool = False) -> Iterator[Database]:
    """A new database on ``url``'s server for the run, dropped afterwards unless ``keep``."""
    parsed = make_url(url)
    name = f"etiquette_bench_hq_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield Database(parsed.set(database=name).render_as_string(hide_password=False), name)
        finally:
            if not keep:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def branch_ids(count: int) -> list[str]:
    return [f"b{number:04d}" for number in range(1, count + 1)]


def _clip(stored: StoredEvent, clip_id: int, reason: str) -> dict[str, Any]:
    event = stored.event
    clip = StoredClip.model_validate(
        {
            "id": clip_id,
            "camera": stored.camera,
            "event_id": stored.id,
            "reason": reason,
            "event_type": event.type,
            "track": event.track,
            "role": event.role,
            "verdict": event.verdict,
            "post": stored.post,
            "event_start": event.start,
            "clip_start": event.start - 3,
            "duration_s": min(20.0, event.end - event.start) + 6,
            "file": f"{stored.camera}/clip_{clip_id}.mp4",
            "size_bytes": CLIP_BYTES,
            "summary": f"合成片段 synthetic clip: {reason}",
            "training": False,
            "created_at": stored.created_at,
        }
    )
    return clip.model_dump(mode="json")


class _Outbox:
    """One box's outbox as it fills: entries numbered 1, 2, 3... on one stream."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.entries: list[OutboxEntry] = []
        self.events = self.clips = 0

    def add(self, kind: str, camera: str, body: dict[str, Any], created: datetime) -> None:
        seq = len(self.entries) + 1
        entry = {"stream": self.stream, "seq": seq, "kind": kind, "camera": camera}
        self.entries.append(
            OutboxEntry.model_validate({**entry, "created_at": created, "body": body})
        )

    def event(self, camera: str, event: Event) -> None:
        self.events += 1
        created = datetime.fromtimestamp(event.end, UTC)
        stored = StoredEvent(
            id=self.events,
            camera=camera,
            post=getattr(event.values, "post", None),
            created_at=created,
            event=event,
        )
        self.add("event", camera, stored.model_dump(mode="json"), created)
        reason = wanted(event)
        if reason is not None:
            self.clips += 1
            self.add("clip", camera, _clip(stored, self.clips, reason), created)


def branch_outbox(
    rng: random.Random, first: date, days: int, cameras: Cameras, zone: ZoneInfo, stream: str
) -> list[OutboxEntry]:
    """One box's outbox over ``days`` from ``first``: its events and its clips' entries."""
    outbox = _Outbox(stream)
    for offset in range(days):
        midnight = datetime.combine(first + timedelta(days=offset), datetime.min.time(), zone)
        for camera, event in branch_day(rng, midnight.timestamp() + OPENS * 3600, cameras):
            outbox.event(camera, event)
    return outbox.entries


def interleaved(outboxes: dict[str, list[OutboxEntry]]) -> Iterator[tuple[str, OutboxEntry]]:
    """The boxes' entries as head office receives them: each box in order, CHUNK at a time
    from each in turn."""
    positions = dict.fromkeys(outboxes, 0)
    while positions:
        for branch in list(positions):
            at = positions[branch]
            for entry in outboxes[branch][at : at + CHUNK]:
                yield branch, entry
            positions[branch] = at + CHUNK
            if positions[branch] >= len(outboxes[branch]):
                del positions[branch]


def register(store: HqStore, ids: list[str], cameras: Cameras, zone: ZoneInfo) -> None:
    """Each branch as the head-office file names it, and its box's first status."""
    names = dict.fromkeys((cameras.lobby, *cameras.counters))
    health = [CameraHealth(name=name, shown_name=name, online=True) for name in names]
    for number, branch in enumerate(ids):
        store.register_branch(branch, f"第{number + 1}支行", f"区域{number % 10 + 1}")
        status = BranchStatus(
            online=True, site=f"第{number + 1}支行", time_zone=str(zone), cameras=health
        )
        store.record_status(branch, status)


def ingest(store: HqStore, outboxes: dict[str, list[OutboxEntry]], batch: int) -> dict[str, Any]:
    """Everything in batches of ``batch`` as the live ingest takes them; entries a second."""
    rates: list[float] = []
    pending: list[tuple[str, OutboxEntry]] = []
    began = time.perf_counter()

    def flush() -> None:
        started = time.perf_counter()
        answers = store.ingest(pending)
        rates.append(len(pending) / (time.perf_counter() - started))
        if any(answer.gap for answer in answers.values()):
            raise RuntimeError("head office refused entries as out of order")
        pending.clear()

    for item in interleaved(outboxes):
        pending.append(item)
        if len(pending) == batch:
            flush()
    if pending:
        flush()
    took = time.perf_counter() - began
    total = sum(len(entries) for entries in outboxes.values())
    return {
        "entries": total,
        "batches": len(rates),
        "seconds": round(took, 1),
        "entries_per_s": round(total / took),
        "batch_median_entries_per_s": round(statistics.median(rates)),
    }


def stored_once(store: HqStore, outboxes: dict[str, list[OutboxEntry]]) -> bool:
    """Every generated event and clip entry is in head office once, under its branch."""
    wanted_keys = {
        (branch, entry.kind, entry.camera, int(entry.body["id"]))
        for branch, entries in outboxes.items()
        for entry in entries
    }
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT branch, 'event', camera, edge_id FROM hq_events "
                "UNION ALL SELECT branch, 'clip', camera, edge_id FROM hq_clips"
            )
        ).all()
    found = [(str(b), str(k), str(c), int(i)) for b, k, c, i in rows]
    return len(found) == len(wanted_keys) and set(found) == wanted_keys


def database_size(store: HqStore) -> dict[str, int]:
    """Bytes of the events' partitions (with their indexes), of the other tables, and of the
    whole database."""
    with store.engine.connect() as connection:
        events = connection.execute(
            text(
                "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits "
                "WHERE inhparent = 'hq_events'::regclass"
            )
        ).scalar_one()
        others = connection.execute(
            text(
                "SELECT pg_total_relation_size('hq_daily') + pg_total_relation_size('hq_clips')"
                " + pg_total_relation_size('hq_streams') + pg_total_relation_size('hq_branches')"
            )
        ).scalar_one()
        whole = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    return {"events": int(events), "others": int(others), "database": int(whole)}
