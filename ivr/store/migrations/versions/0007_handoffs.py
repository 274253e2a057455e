"""handoffs: staff sending a caller into a part of a flow (live, or by a handoff code)

Revision ID: 0007_handoffs
Revises: 0006_outbox_delivery
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_handoffs"
down_revision = "0006_outbox_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("code", sa.String(6), nullable=True),
        sa.Column("call_sid", sa.String(64), nullable=True),
        sa.Column("origin_call_sid", sa.String(64), nullable=True),
        sa.Column("target_state", sa.String(120), nullable=False),
        sa.Column("prefill", sa.JSON(), nullable=False),
        sa.Column("return_at", sa.JSON(), nullable=False),
        sa.Column("agent", sa.String(120), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_handoffs_code", "handoffs", ["code"])
    op.create_index("ix_handoffs_call_sid", "handoffs", ["call_sid"])


def downgrade() -> None:
    op.drop_table("handoffs")
