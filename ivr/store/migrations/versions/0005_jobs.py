"""jobs: work handed off by a call step, run by any worker

Revision ID: 0005_jobs
Revises: 0004_call_recordings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_jobs"
down_revision = "0004_call_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_jobs_call_sid", "jobs", ["call_sid"])
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_index("ix_jobs_next_attempt_at", "jobs", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("jobs")
