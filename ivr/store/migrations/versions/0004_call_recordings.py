"""calls keep their recordings' status callbacks

Revision ID: 0004_call_recordings
Revises: 0003_calls_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_call_recordings"
down_revision = "0003_calls_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("recordings", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("recordings")
