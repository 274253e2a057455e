"""staff_sessions: dashboard sessions kept server-side, so a log-out or a disabled account ends them

Revision ID: 0012_staff_sessions
Revises: 0011_job_priority
"""

from __future__ import annotations

revision = "0012_staff_sessions"
down_revision = "0011_job_priority"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
