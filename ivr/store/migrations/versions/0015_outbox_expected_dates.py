"""outbox: the date a city's CRM expects to take care of a report, read after filing,
and whether that question is still open

Revision ID: 0015_outbox_expected_dates
Revises: 0014_peer_requests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_outbox_expected_dates"
down_revision = "0014_peer_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The city's expected_datetime as the city wrote it (ISO 8601 text, its offset or its lack
    # of one kept): the day the caller is told is the day the city meant.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("expected_datetime", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("expected_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("expected_pending")
        batch.drop_column("expected_datetime")
