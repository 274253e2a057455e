"""open311_requests: what real clients send beyond the spec's fields, and "me too" links

Revision ID: 0014_peer_requests
Revises: 0013_call_housekeeping
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_peer_requests"
down_revision = "0013_call_housekeeping"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Attributes the service does not ask (FixMyStreet's uprn…), every media_url after the
    # first, and the request a "me too" adds its voice to (indexed: it is counted per request).
    with op.batch_alter_table("open311_requests") as batch:
        batch.add_column(
            sa.Column("extra_attributes", sa.JSON(), nullable=False, server_default="{}")
        )
        batch.add_column(
            sa.Column("further_media_urls", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("me_too_of", sa.String(64), nullable=True))
    op.create_index(
        op.f("ix_open311_requests_me_too_of"), "open311_requests", ["me_too_of"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_open311_requests_me_too_of"), table_name="open311_requests")
    with op.batch_alter_table("open311_requests") as batch:
        batch.drop_column("me_too_of")
        batch.drop_column("further_media_urls")
        batch.drop_column("extra_attributes")
