"""Head office's store (PostgreSQL): branches' entries taken in strictly in order and once,
their daily figures, their boxes' status, and tokens.

:meth:`HqStore.ingest` takes a batch of entries in one transaction: per branch and stream,
entries are kept only in number order (the next number after the last kept), a number
already kept is a repeat and is skipped, and a number beyond the next is a gap (its
predecessor was lost on the way) and is refused, so the box sends again from the gap. The
events' unique key (branch, stream, camera, event id) keeps a repeat out even so.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from etiquette.service.hq.models import (
    HQ_ROLES,
    BranchRow,
    DailyRow,
    HqClipRow,
    HqEventRow,
    HqTokenRow,
    StreamRow,
)
from etiquette.service.hq.tally import counts_of
from etiquette.service.live.uplink_protocol import Ack, BranchStatus
from etiquette.service.store.outbox import OutboxEntry

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 0x45_54_51_48


class HqStoreError(RuntimeError):
    """Head office's database cannot be used, with what to do."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _month(moment: datetime) -> date:
    return date(moment.year, moment.month, 1)


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


class HqStore:
    def __init__(self, url: str) -> None:
        if make_url(url).get_backend_name() != "postgresql":
            raise HqStoreError(
                f"head office needs PostgreSQL, not {make_url(url).get_backend_name()}: set "
                "database_url to postgresql+psycopg://user@host:5432/etiquette_hq"
            )
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._partitions: set[date] = set()
        self._zones: dict[str, ZoneInfo] = {}
        try:
            self._migrate()
        except Exception as error:
            self.engine.dispose()
            detail = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise HqStoreError(f"head office's database cannot be used: {detail}") from error

    def _migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as connection, connection.begin():
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    # -- taking entries in -------------------------------------------------------------------

    def ingest(self, batch: Sequence[tuple[str, OutboxEntry]]) -> dict[str, Ack]:
        """Keep what comes next of each branch's stream, in one transaction; the answer to
        send each branch (the last number kept, and whether a gap was refused)."""
        by_stream: dict[tuple[str, str], list[OutboxEntry]] = defaultdict(list)
        for branch, entry in batch:
            by_stream[(branch, entry.stream)].append(entry)
        answers: dict[str, Ack] = {}
        now = datetime.now(UTC)
        with self.sessions.begin() as session:
            for branch, stream in sorted(by_stream):
                self._known_branch(session, branch)
                last = self._last_seq(session, branch, stream, now)
                kept, gap = [], False
                for entry in sorted(by_stream[(branch, stream)], key=lambda e: e.seq):
                    if entry.seq == last + 1:
                        kept.append(entry)
                        last = entry.seq
                    elif entry.seq > last + 1:
                        gap = True
                self._keep(session, branch, kept, now)
                session.execute(
                    update(StreamRow)
                    .where(StreamRow.branch == branch, StreamRow.stream == stream)
                    .values(last_seq=last, updated_at=now)
                )
                answers[branch] = Ack(stream=stream, seq=last, gap=gap)
        return answers

    def _known_branch(self, session: Session, branch: str) -> None:
        session.execute(insert(BranchRow).values(id=branch, name=branch).on_conflict_do_nothing())

    def _last_seq(self, session: Session, branch: str, stream: str, now: datetime) -> int:
        session.execute(
            insert(StreamRow)
            .values(branch=branch, stream=stream, last_seq=0, updated_at=now)
            .on_conflict_do_nothing()
        )
        found = session.scalar(
            select(StreamRow.last_seq)
            .where(StreamRow.branch == branch, StreamRow.stream == stream)
            .with_for_update()
        )
        return int(found or 0)

    def _keep(self, session: Session, branch: str, kept: list[OutboxEntry], now: datetime) -> None:
        events = [self._event_row(branch, e, now) for e in kept if e.kind == "event"]
        clips = [self._clip_row(branch, e) for e in kept if e.kind == "clip"]
        if events:
            for month in {_month(row["started_at"]) for row in events} - self._partitions:
                self._partition(session, month)
            session.execute(insert(HqEventRow).values(events).on_conflict_do_nothing())
            self._tally(session, branch, events)
        if clips:
            session.execute(insert(HqClipRow).values(clips).on_conflict_do_nothing())

    @staticmethod
    def _event_row(branch: str, entry: OutboxEntry, now: datetime) -> dict[str, Any]:
        body = entry.body
        event = body["event"]
        return {
            "started_at": datetime.fromtimestamp(event["start"], UTC),
            "branch": branch,
            "stream": entry.stream,
            "seq": entry.seq,
            "camera": entry.camera,
            "edge_id": body["id"],
            "type": event["type"],
            "phase": event.get("phase", "end"),
            "track": event["track"],
            "role": event.get("role"),
            "start": event["start"],
            "end": event["end"],
            "peak": event.get("peak"),
            "values": event.get("values") or {},
            "verdict": event.get("verdict"),
            "post": body.get("post"),
            "created_at": entry.created_at,
            "received_at": now,
        }

    @staticmethod
    def _clip_row(branch: str, entry: OutboxEntry) -> dict[str, Any]:
        body = entry.body
        return {
            "branch": branch,
            "stream": entry.stream,
            "edge_id": body["id"],
            "camera": entry.camera,
            "event_edge_id": body.get("event_id"),
            "reason": body["reason"],
            "event_start": body["event_start"],
            "entry": body,
        }

    def _partition(self, session: Session, month: date) -> None:
        name = f"hq_events_y{month.year}m{month.month:02d}"
        session.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF hq_events FOR VALUES "
                f"FROM ('{month.isoformat()} 00:00+00') TO ('{_next_month(month).isoformat()} "
                "00:00+00')"
            )
        )
        self._partitions.add(month)

    def zone_of(self, branch: str) -> ZoneInfo:
        return self._zones.get(branch, ZoneInfo("UTC"))

    def _tally(self, session: Session, branch: str, events: Iterable[dict[str, Any]]) -> None:
        zone = self.zone_of(branch)
        days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in events:
            names = counts_of(row["type"], row["verdict"], row["role"])
            day = row["started_at"].astimezone(zone).date()
            for name in names:
                days[day][name] += 1
        for day, counts in days.items():
            if not counts:
                continue
            statement = insert(DailyRow).values(branch=branch, day=day, **counts)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["branch", "day"],
                    set_={n: getattr(DailyRow, n) + statement.excluded[n] for n in counts},
                )
            )

    # -- boxes' status -----------------------------------------------------------------------

    def record_status(self, branch: str, status: BranchStatus) -> None:
        now = datetime.now(UTC)
        values: dict[str, Any] = {"online": status.online, "last_seen": now}
        if status.online:
            values |= {"status": status.model_dump(mode="json"), "silent_alerted": False}
            values |= {"version": status.version, "time_zone": status.time_zone}
            if status.site:
                values["name"] = status.site
            if status.time_zone:
                try:
                    self._zones[branch] = ZoneInfo(status.time_zone)
                except (ZoneInfoNotFoundError, ValueError):
                    log.warning("branch %s sent an unknown time zone %r", branch, status.time_zone)
        with self.sessions.begin() as session:
            self._known_branch(session, branch)
            session.execute(update(BranchRow).where(BranchRow.id == branch).values(**values))

    def load_zones(self) -> None:
        with self.sessions() as session:
            for branch, zone in session.execute(select(BranchRow.id, BranchRow.time_zone)):
                if zone:
                    with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                        self._zones[branch] = ZoneInfo(zone)

    def register_branch(self, branch: str, name: str, region: str | None) -> None:
        """A branch from the head-office file: its name for people and its region."""
        with self.sessions.begin() as session:
            statement = insert(BranchRow).values(id=branch, name=name, region=region)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["id"], set_={"name": name, "region": region}
                )
            )

    def silent_branches(self, after_s: float) -> list[BranchRow]:
        """Branches not heard from for ``after_s`` (or whose box said goodbye), not yet
        alerted; they are marked alerted."""
        cutoff = datetime.now(UTC) - timedelta(seconds=after_s)
        with self.sessions.begin() as session:
            rows = list(
                session.scalars(
                    select(BranchRow).where(
                        BranchRow.silent_alerted.is_(False),
                        BranchRow.last_seen.is_not(None),
                        (BranchRow.last_seen < cutoff) | BranchRow.online.is_(False),
                    )
                )
            )
            for row in rows:
                row.silent_alerted = True
            return rows

    # -- tokens ------------------------------------------------------------------------------

    def create_token(self, name: str, role: str, scope: str | None) -> str:
        if role not in HQ_ROLES:
            raise ValueError(f"unknown role {role!r}; valid roles: {', '.join(HQ_ROLES)}")
        if role != "head_office" and not scope:
            raise ValueError(f"a {role} token needs --scope (the {role}'s id)")
        token = secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            if session.get(HqTokenRow, name) is not None:
                raise ValueError(f"a token named {name!r} already exists")
            session.add(
                HqTokenRow(
                    name=name,
                    hash=_hash(token),
                    role=role,
                    scope=None if role == "head_office" else scope,
                    created_at=datetime.now(UTC),
                )
            )
        return token

    def tokens(self) -> list[HqTokenRow]:
        with self.sessions() as session:
            return list(session.scalars(select(HqTokenRow).order_by(HqTokenRow.name)))

    def revoke_token(self, name: str) -> bool:
        with self.sessions.begin() as session:
            row = session.get(HqTokenRow, name.strip())
            if row is None:
                return False
            session.delete(row)
            return True

    def token(self, token: str) -> HqTokenRow | None:
        if not token:
            return None
        with self.sessions() as session:
            return session.scalars(
                select(HqTokenRow).where(HqTokenRow.hash == _hash(token))
            ).first()
