"""Trainers' notes on coaching clips and their reviewed mark.

Revision ID: 0004
Revises: 0003 (camera status)
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A table of its own: the clips table is left as it is, so nothing existing changes.
    op.create_table(
        "clip_reviews",
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("clip_id", name="pk_clip_reviews"),
        sa.ForeignKeyConstraint(
            ["clip_id"], ["clips.id"], name="fk_clip_reviews_clip_id_clips", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_clip_reviews_reviewed", "clip_reviews", ["reviewed"])


def downgrade() -> None:
    op.drop_index("ix_clip_reviews_reviewed", table_name="clip_reviews")
    op.drop_table("clip_reviews")
