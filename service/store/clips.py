"""The coaching clips' index in the event store: which file shows which event, which clips a
trainer kept, and what retention may delete."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from etiquette.service.store.models import (
    ClipReviewRow,
    ClipRow,
    EventRow,
    NewClip,
    StoredClip,
    utc,
)
from etiquette.service.store.outbox import append

# A clip names its event by camera, type, track and start time; floats survive the trip
# through JSON exactly, the tolerance only guards against a database rounding them.
SAME_START_S = 1e-3


MAX_NOTE = 2000


class ClipReview(BaseModel):
    """A trainer's note on a clip and the reviewed mark (a clip nobody touched has neither)."""

    model_config = ConfigDict(frozen=True)

    note: str = Field("", max_length=MAX_NOTE)
    reviewed: bool = False
    updated_at: datetime | None = None


def _flushed(session: Session, row: ClipRow) -> dict[str, Any]:
    session.add(row)
    session.flush()
    return StoredClip.from_row(row).model_dump(mode="json")


class ClipIndex:
    def __init__(self, sessions: sessionmaker[Session], *, uplink: bool = False) -> None:
        self._sessions = sessions
        self._uplink = uplink  # queue each clip's entry for head office (the outbox)

    def add(self, camera: str, clip: NewClip) -> StoredClip:
        """Index a written clip, linked to its stored event when that can be found."""
        with self._sessions.begin() as session:
            event_id = session.scalars(
                select(EventRow.id)
                .where(
                    EventRow.camera == camera,
                    EventRow.type == clip.event_type,
                    EventRow.track == clip.track,
                    EventRow.start.between(
                        clip.event_start - SAME_START_S, clip.event_start + SAME_START_S
                    ),
                )
                .order_by(EventRow.id.desc())
                .limit(1)
            ).first()
            row = ClipRow(
                camera=camera,
                event_id=event_id,
                training=False,
                created_at=datetime.now(UTC),
                **clip.model_dump(),
            )
            if self._uplink:
                append(session, "clip", camera, lambda: _flushed(session, row))
            else:
                session.add(row)
        return StoredClip.from_row(row)

    def find(
        self,
        *,
        camera: str | None = None,
        reasons: Iterable[str] | None = None,
        since: float | None = None,
        until: float | None = None,
        training: bool | None = None,
        ids: Iterable[int] | None = None,
        posts: Iterable[str] | None = None,
        verdicts: Iterable[str] | None = None,
        limit: int = 200,
    ) -> list[StoredClip]:
        """Clips, newest event first; ``since`` <= event start < ``until``."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        query = select(ClipRow)
        if camera is not None:
            query = query.where(ClipRow.camera == camera)
        if reasons is not None:
            query = query.where(ClipRow.reason.in_(list(reasons)))
        if since is not None:
            query = query.where(ClipRow.event_start >= since)
        if until is not None:
            query = query.where(ClipRow.event_start < until)
        if training is not None:
            query = query.where(ClipRow.training == training)
        if ids is not None:
            query = query.where(ClipRow.id.in_(list(ids)))
        if posts is not None:
            query = query.where(ClipRow.post.in_(list(posts)))
        if verdicts is not None:
            query = query.where(ClipRow.verdict.in_(list(verdicts)))
        query = query.order_by(ClipRow.event_start.desc(), ClipRow.id.desc()).limit(limit)
        with self._sessions() as session:
            return [StoredClip.from_row(row) for row in session.scalars(query)]

    def get(self, clip_id: int) -> StoredClip | None:
        with self._sessions() as session:
            row = session.get(ClipRow, clip_id)
            return None if row is None else StoredClip.from_row(row)

    def mark_for_training(self, clip_id: int, training: bool) -> StoredClip | None:
        """Keep (or stop keeping) a clip for training; None if there is no such clip."""
        with self._sessions.begin() as session:
            session.execute(update(ClipRow).where(ClipRow.id == clip_id).values(training=training))
        return self.get(clip_id)

    def reviews(self, clip_ids: Iterable[int]) -> dict[int, ClipReview]:
        """The notes and reviewed marks of these clips (those that have one)."""
        query = select(ClipReviewRow).where(ClipReviewRow.clip_id.in_(list(clip_ids)))
        with self._sessions() as session:
            return {row.clip_id: _review(row) for row in session.scalars(query)}

    def review(self, clip_id: int, note: str, reviewed: bool) -> ClipReview | None:
        """Set a clip's note and reviewed mark; None if there is no such clip."""
        with self._sessions.begin() as session:
            if session.get(ClipRow, clip_id) is None:
                return None
            row = session.get(ClipReviewRow, clip_id)
            if row is None:
                row = ClipReviewRow(clip_id=clip_id)
                session.add(row)
            row.note, row.reviewed, row.updated_at = note, reviewed, datetime.now(UTC)
        return _review(row)

    def by_event(self, since: float, until: float) -> dict[int, int]:
        """Event id -> clip id, for the clips of events that started in [since, until)."""
        query = select(ClipRow.event_id, ClipRow.id).where(
            ClipRow.event_id.is_not(None),
            ClipRow.event_start >= since,
            ClipRow.event_start < until,
        )
        with self._sessions() as session:
            return {int(event): int(clip) for event, clip in session.execute(query) if event}

    def files(self) -> set[str]:
        """Every indexed clip's file (relative to the clips folder)."""
        with self._sessions() as session:
            return set(session.scalars(select(ClipRow.file)))

    def total_bytes(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.coalesce(func.sum(ClipRow.size_bytes), 0))) or 0)

    def deletable(self, *, older_than: float | None = None) -> list[StoredClip]:
        """Clips retention may delete (not marked for training), oldest first; with
        ``older_than`` only those captured before that time."""
        query = select(ClipRow).where(ClipRow.training.is_(False))
        if older_than is not None:
            query = query.where(ClipRow.clip_start < older_than)
        query = query.order_by(ClipRow.clip_start, ClipRow.id)
        with self._sessions() as session:
            return [StoredClip.from_row(row) for row in session.scalars(query)]

    def remove(self, clip_ids: Iterable[int]) -> list[StoredClip]:
        """Forget these clips unless they are marked for training (checked in the same
        statement, so a clip marked a moment ago is kept); returns the ones forgotten, whose
        files the caller deletes."""
        ids = list(clip_ids)
        if not ids:
            return []
        statement = (
            delete(ClipRow)
            .where(ClipRow.id.in_(ids), ClipRow.training.is_(False))
            .returning(ClipRow)
        )
        with self._sessions.begin() as session:
            return [StoredClip.from_row(row) for row in session.scalars(statement)]


def _review(row: ClipReviewRow) -> ClipReview:
    return ClipReview(note=row.note, reviewed=row.reviewed, updated_at=utc(row.updated_at))
