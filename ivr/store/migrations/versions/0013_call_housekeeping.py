"""calls: what the stale-call sweeper and the retention sweep need

Revision ID: 0013_call_housekeeping
Revises: 0012_staff_sessions
"""

from __future__ import annotations

revision = "0013_call_housekeeping"
down_revision = "0012_staff_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
