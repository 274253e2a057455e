"""Staff sessions kept in the store, so that any process can check one and a log-out ends it.

A log-in makes a random token (32 bytes, ``secrets.token_urlsafe``) that only the browser keeps,
in the session cookie; the ``staff_sessions`` row keeps its SHA-256. Every staff request looks
the row up by that hash, joined with its account: the session is live while it is not revoked,
not past ``expires_at`` (log-in + ``IVR_STAFF_SESSION_HOURS``), its ``last_seen_at`` is within
``IVR_STAFF_SESSION_MINUTES``, and the account is not disabled. ``last_seen_at`` is written at
most once a minute (once a tenth of the idle limit, when that is shorter), so a busy page costs
one indexed read per request, and a session ends at most that much before its idle limit.

The CSRF token of a session is an HMAC of its token, so it exists only while the session row
does: a revoked session's forms are refused with it. Rows that can no longer be used (revoked,
expired, idle too long) are deleted when the next log-in opens a session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ivr.dashboard.staff_user import StaffUser, staff_user
from ivr.settings import Settings
from ivr.store.staff_tables import StaffSessionRecord, StaffUserRecord

TOKEN_BYTES = 32
TOUCH_EVERY = timedelta(minutes=1)
USER_AGENT_CHARS = 120
_CSRF_LABEL = b"voice311 staff csrf"


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionLimits:
        return cls(
            idle=timedelta(minutes=settings.staff_session_minutes),
            absolute=timedelta(hours=settings.staff_session_hours),
        )


@dataclass(frozen=True)
class LiveSession:
    """A session that may be used now: its account and the token its forms must carry."""

    id: int
    user: StaffUser
    csrf_token: str


@dataclass(frozen=True)
class OpenSession:
    """One open session of an account, as ``ivr staff sessions`` lists it."""

    username: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(token: str) -> str:
    """The CSRF token of the session whose cookie token is ``token``."""
    return hmac.new(token.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


def open_session(
    sessions: sessionmaker[Session],
    user_id: int,
    limits: SessionLimits,
    now: datetime,
    *,
    user_agent: str = "",
) -> str:
    """A new session for ``user_id``; returns the token for the cookie (the store keeps only
    its hash). Dead rows of every account are cleared on the way."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with sessions() as session, session.begin():
        clear_dead(session, limits, now)
        session.add(
            StaffSessionRecord(
                token_hash=token_hash(token),
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + limits.absolute,
                revoked_at=None,
                user_agent=printable(user_agent)[:USER_AGENT_CHARS],
            )
        )
    return token


def live_session(
    sessions: sessionmaker[Session],
    token: str,
    limits: SessionLimits,
    now: datetime,
    *,
    active: bool,
) -> LiveSession | None:
    """The live session behind ``token``, or None. ``active`` marks it as used now (written
    when the stored time is :func:`touch_every` old or more)."""
    query = (
        select(StaffSessionRecord, StaffUserRecord)
        .join(StaffUserRecord, StaffUserRecord.id == StaffSessionRecord.user_id)
        .where(StaffSessionRecord.token_hash == token_hash(token))
    )
    with sessions() as session:
        found = session.execute(query).one_or_none()
        if found is None:
            return None
        row, account = found
        last_seen = aware(row.last_seen_at)
        if (
            row.revoked_at is not None
            or account.disabled
            or aware(row.expires_at) <= now
            or now - last_seen > limits.idle
        ):
            return None
        if active and now - last_seen >= touch_every(limits):
            session.execute(
                update(StaffSessionRecord)
                .where(StaffSessionRecord.id == row.id)
                .values(last_seen_at=now)
            )
            session.commit()
        return LiveSession(id=row.id, user=staff_user(account), csrf_token=csrf_for(token))


def touch_every(limits: SessionLimits) -> timedelta:
    """How old the stored last use may get before a request writes it again: a minute, or a
    tenth of the idle limit when that is shorter (an agent busy within a 1-minute limit, their
    last write 59 s old, would otherwise be logged out)."""
    return min(TOUCH_EVERY, limits.idle / 10)


def revoke(sessions: sessionmaker[Session], token: str, now: datetime) -> None:
    """End the session behind ``token`` (a log-out), for every process at once."""
    with sessions() as session, session.begin():
        session.execute(
            update(StaffSessionRecord)
            .where(
                StaffSessionRecord.token_hash == token_hash(token),
                StaffSessionRecord.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )


def revoke_all(session: Session, user_id: int, now: datetime) -> int:
    """End every open session of an account (disabled, or its laptop lost), inside the
    caller's transaction; returns how many were open."""
    result = session.execute(
        update(StaffSessionRecord)
        .where(
            StaffSessionRecord.user_id == user_id,
            StaffSessionRecord.revoked_at.is_(None),
            StaffSessionRecord.expires_at > now,
        )
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def clear_dead(session: Session, limits: SessionLimits, now: datetime) -> None:
    """Delete the rows no request can use any more: revoked, expired or idle too long."""
    session.execute(
        delete(StaffSessionRecord).where(
            or_(
                StaffSessionRecord.revoked_at.is_not(None),
                StaffSessionRecord.expires_at <= now,
                StaffSessionRecord.last_seen_at < now - limits.idle,
            )
        )
    )


def open_sessions(
    sessions: sessionmaker[Session], limits: SessionLimits, now: datetime
) -> list[OpenSession]:
    """The sessions that are live now, newest first, with their accounts' names."""
    query = (
        select(StaffSessionRecord, StaffUserRecord.username)
        .join(StaffUserRecord, StaffUserRecord.id == StaffSessionRecord.user_id)
        .where(
            StaffSessionRecord.revoked_at.is_(None),
            StaffSessionRecord.expires_at > now,
            StaffSessionRecord.last_seen_at >= now - limits.idle,
            StaffUserRecord.disabled.is_(False),
        )
        .order_by(StaffSessionRecord.created_at.desc())
    )
    with sessions() as session:
        return [
            OpenSession(
                username=username,
                created_at=aware(row.created_at),
                last_seen_at=aware(row.last_seen_at),
                expires_at=aware(row.expires_at),
                user_agent=row.user_agent,
            )
            for row, username in session.execute(query)
        ]


def printable(text: str) -> str:
    """``text`` without control characters (it is printed on an operator's terminal)."""
    return "".join(c for c in text if c.isprintable())


def aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time in the store is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
