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
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, update

from ivr.followup.caller_numbers import textable_number
from ivr.followup.me_too import duplicate_of
from ivr.outbox.queue import REPORTS
from ivr.store.driver import driver_statement, insert_of
from ivr.store.text_tables import TextRecord

WAITING, SENDING, SENT, FAILED = "waiting", "sending", "sent", "failed"
CONSENT_SLOT = "text_consent"


_JOINED = (
    update(REPORTS)
    .where(REPORTS.c.id == bindparam("report_id"))
    .values(duplicate_of=bindparam("duplicate_of", type_=REPORTS.c.duplicate_of.type))
)
_NEW_TEXT_COLUMNS = (
    *("report_id", "phone_number", "language", "status", "attempts", "next_attempt_at"),
    *("message_sid", "last_error", "created_at", "updated_at"),
)
_INSERT_TEXT = insert_of(cast(Table, TextRecord.__table__), _NEW_TEXT_COLUMNS)


def record_follow_up(
    connection: Connection,
    report_id: int,
    data: Mapping[str, Any],
    *,
    caller_number: str | None,
    now: datetime,
) -> bool:
    """Keep the "me too" on the report, and queue the text the caller agreed to, in the
    transaction open on ``connection`` (the caller commits it; the statements run on the
    driver's cursor, as the report's own insert does). True when a text was queued."""
    slots = data.get("slots") or {}
    duplicate = duplicate_of(slots)
    if duplicate is not None:
        joined = {"report_id": report_id, "duplicate_of": duplicate}
        driver_statement(_JOINED, connection.dialect).rowcount(connection, joined)
    number = textable_number(caller_number)
    if slots.get(CONSENT_SLOT) != "yes" or number is None:
        return False
    text = {
        "report_id": report_id,
        "phone_number": number,
        "language": str(data.get("language") or "en"),
        "status": WAITING,
        "attempts": 0,
        "next_attempt_at": now,
        "message_sid": None,
        "last_error": "",
        "created_at": now,
        "updated_at": now,
    }
    driver_statement(_INSERT_TEXT, connection.dialect).rowcount(connection, text)
    return True
