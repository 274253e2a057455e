"""Stale calls: calls whose end never reached the gateway, ended by a sweep.

Twilio tells the gateway that a call is over with its status callback (``/twilio/voice/status``).
When that callback is lost (the gateway was down or unreachable when it came, or the number's
status URL was never set), the call would stay "in progress" for ever: growing older on the
dashboard and keeping the caller's number, which is erased only when a call ends. The sweep
ends such a call exactly as the status callback would (``CallDesk.end_silent``: the engine
hears the hang-up, the number is erased, a report already filed stays with the outbox, what
the caller had said so far stays with the call as at any hang-up), with the end reason
``SWEPT`` so that staff can tell it from a hang-up heard.

How long is silence? A call in the flow sends a webhook at every answer: each prompt ends in a
``<Gather>``, ``<Record>`` or ``<Redirect>``, the longest a recording of a few minutes, and a
caller waiting on a job polls every second. ``IVR_STALE_CALL_MINUTES`` (30) of silence is far
beyond any of these. A call with staff is different: a caller waiting in the Twilio queue, or
talking with a person after a ``<Dial>``, sends nothing until that ends, which may be an hour
on a storm day. Those calls (the call's staff link says "to staff" or "with staff") are left
for :data:`STAFF_SILENCE`, a day: no Twilio call lasts longer (Twilio ends a call at its time
limit, at most 24 hours), so a staff call silent for a day has certainly ended.

With several workers, each sweep reads the candidates without a lock and ends each call under
its row lock, on the condition that it is still unended and still silent: a second sweeper, or
the status callback arriving meanwhile, finds it ended and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.dialog.staff import TO_STAFF, WITH_STAFF
from ivr.store.call_tables import CallRecord
from ivr.webhooks.call_rows import IN_PROGRESS

log = logging.getLogger(__name__)

STAFF_SILENCE = timedelta(hours=24)
BATCH = 100  # calls ended by one pass; the loop comes straight back for more
CANDIDATES = 1000  # silent calls read by one pass (staff calls among them are only skipped)


class CallEnder(Protocol):
    """What the sweep needs of the call desk."""

    def end_silent(self, call_sid: str, *, silent_since: datetime) -> bool: ...


@dataclass(frozen=True)
class SweepCounts:
    ended: int  # calls this pass ended
    with_staff: int  # silent calls left alone: held by staff, not yet silent for a day


def held_by_staff(state: Mapping[str, Any] | None) -> bool:
    """True while the caller waits for a person or talks with one: no webhook comes then."""
    staff = (state or {}).get("staff") or {}
    return staff.get("status") in (TO_STAFF, WITH_STAFF)


def end_stale_calls(
    sessions: sessionmaker[Session],
    desk: CallEnder,
    *,
    silence: timedelta,
    clock: Callable[[], datetime],
    most: int = BATCH,
) -> SweepCounts:
    """End up to ``most`` calls silent for longer than ``silence`` (a day, for calls with
    staff), oldest silence first."""
    now = clock()
    flow_limit, staff_limit = now - silence, now - STAFF_SILENCE
    query = (
        select(CallRecord.call_sid, CallRecord.state, CallRecord.updated_at)
        .where(CallRecord.status == IN_PROGRESS)
        .where(CallRecord.ended_at.is_(None))
        .where(CallRecord.updated_at <= flow_limit)
        .order_by(CallRecord.updated_at)
        .limit(CANDIDATES)
    )
    with sessions() as session:
        candidates = session.execute(query).all()
    ended = with_staff = 0
    for call_sid, state, updated_at in candidates:
        if ended >= most:
            break
        limit = flow_limit
        if held_by_staff(state):
            if _aware(updated_at) > staff_limit:
                with_staff += 1
                continue
            limit = staff_limit
        if desk.end_silent(call_sid, silent_since=limit):
            ended += 1
    if ended:
        log.info(
            "stale calls ended: no status callback came",
            extra={"ended": ended, "with_staff": with_staff},
        )
    return SweepCounts(ended=ended, with_staff=with_staff)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back the UTC times it stores without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
