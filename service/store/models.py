"""The event store's tables (SQLAlchemy 2 typed ORM) and the frozen models it hands out.

The tables are created by the Alembic migrations in ``service/migrations``; these classes
only map them. Keep the two in step: a change here needs a new migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from etiquette.rules.events import Event, EventType, PersonRole, parse_event

Role = Literal["admin", "viewer", "earpiece"]
ROLES: tuple[Role, ...] = ("admin", "viewer", "earpiece")

# JSON on SQLite, JSONB on PostgreSQL (the migration uses the same variant).
JSON_VALUES = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class EventRow(Base):
    """One finished event of one camera."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    phase: Mapped[str] = mapped_column(String(8))
    track: Mapped[int] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(16))
    start: Mapped[float] = mapped_column(Double, index=True)
    end: Mapped[float] = mapped_column(Double)
    peak: Mapped[float | None] = mapped_column(Double)
    values: Mapped[dict[str, Any]] = mapped_column(JSON_VALUES)
    verdict: Mapped[str | None] = mapped_column(Text)
    post: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClipRow(Base):
    """One coaching clip: an MP4 file in the clips folder and why it was written."""

    __tablename__ = "clips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    track: Mapped[int] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(16))
    verdict: Mapped[str | None] = mapped_column(Text)
    post: Mapped[str | None] = mapped_column(String(64))
    event_start: Mapped[float] = mapped_column(Double, index=True)
    clip_start: Mapped[float] = mapped_column(Double)
    duration_s: Mapped[float] = mapped_column(Double)
    file: Mapped[str] = mapped_column(String(255), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    summary: Mapped[str] = mapped_column(Text)
    training: Mapped[bool] = mapped_column(Boolean, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClipReviewRow(Base):
    """A trainer's note on a clip and whether it has been reviewed (a table of its own, so
    the clips' index is written by the runners and this only by people)."""

    __tablename__ = "clip_reviews"

    clip_id: Mapped[int] = mapped_column(
        ForeignKey("clips.id", ondelete="CASCADE"), primary_key=True
    )
    note: Mapped[str] = mapped_column(Text)
    reviewed: Mapped[bool] = mapped_column(Boolean, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxRow(Base):
    """An entry still owed to head office: a stored event or a clip's entry, numbered in the
    order it was stored (``seq`` has no gaps: see :mod:`service.store.outbox`)."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    camera: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxStateRow(Base):
    """The outbox's one row: its stream, the last number given and the last head office
    confirmed."""

    __tablename__ = "outbox_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stream: Mapped[str] = mapped_column(String(36))
    last_seq: Mapped[int] = mapped_column(BigInteger)
    acked_seq: Mapped[int] = mapped_column(BigInteger)
    acked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TokenRow(Base):
    """An API token: only its SHA-256 is kept, never the token itself."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time the store writes is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class StoredEvent(BaseModel):
    """A finished event as stored: the rules' event, typed by its kind, and where and when
    the store put it."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(description="Increases with every stored event; use it as after_id.")
    camera: str
    post: str | None = Field(description="The door or desk post the event belongs to, if any.")
    created_at: datetime = Field(description="When the store committed it (UTC).")
    event: Event = Field(description="The event, its values and verdict typed by its kind.")

    @classmethod
    def from_row(cls, row: EventRow) -> StoredEvent:
        return cls(
            id=row.id,
            camera=row.camera,
            post=row.post,
            created_at=utc(row.created_at),
            event=event_of(row),
        )


class EventColumns(Protocol):
    """A table row holding an event's own columns (the edge's events, head office's)."""

    type: str
    phase: str
    track: int
    role: str | None
    start: float
    end: float
    peak: float | None
    values: dict[str, Any]
    verdict: str | None


def event_of(row: EventColumns) -> Event:
    """The rules' event a row holds, typed by its kind."""
    return parse_event(
        {
            "type": row.type,
            "phase": row.phase,
            "track": row.track,
            "role": row.role,
            "start": row.start,
            "end": row.end,
            "peak": row.peak,
            "values": row.values,
            "verdict": row.verdict,
        }
    )


class TokenInfo(BaseModel):
    """Who a token belongs to and what it may do."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: Role


ClipReason = Literal[
    "missed_greeting",
    "late_greeting",
    "bow_off_standard",
    "good_bow",
    "posture_lapse",
    "guiding_off_standard",
    "good_guiding",
    "not_escorted",
    "teller_off_standard",
    "long_queue",
]


class NewClip(BaseModel):
    """A clip a camera runner has just written, to be indexed."""

    model_config = ConfigDict(frozen=True)

    reason: ClipReason
    event_type: EventType
    track: int
    role: PersonRole | None
    verdict: str | None
    post: str | None
    event_start: float = Field(description="When the event started (epoch s, capture time).")
    clip_start: float = Field(description="When the clip's first frame was captured (epoch s).")
    duration_s: float
    file: str = Field(description="Path of the MP4 inside the clips folder.")
    size_bytes: int
    summary: str = Field(description="What the clip shows, as drawn on it.")


class StoredClip(NewClip):
    """A coaching clip as indexed: where its file is and which event it shows."""

    id: int
    camera: str
    event_id: int | None = Field(description="The stored event the clip shows (if still kept).")
    training: bool = Field(description="Marked for training: never deleted by retention.")
    created_at: datetime

    @classmethod
    def from_row(cls, row: ClipRow) -> StoredClip:
        columns = {name: getattr(row, name) for name in cls.model_fields}
        return cls.model_validate({**columns, "created_at": utc(row.created_at)})
