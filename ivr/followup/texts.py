"""What the filing of a report leaves for later: the text message a caller agreed to, and the
request they added their voice to.

:func:`record_follow_up` runs in the transaction that puts the report in the outbox, so a
promised text cannot be lost between the call and its sending. The caller's number is copied
here from the call (whose own copy is erased when the call ends), and erased from here once
the message is sent or finally fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ivr.followup.caller_numbers import textable_number
from ivr.followup.me_too import duplicate_of
from ivr.store.call_tables import ReportRecord
from ivr.store.text_tables import TextRecord

WAITING, SENDING, SENT, FAILED = "waiting", "sending", "sent", "failed"
CONSENT_SLOT = "text_consent"


def record_follow_up(
    session: Session,
    report_id: int,
    data: Mapping[str, Any],
    *,
    caller_number: str | None,
    now: datetime,
) -> bool:
    """Keep the "me too" on the report, and queue the text the caller agreed to (the caller
    commits). True when a text was queued."""
    slots = data.get("slots") or {}
    duplicate = duplicate_of(slots)
    if duplicate is not None:
        report = session.get(ReportRecord, report_id)
        if report is not None:
            report.duplicate_of = duplicate
    number = textable_number(caller_number)
    if slots.get(CONSENT_SLOT) != "yes" or number is None:
        return False
    session.add(
        TextRecord(
            report_id=report_id,
            phone_number=number,
            language=str(data.get("language") or "en"),
            status=WAITING,
            attempts=0,
            next_attempt_at=now,
            message_sid=None,
            last_error="",
            created_at=now,
            updated_at=now,
        )
    )
    session.flush()
    return True
