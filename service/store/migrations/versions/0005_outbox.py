"""The outbox: stored events and clip entries still owed to head office, in order.

Revision ID: 0005
Revises: 0004 (clip reviews)
Create Date: 2026-12-05
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("camera", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
    )
    state = op.create_table(
        "outbox_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stream", sa.String(36), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("acked_seq", sa.BigInteger(), nullable=False),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_state"),
    )
    # One stream per database: a box whose database is replaced starts a new stream, which
    # head office tells from the old one instead of taking its numbers for repeats.
    op.bulk_insert(
        state,
        [
            {
                "id": 1,
                "stream": str(uuid.uuid4()),
                "last_seq": 0,
                "acked_seq": 0,
                "acked_at": datetime.now(UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("outbox_state")
    op.drop_table("outbox")
