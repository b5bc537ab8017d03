"""What head office's pages ask of its store: the branches ranked on the standards with their
trend, one branch's events as the edge report reads them, the fleet's health."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Text, cast, func, select

from etiquette.service.hq.db import HqStore
from etiquette.service.hq.models import DAILY_COUNTS, BranchRow, DailyRow, HqClipRow, HqEventRow
from etiquette.service.hq.tally import bows_rate, on_time_rate, rate
from etiquette.service.store.models import StoredEvent


class Scope(BaseModel):
    """Which branches a caller may see: all (head office), a region's, or one."""

    model_config = ConfigDict(frozen=True)

    region: str | None = None
    branch: str | None = None


class BranchRank(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int
    branch: str
    name: str
    region: str | None
    arrivals: int
    on_time_rate: float | None = Field(description="on time / (on time + late + missed)")
    previous_on_time_rate: float | None = Field(description="The same, the period before.")
    bows: int
    bows_rate: float | None = Field(description="Staff bows to standard / finished bows.")
    previous_bows_rate: float | None
    queue_prompts: int
    posture_lapses: int
    guided_rate: float | None
    farewell_rate: float | None
    teller_rate: float | None
    daily_on_time: list[float | None] = Field(description="Each day's on-time rate (trend).")


class FleetRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    branch: str
    name: str
    region: str | None
    online: bool
    silent: bool = Field(description="Not heard from within silent_after_s, or said goodbye.")
    last_seen: datetime | None
    version: str | None
    cameras_online: int
    cameras: int
    backlog: int
    oldest_waiting: datetime | None


def _branches(store: HqStore, scope: Scope) -> list[BranchRow]:
    query = select(BranchRow).order_by(BranchRow.id)
    if scope.region is not None:
        query = query.where(BranchRow.region == scope.region)
    if scope.branch is not None:
        query = query.where(BranchRow.id == scope.branch)
    with store.sessions() as session:
        return list(session.scalars(query))


def _sums(store: HqStore, ids: Sequence[str], first: date, last: date) -> dict[str, dict[str, int]]:
    columns = [func.sum(getattr(DailyRow, name)).label(name) for name in DAILY_COUNTS]
    query = (
        select(DailyRow.branch, *columns)
        .where(DailyRow.branch.in_(list(ids)), DailyRow.day >= first, DailyRow.day <= last)
        .group_by(DailyRow.branch)
    )
    with store.sessions() as session:
        return {
            row[0]: {
                name: int(value or 0) for name, value in zip(DAILY_COUNTS, row[1:], strict=True)
            }
            for row in session.execute(query)
        }


def _daily_on_time(
    store: HqStore, ids: Sequence[str], first: date, last: date
) -> dict[str, dict[date, float | None]]:
    query = select(DailyRow.branch, DailyRow.day, DailyRow.on_time, DailyRow.late, DailyRow.missed)
    query = query.where(DailyRow.branch.in_(list(ids)), DailyRow.day >= first, DailyRow.day <= last)
    found: dict[str, dict[date, float | None]] = defaultdict(dict)
    with store.sessions() as session:
        for branch, day, on_time, late, missed in session.execute(query):
            found[branch][day] = rate(on_time, on_time + late + missed)
    return found


def ranking(store: HqStore, scope: Scope, first: date, last: date) -> list[BranchRank]:
    """The branches in ``scope`` over the days ``first``..``last`` (their own local days),
    best on-time rate first (branches with nothing judged last), with the period before."""
    branches = _branches(store, scope)
    ids = [b.id for b in branches]
    length = (last - first).days + 1
    now = _sums(store, ids, first, last)
    before = _sums(store, ids, first - timedelta(days=length), first - timedelta(days=1))
    daily = _daily_on_time(store, ids, first, last)
    empty = dict.fromkeys(DAILY_COUNTS, 0)
    days = [first + timedelta(days=k) for k in range(length)]
    rows: list[dict[str, Any]] = []
    for branch in branches:
        counts, earlier = now.get(branch.id, empty), before.get(branch.id, empty)
        rows.append(
            {
                "branch": branch.id,
                "name": branch.name,
                "region": branch.region,
                "arrivals": counts["arrivals"],
                "on_time_rate": on_time_rate(counts),
                "previous_on_time_rate": on_time_rate(earlier),
                "bows": counts["bows"],
                "bows_rate": bows_rate(counts),
                "previous_bows_rate": bows_rate(earlier),
                "queue_prompts": counts["queue_prompts"],
                "posture_lapses": counts["posture_lapses"],
                "guided_rate": rate(counts["guided_to_standard"], counts["guided"]),
                "farewell_rate": rate(counts["farewells_escorted"], counts["farewells"]),
                "teller_rate": rate(counts["teller_to_standard"], counts["teller_served"]),
                "daily_on_time": [daily.get(branch.id, {}).get(day) for day in days],
            }
        )
    rows.sort(
        key=lambda r: (
            r["on_time_rate"] is None,
            -(r["on_time_rate"] or 0.0),
            -(r["bows_rate"] or 0.0),
            r["branch"],
        )
    )
    return [BranchRank(rank=k + 1, **row) for k, row in enumerate(rows)]


# A stored event as one JSON text made by PostgreSQL, read by pydantic's JSON parser: a day of a
# branch (~3,500 events) in about half the time of ORM rows, json.loads and validation of
# dicts. json_build_object writes floats in their shortest exact form, so times round-trip.
_EVENT_JSON = func.json_build_object(
    "type", HqEventRow.type,
    "phase", HqEventRow.phase,
    "track", HqEventRow.track,
    "role", HqEventRow.role,
    "start", HqEventRow.start,
    "end", HqEventRow.end,
    "peak", HqEventRow.peak,
    "values", HqEventRow.values,
    "verdict", HqEventRow.verdict,
)  # fmt: skip
_STORED_JSON = cast(
    func.json_build_object(
        "id", HqEventRow.edge_id,
        "camera", HqEventRow.camera,
        "post", HqEventRow.post,
        "created_at", HqEventRow.created_at,
        "event", _EVENT_JSON,
    ),
    Text,
)  # fmt: skip


def branch_events(
    store: HqStore, branch: str, since: float, until: float, types: Sequence[str] | None = None
) -> list[StoredEvent]:
    """A branch's events with since <= start < until, as the edge store gives them (ids are
    the branch's), ordered by start."""
    query = select(_STORED_JSON).where(
        HqEventRow.branch == branch,
        HqEventRow.started_at >= datetime.fromtimestamp(since, UTC),
        HqEventRow.started_at < datetime.fromtimestamp(until, UTC),
    )
    if types is not None:
        query = query.where(HqEventRow.type.in_(list(types)))
    with store.sessions() as session:
        found = session.scalars(query.order_by(HqEventRow.start, HqEventRow.id)).all()
    return [StoredEvent.model_validate_json(text) for text in found]


def branch_clips(store: HqStore, branch: str, since: float, until: float) -> list[HqClipRow]:
    query = select(HqClipRow).where(
        HqClipRow.branch == branch,
        HqClipRow.event_start >= since,
        HqClipRow.event_start < until,
    )
    with store.sessions() as session:
        return list(session.scalars(query.order_by(HqClipRow.event_start)))


class BankClip(BaseModel):
    model_config = ConfigDict(frozen=True)

    branch: str
    branch_name: str
    clip: int = Field(description="The clip's id at its branch.")
    camera: str
    reason: str
    event_start: float
    summary: str
    example: bool = Field(description="A good example (good_bow, good_guiding), not a fault.")


def bank_clips(
    store: HqStore, scope: Scope, since: float, until: float, limit: int = 50
) -> list[BankClip]:
    """Coaching clips across the branches in ``scope``, newest first: good examples and
    faults, ``limit`` of each."""
    query = (
        select(HqClipRow, BranchRow.name)
        .join(BranchRow, BranchRow.id == HqClipRow.branch)
        .where(HqClipRow.event_start >= since, HqClipRow.event_start < until)
    )
    if scope.region is not None:
        query = query.where(BranchRow.region == scope.region)
    if scope.branch is not None:
        query = query.where(BranchRow.id == scope.branch)
    found: list[BankClip] = []
    with store.sessions() as session:
        for example in (True, False):
            chosen = HqClipRow.reason.like("good_%")
            rows = session.execute(
                query.where(chosen if example else ~chosen)
                .order_by(HqClipRow.event_start.desc())
                .limit(limit)
            )
            found += [
                BankClip(
                    branch=clip.branch,
                    branch_name=name,
                    clip=clip.edge_id,
                    camera=clip.camera,
                    reason=clip.reason,
                    event_start=clip.event_start,
                    summary=str(clip.entry.get("summary", "")),
                    example=example,
                )
                for clip, name in rows
            ]
    return found


def fleet(store: HqStore, scope: Scope, silent_after_s: float) -> list[FleetRow]:
    cutoff = datetime.now(UTC) - timedelta(seconds=silent_after_s)
    rows = []
    for branch in _branches(store, scope):
        status = branch.status or {}
        cameras = status.get("cameras") or []
        oldest = status.get("oldest_waiting")
        silent = branch.last_seen is None or branch.last_seen < cutoff or not branch.online
        rows.append(
            FleetRow(
                branch=branch.id,
                name=branch.name,
                region=branch.region,
                online=branch.online and not silent,
                silent=silent,
                last_seen=branch.last_seen,
                version=branch.version,
                cameras_online=sum(1 for c in cameras if c.get("online")),
                cameras=len(cameras),
                backlog=int(status.get("backlog") or 0),
                oldest_waiting=None if oldest is None else datetime.fromisoformat(oldest),
            )
        )
    return rows
