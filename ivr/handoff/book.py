"""Handoffs in the store: added by staff, taken once by the call they were meant for.

Codes are six random digits, unique among the codes still waiting; a code is taken at most
once (a conditional UPDATE, so two calls keying the same code at once cannot both take it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ivr.store.handoff_tables import HandoffRecord

LIVE, CODE = "live", "code"
WAITING, USED = "waiting", "used"
CODE_DIGITS = 6


@dataclass(frozen=True)
class Handoff:
    """A handoff as the resume event needs it."""

    token: str
    kind: str
    target: str
    prefill: dict[str, Any] = field(repr=False)
    return_at: tuple[str, ...]
    agent: str
    call_sid: str = ""
    origin_call: str = ""

    def resume_data(self) -> dict[str, Any]:
        return {
            **self.prefill,
            "return_at": list(self.return_at),
            "agent": self.agent,
            "handoff": self.token,
            "origin_call": self.origin_call,
        }


@dataclass(frozen=True)
class Taken:
    """The outcome of keying a code: the handoff, or why not (``unknown``, ``expired``)."""

    handoff: Handoff | None
    problem: str = ""


class HandoffBook:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(
        self,
        *,
        kind: str,
        target: str,
        prefill: dict[str, Any],
        return_at: tuple[str, ...],
        agent: str,
        now: datetime,
        expires_at: datetime,
        call_sid: str = "",
        origin_call: str = "",
    ) -> Handoff:
        with self._sessions() as session, session.begin():
            code = _free_code(session, now) if kind == CODE else None
            row = HandoffRecord(
                token=secrets.token_urlsafe(24),
                kind=kind,
                code=code,
                call_sid=call_sid or None,
                origin_call_sid=origin_call or None,
                target_state=target,
                prefill=prefill,
                return_at=list(return_at),
                agent=agent,
                status=WAITING,
                created_at=now,
                expires_at=expires_at,
            )
            session.add(row)
            session.flush()
            return _handoff(row)

    def code_of(self, token: str) -> str:
        with self._sessions() as session:
            return (
                session.scalar(select(HandoffRecord.code).where(HandoffRecord.token == token)) or ""
            )

    def forget(self, token: str) -> None:
        """A live handoff Twilio refused: it can never be used."""
        with self._sessions() as session, session.begin():
            session.execute(
                update(HandoffRecord).where(HandoffRecord.token == token).values(status="refused")
            )

    def take_live(self, token: str, call_sid: str, now: datetime) -> Handoff | None:
        """The live handoff ``token`` for ``call_sid``, once; None when it is not (any more)."""
        with self._sessions() as session, session.begin():
            row = session.scalar(
                select(HandoffRecord).where(
                    HandoffRecord.token == token, HandoffRecord.kind == LIVE
                )
            )
            if row is None or row.call_sid != call_sid:
                return None
            if not _claim(session, row.id, now):
                return None
            return _handoff(row)

    def take_code(self, code: str, call_sid: str, now: datetime) -> Taken:
        """The code handoff ``code``, taken by ``call_sid``; or why it cannot be."""
        with self._sessions() as session, session.begin():
            rows = session.scalars(
                select(HandoffRecord)
                .where(HandoffRecord.code == code, HandoffRecord.status == WAITING)
                .order_by(HandoffRecord.created_at.desc())
            ).all()
            if not rows:
                return Taken(None, "unknown")
            live = [row for row in rows if _aware(row.expires_at) > now]
            if not live:
                return Taken(None, "expired")
            row = live[0]
            if not _claim(session, row.id, now):
                return Taken(None, "unknown")
            row.call_sid = call_sid
            return Taken(_handoff(row))


def _claim(session: Session, row_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(HandoffRecord)
        .where(HandoffRecord.id == row_id, HandoffRecord.status == WAITING)
        .where(HandoffRecord.expires_at > now)
        .values(status=USED, used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0))


def _free_code(session: Session, now: datetime) -> str:
    waiting = set(
        session.scalars(
            select(HandoffRecord.code).where(
                HandoffRecord.status == WAITING,
                HandoffRecord.code.is_not(None),
                HandoffRecord.expires_at > now,
            )
        )
    )
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if code not in waiting:
            return code


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were stored in UTC."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _handoff(row: HandoffRecord) -> Handoff:
    return Handoff(
        token=row.token,
        kind=row.kind,
        target=row.target_state,
        prefill=dict(row.prefill or {}),
        return_at=tuple(row.return_at or ()),
        agent=row.agent,
        call_sid=row.call_sid or "",
        origin_call=row.origin_call_sid or "",
    )


def expiry(now: datetime, minutes: int) -> datetime:
    return now + timedelta(minutes=minutes)
