"""A staff account as the dashboard sees it: who, which role, whether it may still log in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.store.staff_tables import StaffUserRecord

AGENT = "agent"
ADMIN = "admin"
ROLES = (AGENT, ADMIN)


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def staff_user(row: StaffUserRecord) -> StaffUser:
    return StaffUser(
        id=row.id,
        username=row.username,
        role=row.role,
        disabled=row.disabled,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )
