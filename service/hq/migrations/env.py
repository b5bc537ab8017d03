"""Alembic environment of head office's database (PostgreSQL only).

:class:`service.hq.db.HqStore` runs the migrations itself, passing its open connection in
``config.attributes["connection"]``. Its version table is ``hq_alembic_version``, so it can
share a database with an edge store without the two histories meeting.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from etiquette.service.hq.models import HqBase

config = context.config
VERSION_TABLE = "hq_alembic_version"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=HqBase.metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url to head office's database URL")
    engine = create_engine(url)
    try:
        with engine.connect() as own:
            _run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("head office's migrations run online only")
run_online()
