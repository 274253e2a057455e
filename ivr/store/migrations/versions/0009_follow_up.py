"""follow-up: text messages to send, and the request a report adds its voice to

Revision ID: 0009_follow_up
Revises: 0008_open_data
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_follow_up"
down_revision = "0008_open_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "texts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("phone_number", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_sid", sa.String(64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_texts_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_texts")),
        sa.UniqueConstraint("report_id", name=op.f("uq_texts_report_id")),
    )
    op.create_index(op.f("ix_texts_status"), "texts", ["status"])
    op.create_index(op.f("ix_texts_next_attempt_at"), "texts", ["next_attempt_at"])
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("duplicate_of", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("duplicate_of")
    op.drop_table("texts")
