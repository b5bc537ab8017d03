"""Head office's tables in PostgreSQL (SQLAlchemy 2 typed ORM). The Alembic migrations in
``service/hq/migrations`` create them; ``hq_events`` is partitioned by month of the event's
start, so years of events from hundreds of branches stay quick to query and cheap to drop."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import BigInteger, Date, DateTime, Double, Integer, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

HqRole = Literal["head_office", "region", "branch"]
HQ_ROLES: tuple[HqRole, ...] = ("head_office", "region", "branch")

# The daily figures kept per branch (see service/hq/tally.py), in the order of the columns.
DAILY_COUNTS = (
    "arrivals",
    "on_time",
    "late",
    "missed",
    "bows",
    "bows_to_standard",
    "posture_lapses",
    "queue_prompts",
    "queue_waits",
    "guided",
    "guided_to_standard",
    "farewells",
    "farewells_escorted",
    "teller_served",
    "teller_to_standard",
)


class HqBase(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class BranchRow(HqBase):
    """A branch as head office knows it: who it is and how its box was last heard."""

    __tablename__ = "hq_branches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(64), index=True)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[str | None] = mapped_column(String(32))
    online: Mapped[bool] = mapped_column(default=False)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    silent_alerted: Mapped[bool] = mapped_column(default=False)


class StreamRow(HqBase):
    """How far head office has taken one box database's numbered entries."""

    __tablename__ = "hq_streams"

    branch: Mapped[str] = mapped_column(String(64), primary_key=True)
    stream: Mapped[str] = mapped_column(String(36), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HqEventRow(HqBase):
    """One branch's stored event. Partitioned by ``started_at`` (monthly)."""

    __tablename__ = "hq_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    branch: Mapped[str] = mapped_column(String(64))
    stream: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigInteger)
    camera: Mapped[str] = mapped_column(String(64))
    edge_id: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    phase: Mapped[str] = mapped_column(String(8))
    track: Mapped[int] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(16))
    start: Mapped[float] = mapped_column(Double)
    end: Mapped[float] = mapped_column(Double)
    peak: Mapped[float | None] = mapped_column(Double)
    values: Mapped[dict[str, Any]] = mapped_column(JSONB)
    verdict: Mapped[str | None] = mapped_column(Text)
    post: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HqClipRow(HqBase):
    """A coaching clip's entry: its file stays at the branch until someone asks for it."""

    __tablename__ = "hq_clips"

    branch: Mapped[str] = mapped_column(String(64), primary_key=True)
    stream: Mapped[str] = mapped_column(String(36), primary_key=True)
    edge_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    camera: Mapped[str] = mapped_column(String(64))
    event_edge_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32), index=True)
    event_start: Mapped[float] = mapped_column(Double)
    entry: Mapped[dict[str, Any]] = mapped_column(JSONB)
    cached_file: Mapped[str | None] = mapped_column(Text)


class DailyRow(HqBase):
    """A branch's figures of one local day, summed as events are taken in (the ranking reads
    these, never the events)."""

    __tablename__ = "hq_daily"

    branch: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    arrivals: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)
    bows: Mapped[int] = mapped_column(Integer, default=0)
    bows_to_standard: Mapped[int] = mapped_column(Integer, default=0)
    posture_lapses: Mapped[int] = mapped_column(Integer, default=0)
    queue_prompts: Mapped[int] = mapped_column(Integer, default=0)
    queue_waits: Mapped[int] = mapped_column(Integer, default=0)
    guided: Mapped[int] = mapped_column(Integer, default=0)
    guided_to_standard: Mapped[int] = mapped_column(Integer, default=0)
    farewells: Mapped[int] = mapped_column(Integer, default=0)
    farewells_escorted: Mapped[int] = mapped_column(Integer, default=0)
    teller_served: Mapped[int] = mapped_column(Integer, default=0)
    teller_to_standard: Mapped[int] = mapped_column(Integer, default=0)


class HqTokenRow(HqBase):
    """A head-office API token (only its SHA-256): a role and, for region and branch, which."""

    __tablename__ = "hq_tokens"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
