"""When each camera went online or offline: only the changes are stored (a few rows a day),
so that reports can show a camera's uptime and tell a quiet shift from a dead camera."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, Double, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from etiquette.service.store.models import Base


class CameraStatusRow(Base):
    __tablename__ = "camera_status"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Double, index=True)
    online: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class StatusChange:
    camera: str
    at: float = 0.0
    online: bool = False
    reason: str | None = None


class CameraStatusLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._last: dict[str, bool] = {}

    def record(self, camera: str, at: float, online: bool, reason: str | None = None) -> bool:
        """Store a change of ``camera``'s state; a repeat of its last state is not stored
        (health arrives every second or so). True if a row was written."""
        if camera not in self._last:  # after a restart: the state stored last
            with self._sessions() as session:
                query = select(CameraStatusRow.online).where(CameraStatusRow.camera == camera)
                last = session.scalars(query.order_by(CameraStatusRow.id.desc()).limit(1)).first()
            if last is not None:
                self._last[camera] = last
        if self._last.get(camera) == online:
            return False
        with self._sessions.begin() as session:
            session.add(CameraStatusRow(camera=camera, at=at, online=online, reason=reason))
        self._last[camera] = online
        return True

    def changes(self, since: float, until: float) -> list[StatusChange]:
        """Every camera's state at ``since`` (its last change before, if any), then its changes
        up to ``until``, oldest first."""
        with self._sessions() as session:
            # Changes are written as they happen, so the highest id is the latest change.
            last_before = (
                select(CameraStatusRow.camera, func.max(CameraStatusRow.id).label("id"))
                .where(CameraStatusRow.at < since)
                .group_by(CameraStatusRow.camera)
                .subquery()
            )
            earlier = session.scalars(
                select(CameraStatusRow).join(last_before, CameraStatusRow.id == last_before.c.id)
            ).all()
            within = session.scalars(
                select(CameraStatusRow)
                .where(CameraStatusRow.at >= since, CameraStatusRow.at < until)
                .order_by(CameraStatusRow.at, CameraStatusRow.id)
            ).all()
            return [_change(row) for row in (*earlier, *within)]


def _change(row: CameraStatusRow) -> StatusChange:
    return StatusChange(camera=row.camera, at=row.at, online=row.online, reason=row.reason)
