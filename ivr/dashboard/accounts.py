"""Staff accounts: adding, listing and disabling them, and checking a password at log-in.

Passwords are stored as werkzeug scrypt hashes only. A wrong password counts against the
account in the store (so every process sees it): after ``FREE_FAILURES`` in a row, the account
refuses log-ins for a while that doubles with each further failure, up to ``LONGEST_LOCK``.
An unknown user name costs the same hashing time as a known one, so timing does not tell
which names exist. Disabling an account ends its open sessions (``staff_sessions``) at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from ivr.clock import utc_now
from ivr.dashboard.staff_sessions import revoke_all
from ivr.dashboard.staff_user import ADMIN, AGENT, ROLES, StaffUser, staff_user
from ivr.store.staff_tables import StaffUserRecord

__all__ = ["ADMIN", "AGENT", "ROLES", "StaffUser"]

MIN_PASSWORD = 10
FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
HASH_METHOD = "scrypt"
# Checked against when the user name is unknown, so that a miss costs a real hash check.
_UNKNOWN_USER_HASH = generate_password_hash("no such user, no such password", HASH_METHOD)


class AccountError(ValueError):
    """An account cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True)
class LoginResult:
    """``user`` when the log-in succeeded; otherwise ``locked`` says whether the account is
    refusing log-ins for now, rather than the password being wrong, and ``unknown`` that no
    account has the name (never told to the person logging in:
    :mod:`ivr.dashboard.unknown_names` locks such a name as an account would be)."""

    user: StaffUser | None
    locked: bool = False
    unknown: bool = False


def check_new_account(username: str, password: str, role: str) -> None:
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise AccountError("username: 1 to 64 characters, no spaces")
    if role not in ROLES:
        raise AccountError(f"role: must be {' or '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")


def add_user(
    sessions: sessionmaker[Session], username: str, password: str, role: str, *, now: datetime
) -> StaffUser:
    check_new_account(username, password, role)
    row = StaffUserRecord(
        username=username,
        password_hash=generate_password_hash(password, HASH_METHOD),
        role=role,
        disabled=False,
        failed_logins=0,
        created_at=now,
    )
    try:
        with sessions() as session, session.begin():
            session.add(row)
            session.flush()
            return staff_user(row)
    except IntegrityError:
        raise AccountError(f"username: {username!r} is taken") from None


def list_users(sessions: sessionmaker[Session]) -> list[StaffUser]:
    with sessions() as session:
        rows = session.scalars(select(StaffUserRecord).order_by(StaffUserRecord.username))
        return [staff_user(row) for row in rows]


def set_disabled(
    sessions: sessionmaker[Session],
    username: str,
    disabled: bool,
    *,
    now: datetime | None = None,
) -> StaffUser:
    """Disable an account (its open sessions end at once, in every process) or enable it
    again (its old sessions stay ended)."""
    with sessions() as session, session.begin():
        row = _by_name(session, username)
        if row is None:
            raise AccountError(f"no staff user {username!r}")
        row.disabled = disabled
        if disabled:
            revoke_all(session, row.id, now or utc_now())
        return staff_user(row)


def end_sessions(sessions: sessionmaker[Session], username: str, *, now: datetime) -> int:
    """End every open session of an account without disabling it (a lost laptop); returns
    how many were open."""
    with sessions() as session, session.begin():
        row = _by_name(session, username)
        if row is None:
            raise AccountError(f"no staff user {username!r}")
        return revoke_all(session, row.id, now)


def active_user(sessions: sessionmaker[Session], user_id: int) -> StaffUser | None:
    """The account behind a session, if it still exists and is not disabled."""
    with sessions() as session:
        row = session.get(StaffUserRecord, user_id)
        return staff_user(row) if row is not None and not row.disabled else None


def log_in(
    sessions: sessionmaker[Session], username: str, password: str, *, now: datetime
) -> LoginResult:
    """Check a password; count the failure or reset the count. Disabled accounts never log
    in (and are told the same as a wrong password)."""
    with sessions() as session, session.begin():
        row = _by_name(session, username, for_update=True)
        if row is None:
            check_password_hash(_UNKNOWN_USER_HASH, password)
            return LoginResult(None, unknown=True)
        if row.locked_until is not None and _aware(row.locked_until) > now:
            return LoginResult(None, locked=True)
        if not check_password_hash(row.password_hash, password) or row.disabled:
            row.failed_logins += 1
            row.locked_until = locked_until(row.failed_logins, now) or row.locked_until
            return LoginResult(None)
        row.failed_logins = 0
        row.locked_until = None
        row.last_login_at = now
        return LoginResult(staff_user(row))


def locked_until(failures: int, now: datetime) -> datetime | None:
    """When a name that has just failed its ``failures``-th log-in in a row may try again:
    None under ``FREE_FAILURES``. The accounts in the store and the names with no account
    (:mod:`ivr.dashboard.unknown_names`) are locked on this one schedule."""
    return now + lock_for(failures) if failures >= FREE_FAILURES else None


def lock_for(failures: int) -> timedelta:
    """How long an account refuses log-ins after ``failures`` wrong passwords in a row."""
    doublings = max(0, failures - FREE_FAILURES)
    return min(FIRST_LOCK * (2 ** min(doublings, 10)), LONGEST_LOCK)


def _by_name(session: Session, username: str, for_update: bool = False) -> StaffUserRecord | None:
    query = select(StaffUserRecord).where(StaffUserRecord.username == username)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time in the store is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
