"""The coaching clips' index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clips",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("camera", sa.String(64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("track", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.Column("post", sa.String(64), nullable=True),
        sa.Column("event_start", sa.Double(), nullable=False),
        sa.Column("clip_start", sa.Double(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("file", sa.String(255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clips"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_clips_event_id_events", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("file", name="uq_clips_file"),
    )
    op.create_index("ix_clips_camera", "clips", ["camera"])
    op.create_index("ix_clips_event_id", "clips", ["event_id"])
    op.create_index("ix_clips_reason", "clips", ["reason"])
    op.create_index("ix_clips_event_start", "clips", ["event_start"])
    op.create_index("ix_clips_training", "clips", ["training"])


def downgrade() -> None:
    for column in ("training", "event_start", "reason", "event_id", "camera"):
        op.drop_index(f"ix_clips_{column}", table_name="clips")
    op.drop_table("clips")
