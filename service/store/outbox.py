"""The outbox: every stored event and clip entry that head office has not yet confirmed.

An entry is written in the same transaction as the event or clip it carries, so a branch
never has an event that head office will not eventually get, whatever stops when. Entries
are numbered 1, 2, 3... with no gaps (the number is taken from ``outbox_state`` in that
transaction, which serialises writers on both SQLite and PostgreSQL), so head office can
take them strictly in order and tell a repeat (a number it already has) from a gap (one it
cannot take yet). When head office confirms a number, the entries up to it are deleted.

``stream`` names this database's numbering: a box whose database is replaced starts again
at 1 on a new stream, and head office does not mistake the new entries for repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from etiquette.service.store.models import OutboxRow, OutboxStateRow, utc

OutboxKind = Literal["event", "clip"]
_STATE_ID = 1


class OutboxEntry(BaseModel):
    """One entry as it travels to head office (the uplink's message body)."""

    model_config = ConfigDict(frozen=True)

    stream: str = Field(description="The branch database's numbering (a UUID).")
    seq: int = Field(ge=1, description="The entry's number in its stream: 1, 2, 3... no gaps.")
    kind: OutboxKind = Field(description="event: a stored event; clip: a coaching clip's entry.")
    camera: str
    created_at: datetime = Field(description="When the branch stored it (UTC).")
    body: dict[str, Any] = Field(
        description="The stored event (as /api/events gives it) or the clip's entry "
        "(as /api/clips gives it)."
    )


class OutboxState(BaseModel):
    """Where the outbox stands: what is numbered, what head office confirmed."""

    model_config = ConfigDict(frozen=True)

    stream: str
    last_seq: int = Field(description="The last number given.")
    acked_seq: int = Field(description="The last number head office confirmed.")
    acked_at: datetime | None = Field(description="When head office last confirmed (UTC).")

    @property
    def backlog(self) -> int:
        return self.last_seq - self.acked_seq


def append(
    session: Session, kind: OutboxKind, camera: str, body: Callable[[], dict[str, Any]]
) -> int:
    """Queue what ``body`` gives in the caller's transaction; its number is returned. The
    number is taken (and the outbox locked) before ``body`` runs, so rows that ``body``
    writes get their ids in the order of the numbers. Commit with the rest."""
    seq = session.execute(
        update(OutboxStateRow)
        .where(OutboxStateRow.id == _STATE_ID)
        .values(last_seq=OutboxStateRow.last_seq + 1)
        .returning(OutboxStateRow.last_seq)
    ).scalar_one()
    session.add(
        OutboxRow(seq=seq, kind=kind, camera=camera, body=body(), created_at=datetime.now(UTC))
    )
    return int(seq)


class Outbox:
    """Reads the outbox in order and deletes what head office confirmed."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def state(self) -> OutboxState:
        with self._sessions() as session:
            row = session.get_one(OutboxStateRow, _STATE_ID)
            return OutboxState(
                stream=row.stream,
                last_seq=row.last_seq,
                acked_seq=row.acked_seq,
                acked_at=None if row.acked_at is None else utc(row.acked_at),
            )

    def entries(self, after_seq: int, limit: int) -> list[OutboxEntry]:
        """Up to ``limit`` entries numbered after ``after_seq``, in order."""
        with self._sessions() as session:
            stream = session.get_one(OutboxStateRow, _STATE_ID).stream
            rows = session.scalars(
                select(OutboxRow)
                .where(OutboxRow.seq > after_seq)
                .order_by(OutboxRow.seq)
                .limit(limit)
            )
            return [
                OutboxEntry(
                    stream=stream,
                    seq=row.seq,
                    kind=row.kind,  # type: ignore[arg-type]
                    camera=row.camera,
                    created_at=utc(row.created_at),
                    body=row.body,
                )
                for row in rows
            ]

    def acknowledge(self, stream: str, seq: int) -> int:
        """Head office has everything of ``stream`` up to ``seq``: those entries go. Returns
        how many went; a confirmation of another stream, or of less than already confirmed,
        changes nothing."""
        with self._sessions.begin() as session:
            state = session.get_one(OutboxStateRow, _STATE_ID, with_for_update=True)
            if stream != state.stream or seq <= state.acked_seq:
                return 0
            seq = min(seq, state.last_seq)
            state.acked_seq = seq
            state.acked_at = datetime.now(UTC)
            result = session.execute(delete(OutboxRow).where(OutboxRow.seq <= seq))
            return int(getattr(result, "rowcount", 0) or 0)

    def oldest_waiting(self) -> datetime | None:
        """When the oldest entry head office has not confirmed was stored."""
        with self._sessions() as session:
            found = session.scalar(select(func.min(OutboxRow.created_at)))
            return None if found is None else utc(found)
