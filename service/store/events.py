"""The event store: finished events, API tokens and the coaching clips' index, in SQLite
(default) or PostgreSQL.

An event is committed before :meth:`EventStore.add_event` returns, so whoever publishes it
afterwards (the live stream, the earpieces) never announces an event the store could lose.
The schema is owned by the Alembic migrations in ``service/migrations``; opening a store
upgrades the database to the newest revision.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, delete, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from etiquette.rules.events import Event, Phase, PostureValues
from etiquette.service.store.camera_status import CameraStatusLog
from etiquette.service.store.clips import ClipIndex
from etiquette.service.store.models import ROLES, EventRow, StoredEvent, TokenInfo, TokenRow
from etiquette.service.store.outbox import Outbox, append

__all__ = ["MIGRATIONS", "EventStore", "StoredEvent", "TokenInfo", "make_engine", "sqlite_url"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Serialises concurrent upgrades of one PostgreSQL database (any constant unique to us).
_MIGRATION_LOCK = 0x45_54_51_01
_IMMEDIATE = "etiquette_sqlite_immediate"
MAX_NAME = 64
WAL_TRIES = 20


class StoreError(RuntimeError):
    """An event database that cannot be used, with what to do about it."""


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file (made absolute)."""
    return f"sqlite:///{path.resolve()}"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event below issue BEGIN, so that DDL (the migrations) is
    # transactional too; pysqlite's own implicit BEGIN skips it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=10000")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    # Switching a fresh file to WAL needs a moment alone with it, and SQLite answers "locked"
    # at once (without the busy timeout) while another connection is opening it too.
    for attempt in range(WAL_TRIES):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == WAL_TRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at once: concurrent migrations wait for each other.
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url``. SQLite gets its folder created and, on every connection, WAL,
    synchronous=NORMAL, foreign keys and transactional DDL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_name(what: str, value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_NAME:
        raise ValueError(f"{what} must be 1 to {MAX_NAME} characters, got {value!r}")
    return value


class EventStore:
    """Finished events and API tokens in one database, migrated to the newest schema on open.

    ``url`` is a SQLAlchemy URL: ``sqlite:////abs/path/events.db`` or
    ``postgresql+psycopg://user@host:port/db``. Safe to share between threads.

    With ``uplink``, every event and clip entry stored is also queued in the outbox, in the
    same transaction, for head office (:mod:`service.live.uplink` delivers it).
    """

    def __init__(self, url: str, *, uplink: bool = False) -> None:
        self._engine = make_engine(url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._uplink = uplink
        self.clips = ClipIndex(self._sessions, uplink=uplink)
        self.outbox = Outbox(self._sessions)
        self.camera_status = CameraStatusLog(self._sessions)
        try:
            self._migrate()
            problem = self.problem(thorough=True)
        except DatabaseError as error:
            problem = self._damaged(error)
        except BaseException:
            self._engine.dispose()
            raise
        if problem is not None:
            self._engine.dispose()
            raise StoreError(problem)

    def problem(self, thorough: bool = False) -> str | None:
        """What is wrong with the database, if anything: a read from each table, and with
        ``thorough`` (at opening) SQLite's check of every page."""
        try:
            with self._engine.connect() as connection:
                for table in ("events", "tokens", "clips"):
                    connection.execute(text(f"SELECT * FROM {table} LIMIT 1")).all()
                if not thorough or connection.dialect.name != "sqlite":
                    return None
                found = [row[0] for row in connection.exec_driver_sql("PRAGMA quick_check(3)")]
        except DatabaseError as error:
            return self._damaged(error)
        return None if found == ["ok"] else self._damaged(found[0])

    def _damaged(self, reason: object) -> str:
        where = self._engine.url.database or self.url
        detail = str(getattr(reason, "orig", None) or reason).splitlines()[0]
        if self._engine.dialect.name != "sqlite":
            return f"{self.url}: the event database cannot be used ({detail}); check the server"
        return (
            f"{where}: the event database is damaged ({detail}); it is left as it is: restore "
            "a backup there, or move it away (e.g. to events.db.damaged) to start an empty "
            "one, then start again"
        )

    def _migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._engine.connect() as connection:
            connection.execution_options(**{_IMMEDIATE: True})
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    # Two services opening one database at once upgrade it one after the other.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EventStore({self.url!r})"

    # -- events --------------------------------------------------------------------------------

    def add_event(self, camera: str, event: Event, *, post: str | None = None) -> StoredEvent:
        """Store a finished event and commit it before returning; only then publish it.

        ``post`` is the door or desk post the event belongs to; a posture event carries its
        own (``values.post``), which is used when ``post`` is not given.
        """
        if event.phase is not Phase.END:
            raise ValueError(
                f"only finished events are stored: got a {event.type} event in phase "
                f"'{event.phase.value}', expected '{Phase.END.value}'"
            )
        camera = _check_name("camera", camera)
        own_post = event.values.post if isinstance(event.values, PostureValues) else None
        if post is not None and own_post is not None and post != own_post:
            raise ValueError(f"post {post!r} contradicts the posture event's own post {own_post!r}")
        post = post if post is not None else own_post
        if post is not None:
            post = _check_name("post", post)
        row = EventRow(
            camera=camera,
            type=event.type,
            phase=event.phase.value,
            track=event.track,
            role=event.role,
            start=event.start,
            end=event.end,
            peak=event.peak,
            values=event.values.model_dump(mode="json"),
            verdict=event.verdict,
            post=post,
            created_at=datetime.now(UTC),
        )
        with self._sessions.begin() as session:
            if self._uplink:
                append(session, "event", camera, lambda: self._flushed(session, row))
            else:
                session.add(row)
        # The session committed when its block closed: the row is durable from here on.
        return StoredEvent.from_row(row)

    @staticmethod
    def _flushed(session: Session, row: EventRow) -> dict[str, Any]:
        """The row written (which gives it its id, that head office keys it by) and as sent."""
        session.add(row)
        session.flush()
        return StoredEvent.from_row(row).model_dump(mode="json")

    def events(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        types: Sequence[str] | None = None,
        camera: str | None = None,
        post: str | None = None,
        limit: int = 1000,
        after_id: int | None = None,
    ) -> list[StoredEvent]:
        """Stored events ordered by start time then id.

        ``since`` <= start < ``until`` (seconds, capture time); ``types`` any of these;
        ``after_id`` only events stored after that one; at most ``limit`` events.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        query = select(EventRow)
        if since is not None:
            query = query.where(EventRow.start >= since)
        if until is not None:
            query = query.where(EventRow.start < until)
        if types is not None:
            query = query.where(EventRow.type.in_(list(types)))
        if camera is not None:
            query = query.where(EventRow.camera == camera)
        if post is not None:
            query = query.where(EventRow.post == post)
        if after_id is not None:
            query = query.where(EventRow.id > after_id)
        query = query.order_by(EventRow.start, EventRow.id).limit(limit)
        with self._sessions() as session:
            return [StoredEvent.from_row(row) for row in session.scalars(query)]

    # -- tokens --------------------------------------------------------------------------------

    def create_token(self, role: str, name: str) -> str:
        """A new token for ``role``, named ``name`` (unique). Only its SHA-256 is stored: show
        the returned token once; it cannot be recovered."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")
        name = _check_name("token name", name)
        token = secrets.token_urlsafe(32)
        row = TokenRow(name=name, hash=_hash(token), role=role, created_at=datetime.now(UTC))
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise ValueError(
                f"a token named {name!r} already exists; revoke it first or choose another name"
            ) from None
        return token

    def token_role(self, token: str) -> TokenInfo | None:
        """Who ``token`` belongs to, or None for an unknown (or revoked) token."""
        if not token:
            return None
        with self._sessions() as session:
            row = session.scalars(select(TokenRow).where(TokenRow.hash == _hash(token))).first()
            return None if row is None else TokenInfo(name=row.name, role=row.role)

    def revoke_token(self, name: str) -> bool:
        """Delete the token named ``name``; False if there was none."""
        with self._engine.begin() as connection:
            result = connection.execute(delete(TokenRow).where(TokenRow.name == name.strip()))
            return result.rowcount > 0

    def tokens(self) -> list[TokenInfo]:
        """Every token's name and role (never the token), by name."""
        with self._sessions() as session:
            rows = session.scalars(select(TokenRow).order_by(TokenRow.name))
            return [TokenInfo(name=row.name, role=row.role) for row in rows]
