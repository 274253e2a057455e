"""calls: what the stale-call sweeper and the retention sweep need

Revision ID: 0013_call_housekeeping
Revises: 0012_staff_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_call_housekeeping"
down_revision = "0012_staff_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # When the retention sweep erased a call's personal data; the index finds the calls it
    # has still to erase, oldest first, without reading the ones already erased.
    with op.batch_alter_table("calls") as batch:
        batch.add_column(
            sa.Column("personal_data_erased_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_index(
        "ix_calls_retention", "calls", ["personal_data_erased_at", "started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_calls_retention", table_name="calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("personal_data_erased_at")
