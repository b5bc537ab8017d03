"""Head office: branches, streams, events (partitioned by month), clips, daily figures,
tokens.

Revision ID: hq0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from etiquette.service.hq.models import DAILY_COUNTS

revision: str = "hq0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hq_branches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=True),
        sa.Column("version", sa.String(32), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("last_seen", TZ, nullable=True),
        sa.Column("status", JSONB(), nullable=True),
        sa.Column("silent_alerted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id", name="pk_hq_branches"),
    )
    op.create_index("ix_hq_branches_region", "hq_branches", ["region"])
    op.create_table(
        "hq_streams",
        sa.Column("branch", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(36), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("branch", "stream", name="pk_hq_streams"),
    )
    # Partitioned by the month of the event's start: a month's partition is created as its
    # first event comes in (service/hq/db.py), old months can be detached or dropped whole.
    op.execute(
        """
        CREATE TABLE hq_events (
            id bigserial NOT NULL,
            started_at timestamptz NOT NULL,
            branch varchar(64) NOT NULL,
            stream varchar(36) NOT NULL,
            seq bigint NOT NULL,
            camera varchar(64) NOT NULL,
            edge_id bigint NOT NULL,
            type varchar(32) NOT NULL,
            phase varchar(8) NOT NULL,
            track integer NOT NULL,
            role varchar(16),
            start double precision NOT NULL,
            "end" double precision NOT NULL,
            peak double precision,
            "values" jsonb NOT NULL,
            verdict text,
            post varchar(64),
            created_at timestamptz NOT NULL,
            received_at timestamptz NOT NULL,
            CONSTRAINT pk_hq_events PRIMARY KEY (id, started_at),
            -- A redelivered event is kept once: keyed by branch, its database, camera and id.
            CONSTRAINT uq_hq_events_key UNIQUE (branch, stream, camera, edge_id, started_at)
        ) PARTITION BY RANGE (started_at)
        """
    )
    op.create_index("ix_hq_events_branch_started", "hq_events", ["branch", "started_at"])
    op.create_index("ix_hq_events_type_started", "hq_events", ["type", "started_at"])
    op.create_table(
        "hq_clips",
        sa.Column("branch", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(36), nullable=False),
        sa.Column("edge_id", sa.BigInteger(), nullable=False),
        sa.Column("camera", sa.String(64), nullable=False),
        sa.Column("event_edge_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("event_start", sa.Double(), nullable=False),
        sa.Column("entry", JSONB(), nullable=False),
        sa.Column("cached_file", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("branch", "stream", "edge_id", name="pk_hq_clips"),
    )
    op.create_index("ix_hq_clips_reason", "hq_clips", ["reason"])
    op.create_index("ix_hq_clips_branch_start", "hq_clips", ["branch", "event_start"])
    op.create_table(
        "hq_daily",
        sa.Column("branch", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *[
            sa.Column(name, sa.Integer(), nullable=False, server_default="0")
            for name in DAILY_COUNTS
        ],
        sa.PrimaryKeyConstraint("branch", "day", name="pk_hq_daily"),
    )
    op.create_index("ix_hq_daily_day", "hq_daily", ["day"])
    op.create_table(
        "hq_tokens",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_hq_tokens"),
        sa.UniqueConstraint("hash", name="uq_hq_tokens_hash"),
    )


def downgrade() -> None:
    for table in ("hq_tokens", "hq_daily", "hq_clips", "hq_events", "hq_streams", "hq_branches"):
        op.drop_table(table)
