"""`etiquette bench-hq`: head office under a bank's load. Branches x days of synthetic events
(the shifts of `bench-report`: greetings, bows, gestures, posture lapses over a lobby and a
counter camera, ~1,000 events a branch-day, and a clip entry every 50 events) are taken in
through :meth:`HqStore.ingest` as the boxes deliver them (interleaved, in batches of
``batch``), into a fresh PostgreSQL database made for the run and dropped after it. Then
the ranking (query and page) and a branch's drill-down (events and page) are timed, over
real HTTP to head office's app on 127.0.0.1, and the database's size per branch-year is
estimated from what the run wrote."""

from __future__ import annotations

import random
import statistics
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import uvicorn
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from etiquette.service.bench.prompts import free_port
from etiquette.service.bench.report_week import OPENS, day_events
from etiquette.service.hq.app import create_hq_app
from etiquette.service.hq.config import HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.hq.queries import Scope, branch_events, ranking
from etiquette.service.live.uplink_protocol import BranchStatus, CameraHealth
from etiquette.service.store.models import StoredEvent
from etiquette.service.store.outbox import OutboxEntry

ZONE = ZoneInfo("Asia/Shanghai")
CHUNK = 20  # entries a box sends before another box's come in between
CLIP_EVERY = 50
MB = 1024 * 1024


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A new database on ``url``'s server for the run, dropped afterwards."""
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
            yield parsed.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def branch_ids(count: int) -> list[str]:
    return [f"b{number:04d}" for number in range(1, count + 1)]


def _clip_body(event: StoredEvent, clip_id: int) -> dict[str, Any]:
    return {
        "id": clip_id,
        "camera": event.camera,
        "event_id": event.id,
        "reason": "missed_greeting" if event.event.type == "greeting_missed" else "good_bow",
        "event_type": event.event.type,
        "track": event.event.track,
        "role": event.event.role,
        "verdict": event.event.verdict,
        "post": event.post,
        "event_start": event.event.start,
        "clip_start": event.event.start - 3,
        "duration_s": 6.0,
        "file": f"{event.camera}/clip_{clip_id}.mp4",
        "size_bytes": 1_500_000,
        "summary": "合成片段 synthetic clip",
        "training": False,
        "created_at": datetime.now(UTC).isoformat(),
    }


def branch_entries(
    rng: random.Random, first: date, days: int, per_day: int, stream: str
) -> list[OutboxEntry]:
    """One box's outbox over ``days`` from ``first``: its events and a clip every 50."""
    entries: list[OutboxEntry] = []
    created = datetime.now(UTC)
    event_id = 0
    for offset in range(days):
        midnight = datetime.combine(first + timedelta(days=offset), datetime.min.time(), ZONE)
        made = sorted(
            day_events(rng, midnight.timestamp() + OPENS * 3600, per_day),
            key=lambda item: item[1].start,
        )
        for camera, event in made:
            event_id += 1
            stored = StoredEvent(
                id=event_id, camera=camera, post=None, created_at=created, event=event
            )
            body = stored.model_dump(mode="json")
            entries.append(_entry(stream, len(entries) + 1, "event", camera, body, created))
            if event_id % CLIP_EVERY == 0:
                clip = _clip_body(stored, event_id // CLIP_EVERY)
                entries.append(_entry(stream, len(entries) + 1, "clip", camera, clip, created))
    return entries


def _entry(
    stream: str, seq: int, kind: str, camera: str, body: dict[str, Any], created: datetime
) -> OutboxEntry:
    return OutboxEntry(
        stream=stream,
        seq=seq,
        kind=kind,
        camera=camera,
        created_at=created,
        body=body,  # type: ignore[arg-type]
    )


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


def _timed(action: Callable[[], object], repeats: int) -> dict[str, float]:
    action()  # warm-up: plans, pools and imports
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 1),
    }


@contextmanager
def serving(store: HqStore) -> Iterator[tuple[str, str]]:
    """Head office's app on a free loopback port and a head-office token."""
    token = store.create_token(f"bench-{uuid.uuid4().hex[:6]}", "head_office", None)
    app = create_hq_app(HqConfig(time_zone=str(ZONE)), store, None)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(10)


def _get(address: str, token: str) -> Callable[[], object]:
    def fetch() -> object:
        request = urllib.request.Request(address, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            if answer.status != 200:
                raise RuntimeError(f"{address}: {answer.status}")
            return answer.read()

    return fetch


def database_size(store: HqStore) -> dict[str, int]:
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


def _setup_branches(store: HqStore, ids: list[str]) -> None:
    cameras = [
        CameraHealth(name="lobby", shown_name="大堂", online=True),
        CameraHealth(name="counter", shown_name="柜台", online=True),
    ]
    for number, branch in enumerate(ids):
        store.register_branch(branch, f"第{number + 1}支行", f"区域{number % 10 + 1}")
        status = BranchStatus(
            online=True, site=f"第{number + 1}支行", time_zone=str(ZONE), cameras=cameras
        )
        store.record_status(branch, status)


def _ingest(store: HqStore, outboxes: dict[str, list[OutboxEntry]], batch: int) -> dict[str, Any]:
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
        "seconds": round(took, 1),
        "entries_per_s": round(total / took),
        "batch_median_entries_per_s": round(statistics.median(rates)),
    }


def bench_hq(
    url: str,
    branches: int = 200,
    days: int = 1,
    per_day: int = 1000,
    batch: int = 500,
    repeats: int = 30,
    seed: int = 0,
) -> dict[str, Any]:
    """The whole run, in a database of its own on ``url``'s server (one JSON object)."""
    rng = random.Random(seed)
    ids = branch_ids(branches)
    last = datetime.now(ZONE).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    outboxes = {b: branch_entries(rng, first, days, per_day, f"stream-{b}") for b in ids}
    events = sum(1 for entries in outboxes.values() for e in entries if e.kind == "event")
    with scratch_database(url) as database:
        store = HqStore(database)
        try:
            _setup_branches(store, ids)
            ingested = _ingest(store, outboxes, batch)
            with store.engine.connect() as connection:
                kept = connection.execute(text("SELECT count(*) FROM hq_events")).scalar_one()
            week = (last - timedelta(days=6), last)
            zone_day = datetime.combine(last, datetime.min.time(), ZONE).timestamp()
            with serving(store) as (address, token):
                timings = {
                    "ranking_query": _timed(lambda: ranking(store, Scope(), *week), repeats),
                    "ranking_page": _timed(
                        _get(f"{address}/?start={week[0]}&end={week[1]}", token), repeats
                    ),
                    "drilldown_events": _timed(
                        lambda: branch_events(store, ids[0], zone_day, zone_day + 86400), repeats
                    ),
                    "drilldown_page": _timed(
                        _get(f"{address}/branches/{ids[0]}?start={last}&end={last}", token), repeats
                    ),
                }
            size = database_size(store)
        finally:
            store.close()
    branch_days = branches * days
    per_branch_year = (size["events"] + size["others"]) / branch_days * 365
    return {
        "branches": branches,
        "cameras": 2,
        "days": days,
        "events": events,
        "events_per_branch_day": round(events / branch_days),
        "stored_once": kept == events,
        "ingest": ingested,
        **timings,
        "size_mb": {k: round(v / MB, 1) for k, v in size.items()},
        "mb_per_branch_year": round(per_branch_year / MB, 1),
        "gb_for_branches_a_year": round(per_branch_year * branches / 1024 / MB, 1),
    }
