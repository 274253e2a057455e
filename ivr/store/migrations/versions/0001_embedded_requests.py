"""tables of the embedded GeoReport v2 endpoint

Revision ID: 0001_embedded_requests
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_embedded_requests"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "open311_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_request_id", sa.String(64), nullable=False),
        sa.Column("token", sa.String(64), nullable=True),
        sa.Column("service_type", sa.String(16), nullable=False),
        sa.Column("service_code", sa.String(120), nullable=False),
        sa.Column("service_name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_notes", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address_string", sa.Text(), nullable=False),
        sa.Column("address_id", sa.String(255), nullable=False),
        sa.Column("zipcode", sa.String(32), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("media_url", sa.Text(), nullable=False),
        sa.Column("agency_responsible", sa.String(255), nullable=False),
        sa.Column("service_notice", sa.Text(), nullable=False),
        sa.Column("requested_datetime", TZ, nullable=False),
        sa.Column("updated_datetime", TZ, nullable=False),
        sa.Column("expected_datetime", TZ, nullable=True),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("phone", sa.String(64), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=False),
        sa.Column("last_name", sa.String(255), nullable=False),
        sa.Column("device_id", sa.String(255), nullable=False),
        sa.Column("account_id", sa.String(255), nullable=False),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_open311_requests_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_requests")),
        sa.UniqueConstraint(
            "service_request_id", name=op.f("uq_open311_requests_service_request_id")
        ),
        sa.UniqueConstraint("token", name=op.f("uq_open311_requests_token")),
    )
    op.create_index(op.f("ix_open311_requests_service_code"), "open311_requests", ["service_code"])
    op.create_index(op.f("ix_open311_requests_status"), "open311_requests", ["status"])
    op.create_index(
        op.f("ix_open311_requests_requested_datetime"),
        "open311_requests",
        ["requested_datetime"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_open311_requests_requested_datetime"), table_name="open311_requests")
    op.drop_index(op.f("ix_open311_requests_status"), table_name="open311_requests")
    op.drop_index(op.f("ix_open311_requests_service_code"), table_name="open311_requests")
    op.drop_table("open311_requests")
