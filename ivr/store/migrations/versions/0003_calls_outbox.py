"""calls, reports and the outbox

Revision ID: 0003_calls_outbox
Revises: 0002_gazetteer
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_calls_outbox"
down_revision = "0002_gazetteer"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("flow", sa.String(120), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("caller_number", sa.String(32), nullable=True),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_calls")),
    )
    op.create_index(op.f("ix_calls_status"), "calls", ["status"])
    op.create_index(op.f("ix_calls_updated_at"), "calls", ["updated_at"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=True),
        sa.Column("service_code", sa.String(120), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("long", sa.Double(), nullable=True),
        sa.Column("address_string", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["call_sid"], ["calls.call_sid"], name=op.f("fk_reports_call_sid_calls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_reports_call_sid")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("service_request_id", sa.String(120), nullable=True),
        sa.Column("token", sa.String(120), nullable=True),
        sa.Column("service_notice", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_outbox_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
        sa.UniqueConstraint("report_id", name=op.f("uq_outbox_report_id")),
    )
    op.create_index(op.f("ix_outbox_status"), "outbox", ["status"])
    op.create_index(op.f("ix_outbox_next_attempt_at"), "outbox", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_next_attempt_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_status"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("reports")
    op.drop_index(op.f("ix_calls_updated_at"), table_name="calls")
    op.drop_index(op.f("ix_calls_status"), table_name="calls")
    op.drop_table("calls")
