"""open data: requests indexed by their last change, for the live feeds

Revision ID: 0008_open_data
Revises: 0007_handoffs
"""

from __future__ import annotations

from alembic import op

revision = "0008_open_data"
down_revision = "0007_handoffs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_open311_requests_updated_datetime", "open311_requests", ["updated_datetime"]
    )


def downgrade() -> None:
    op.drop_index("ix_open311_requests_updated_datetime", table_name="open311_requests")
