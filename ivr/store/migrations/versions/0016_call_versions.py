"""calls: a version counted up at every write of the state, for steps written only if no
other webhook of the call wrote since they read it

Revision ID: 0016_call_versions
Revises: 0015_outbox_expected_dates
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_call_versions"
down_revision = "0015_outbox_expected_dates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("version")
