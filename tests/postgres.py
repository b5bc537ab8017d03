"""A fresh database of each backend for a test: SQLite in a temporary folder, and PostgreSQL
from ETIQUETTE_TEST_POSTGRES_URL (``eval "$(scripts/postgres-for-tests.sh)"``), a database of
its own per test, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from etiquette.service.store.events import sqlite_url

POSTGRES_ENV = "ETIQUETTE_TEST_POSTGRES_URL"


def postgres_database(base_url: str) -> Iterator[str]:
    """A fresh database on the test cluster, dropped after the test."""
    url = make_url(base_url)
    name = f"etiquette_test_{uuid.uuid4().hex[:16]}"
    try:
        connection = psycopg.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        )
    except psycopg.OperationalError as error:
        pytest.fail(f"cannot reach the test PostgreSQL at {POSTGRES_ENV}: {error}")
    with connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of each backend."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "data" / "events.db")
        return
    yield from postgres_database(postgres_base_url())


def postgres_base_url() -> str:
    """The test cluster's URL; fails the test when it is not set."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.fail(
            f"{POSTGRES_ENV} is not set: start the test PostgreSQL first with "
            '`eval "$(scripts/postgres-for-tests.sh)"` (CI always provides it)'
        )
    return base
