"""jobs.priority: a job a caller is waiting on (an address to read back) is claimed first

Revision ID: 0011_job_priority
Revises: 0010_staff
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_job_priority"
down_revision = "0010_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("priority")
