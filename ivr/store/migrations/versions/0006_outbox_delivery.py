"""outbox delivery: outcome-unknown attempts, token checks, attempt history; the embedded
endpoint's idempotency keys

Revision ID: 0006_outbox_delivery
Revises: 0005_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_outbox_delivery"
down_revision = "0005_jobs"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("unknown_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("last_error_kind", sa.String(32), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("token_checks", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("unknown_attempts", server_default=None)
        batch.alter_column("last_error_kind", server_default=None)
        batch.alter_column("token_checks", server_default=None)
    op.create_table(
        "outbox_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(120), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("error_kind", sa.String(32), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_outbox_attempts_outbox_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempts")),
    )
    op.create_index(op.f("ix_outbox_attempts_outbox_id"), "outbox_attempts", ["outbox_id"])
    with op.batch_alter_table("open311_requests") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(255), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_open311_requests_idempotency_key"), ["idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("open311_requests") as batch:
        batch.drop_constraint(op.f("uq_open311_requests_idempotency_key"), type_="unique")
        batch.drop_column("idempotency_key")
    op.drop_index(op.f("ix_outbox_attempts_outbox_id"), table_name="outbox_attempts")
    op.drop_table("outbox_attempts")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("token_checks")
        batch.drop_column("last_error_kind")
        batch.drop_column("unknown_attempts")
