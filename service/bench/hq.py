"""`etiquette bench-hq`: head office under a bank's load. Branches x days of a bank branch's
events (:mod:`branch_day`: 150-400 customers a day, ~13 events each over a lobby and a counter
camera, ~3,500 a branch-day, and a clip entry for each event the clip recorder films) are
taken in through :meth:`HqStore.ingest` as the boxes deliver them (interleaved, in batches of
``batch``), into a fresh PostgreSQL database made for the run and dropped after it. Then the
ranking (query and page) and a branch's drill-down (events and page) are timed, over real
HTTP to head office's app on 127.0.0.1, and the database's size per branch-year is estimated
from what the run wrote."""

from __future__ import annotations

import gc
import random
import statistics
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn

from etiquette.service.bench.branch_day import Cameras, cameras_of
from etiquette.service.bench.hq_load import (
    branch_ids,
    branch_outbox,
    database_size,
    ingest,
    register,
    scratch_database,
    stored_once,
)
from etiquette.service.bench.prompts import free_port
from etiquette.service.hq.app import create_hq_app
from etiquette.service.hq.config import HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.hq.queries import Scope, branch_events, ranking

ZONE = ZoneInfo("Asia/Shanghai")
MB = 1024 * 1024
FLEET = 200  # the bank's branches, for the yearly size


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


def _timings(store: HqStore, branch: str, last: date, repeats: int) -> dict[str, Any]:
    """The ranking of the week to ``last`` and ``branch``'s drill-down of ``last``, each
    query directly and each page over HTTP."""
    week = (last - timedelta(days=6), last)
    day = datetime.combine(last, datetime.min.time(), ZONE).timestamp()
    with serving(store) as (address, token):
        return {
            "ranking_query": _timed(lambda: ranking(store, Scope(), *week), repeats),
            "ranking_page": _timed(
                _get(f"{address}/?start={week[0]}&end={week[1]}", token), repeats
            ),
            "drilldown_events": _timed(
                lambda: branch_events(store, branch, day, day + 86400), repeats
            ),
            "drilldown_page": _timed(
                _get(f"{address}/branches/{branch}?start={last}&end={last}", token), repeats
            ),
        }


def _load(
    store: HqStore, ids: list[str], cameras: Cameras, first: date, days: int, batch: int, seed: int
) -> dict[str, Any]:
    """The branches' outboxes made, taken in and checked. They are gone when this returns:
    kept through the timings, their ~1,000,000 objects would make the garbage collector's
    full passes (a second each) land in the timed requests, which head office's own process
    never holds."""
    began = time.perf_counter()
    rng = random.Random(seed)
    outboxes = {b: branch_outbox(rng, first, days, cameras, ZONE, f"stream-{b}") for b in ids}
    kinds = [entry.kind for entries in outboxes.values() for entry in entries]
    made_s = time.perf_counter() - began
    register(store, ids, cameras, ZONE)
    return {
        "events": kinds.count("event"),
        "clips": kinds.count("clip"),
        "generate_s": round(made_s, 1),
        "ingest": ingest(store, outboxes, batch),
        "stored_once": stored_once(store, outboxes),
    }


def _drilldown_size(store: HqStore, branch: str, last: date) -> int:
    day = datetime.combine(last, datetime.min.time(), ZONE).timestamp()
    return len(branch_events(store, branch, day, day + 86400))


def bench_hq(
    url: str,
    branches: int = 200,
    cameras: int = 2,
    days: int = 1,
    batch: int = 500,
    repeats: int = 30,
    seed: int = 0,
    keep: bool = False,
) -> dict[str, Any]:
    """The whole run, in a database of its own on ``url``'s server (one JSON object)."""
    ids = branch_ids(branches)
    last = datetime.now(ZONE).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    with scratch_database(url, keep) as database:
        store = HqStore(database.url)
        try:
            loaded = _load(store, ids, cameras_of(cameras), first, days, batch, seed)
            gc.collect()
            timings = _timings(store, ids[0], last, repeats)
            drilled = _drilldown_size(store, ids[0], last)
            size = database_size(store)
        finally:
            store.close()
    branch_days = branches * days
    per_branch_year = (size["events"] + size["others"]) / branch_days * 365
    return {
        "branches": branches,
        "cameras": cameras,
        "days": days,
        **loaded,
        "events_per_branch_day": round(loaded["events"] / branch_days),
        **timings,
        "drilldown_day_events": drilled,
        "size_mb": {k: round(v / MB, 1) for k, v in size.items()},
        "mb_per_branch_year": round(per_branch_year / MB, 1),
        f"gb_{FLEET}_branches_a_year": round(per_branch_year * FLEET / 1024 / MB, 1),
        "database": database.name if keep else None,
    }
