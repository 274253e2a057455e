"""tables of the gazetteer

Revision ID: 0002_gazetteer
Revises: 0001_embedded_requests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_gazetteer"
down_revision = "0001_embedded_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gazetteer_points",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("house_number", sa.String(length=20), nullable=False),
        sa.Column("house_number_int", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column("street_key", sa.String(length=120), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("neighbourhood", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gazetteer_points")),
    )
    op.create_index(
        op.f("ix_gazetteer_points_dataset"), "gazetteer_points", ["dataset"], unique=False
    )
    op.create_index(
        "ix_gazetteer_points_street_number",
        "gazetteer_points",
        ["street_key", "house_number_int"],
        unique=False,
    )
    op.create_table(
        "gazetteer_streets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("street_key", sa.String(length=120), nullable=False),
        sa.Column("display", sa.String(length=200), nullable=False),
        sa.Column("name_core", sa.String(length=120), nullable=False),
        sa.Column("core_metaphone", sa.String(length=120), nullable=False),
        sa.Column("postal_codes", sa.Text(), nullable=False),
        sa.Column("point_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gazetteer_streets")),
        sa.UniqueConstraint("street_key", name=op.f("uq_gazetteer_streets_street_key")),
    )
    op.create_index(
        op.f("ix_gazetteer_streets_core_metaphone"),
        "gazetteer_streets",
        ["core_metaphone"],
        unique=False,
    )
    op.create_index(
        op.f("ix_gazetteer_streets_name_core"), "gazetteer_streets", ["name_core"], unique=False
    )
    op.create_table(
        "gazetteer_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("file_format", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("bad_rows", sa.Integer(), nullable=False),
        sa.Column("replaced", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gazetteer_imports")),
    )


def downgrade() -> None:
    op.drop_table("gazetteer_imports")
    op.drop_index(op.f("ix_gazetteer_streets_name_core"), table_name="gazetteer_streets")
    op.drop_index(op.f("ix_gazetteer_streets_core_metaphone"), table_name="gazetteer_streets")
    op.drop_table("gazetteer_streets")
    op.drop_index("ix_gazetteer_points_street_number", table_name="gazetteer_points")
    op.drop_index(op.f("ix_gazetteer_points_dataset"), table_name="gazetteer_points")
    op.drop_table("gazetteer_points")
