"""Sending the text messages callers agreed to, once the city's id is known.

:func:`send_due_texts` is one round of the outbox's loop (``Runtime.work``, when
``IVR_SMS_FROM`` is set), after each delivery round. A text waits while its report is on its
way; once the outbox row is filed with the city's id, the text is claimed with a lease
(:func:`ivr.leases.claim_rows`, as the outbox rows are, so two workers never both send it) and
sent through Twilio's REST API. The message carries the reference number, what the city lets the
caller expect (its notice, the expected date: :mod:`ivr.followup.expectations`) and the status
link. A report the city refused, or a blackbox service that gives no id, ends its text
unsent. Twilio's 5xx, 429 and connection failures are retried with back-off; any other refusal
is final. When a text is sent or finally fails, the caller's number is erased. The number is
never logged, and neither is Twilio's error message (it may quote the number): only its code.

A worker killed between Twilio's answer and the commit may send a text twice after its lease
runs out; a text is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import Catalogue
from ivr.clock import Clock, utc_now
from ivr.followup.expectations import (
    NOTHING,
    Expectations,
    ExpectationWords,
    expected_at_filing,
    said_notice,
)
from ivr.followup.texts import FAILED, SENDING, SENT, WAITING
from ivr.leases import Backoff, LeasePolicy, Take, claim_rows
from ivr.outbox.queue import FILED, PARKED
from ivr.store.call_tables import OutboxRecord
from ivr.store.text_tables import TextRecord

log = logging.getLogger(__name__)

TEXT_POLICY = LeasePolicy(Backoff(10.0, 600.0), lease_seconds=120.0, max_attempts=6)


class TextRefused(Exception):
    """Twilio refused the message for good (a bad number, an opted-out caller)."""


class TextNotSentYet(Exception):
    """Twilio could not be reached, or asked us to slow down: try again later."""


class TwilioTexts:
    """Sends one message through the twilio library's ``Client`` (``make_twilio_client``).
    ``sender``: a number (``From``) or a messaging service SID (``MG…``)."""

    def __init__(self, client: Any, sender: str) -> None:
        self._client = client
        self._sender = sender

    def __call__(self, to: str, body: str) -> str:
        from twilio.base.exceptions import TwilioRestException

        origin = (
            {"messaging_service_sid": self._sender}
            if self._sender.startswith("MG")
            else {"from_": self._sender}
        )
        try:
            message = self._client.messages.create(to=to, body=body, **origin)
        except TwilioRestException as error:
            reason = f"Twilio error {error.code} (HTTP {error.status})"
            if error.status == 429 or error.status >= 500:
                raise TextNotSentYet(reason) from None
            raise TextRefused(reason) from None
        except Exception as error:  # connection refused, timeout, an unreadable answer
            raise TextNotSentYet(f"Twilio not reached: {type(error).__name__}") from None
        return str(message.sid)


@dataclass(frozen=True)
class TextContent:
    """How a message reads: in the text's language, with the status link when one is set."""

    catalogues: Mapping[str, Catalogue]
    link_template: str = ""
    base_url: str = ""
    words: ExpectationWords | None = None  # the city's language and clock; None: en, UTC

    def body(
        self,
        language: str,
        service_request_id: str,
        told: Expectations = NOTHING,
        now: datetime | None = None,
    ) -> str:
        catalogue = self.catalogues.get(language) or next(iter(self.catalogues.values()))
        link = self.link(service_request_id)
        words = self.words or ExpectationWords(self.catalogues)
        expected = words.sentence(told, catalogue.language, now or utc_now())
        if expected:
            values = {"number": service_request_id, "expectations": expected}
            if link:
                return catalogue.text("text.message_expected", {**values, "link": link})
            return catalogue.text("text.message_expected_no_link", values)
        if link:
            return catalogue.text("text.message", {"number": service_request_id, "link": link})
        return catalogue.text("text.message_no_link", {"number": service_request_id})

    def link(self, service_request_id: str) -> str:
        template = self.link_template.strip()
        if not template or ("{base}" in template and not self.base_url):
            return ""
        from urllib.parse import quote

        return template.format(base=self.base_url.rstrip("/"), id=quote(service_request_id))


@dataclass(frozen=True)
class Claimed:
    """A text claimed for sending, with what its report's outbox row says."""

    text_id: int
    language: str
    city_id: str
    service_notice: str  # the city's POST answer
    outbox_id: int  # the report's outbox row: where its expected date is read


@dataclass(frozen=True)
class TextCounts:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.retrying + self.failed


def send_due_texts(
    sessions: sessionmaker[Session],
    send: Callable[[str, str], str],
    content: TextContent,
    *,
    clock: Clock = utc_now,
    policy: LeasePolicy = TEXT_POLICY,
    limit: int = 20,
) -> TextCounts:
    """One round: end the texts whose report can have none, send those whose id is known."""
    counts = {SENT: 0, WAITING: 0, FAILED: 0}
    for claimed in _claim(sessions, clock(), policy, limit, counts):
        status = _send_one(sessions, send, content, claimed, clock, policy)
        counts[status] += 1
    return TextCounts(sent=counts[SENT], retrying=counts[WAITING], failed=counts[FAILED])


def _claim(
    sessions: sessionmaker[Session],
    now: datetime,
    policy: LeasePolicy,
    limit: int,
    counts: dict[str, int],
) -> list[Claimed]:
    """Claim the due texts whose report is settled; end those that can never be sent."""
    query = (
        select(TextRecord, OutboxRecord)
        .join(OutboxRecord, OutboxRecord.report_id == TextRecord.report_id)
        .where(TextRecord.status.in_((WAITING, SENDING)))
        .where(TextRecord.next_attempt_at <= now)
        .where(OutboxRecord.status.in_((FILED, PARKED)))
        .order_by(TextRecord.next_attempt_at, TextRecord.id)
        .limit(limit)
    )

    def choose(session: Session, row: Any) -> Take[Claimed] | None:
        text, outbox = row
        if outbox.status == PARKED or not (outbox.service_request_id or outbox.token):
            reason = "the city refused the report" if outbox.status == PARKED else "no id"
            _end(text, FAILED, reason, now)
            counts[FAILED] += 1
            return None
        if not outbox.service_request_id:
            return None  # a token: the id comes later
        values = {"status": SENDING, "next_attempt_at": policy.lease_until(now), "updated_at": now}
        claimed = Claimed(
            text.id, text.language, outbox.service_request_id, outbox.service_notice, outbox.id
        )
        return Take(TextRecord, text.id, text.attempts, values, result=claimed)

    return claim_rows(sessions, query, choose, lock_of=TextRecord)


def _send_one(
    sessions: sessionmaker[Session],
    send: Callable[[str, str], str],
    content: TextContent,
    claimed: Claimed,
    clock: Clock,
    policy: LeasePolicy,
) -> str:
    text_id = claimed.text_id
    with sessions() as session:
        row = session.get(TextRecord, text_id)
        number = row.phone_number if row else None
        attempts = row.attempts if row else 0
        expected = expected_at_filing(session, claimed.outbox_id)
    told = Expectations(said_notice(claimed.service_notice), expected)
    status, sid, reason = SENT, None, ""
    if not number:
        status, reason = FAILED, "no number"
    else:
        try:
            body = content.body(claimed.language, claimed.city_id, told, clock())
            sid = send(number, body)
        except TextRefused as refused:
            status, reason = FAILED, str(refused)
        except TextNotSentYet as later:
            status, reason = WAITING, str(later)
            if policy.gives_up_after(attempts):
                status = FAILED
    now = clock()
    with sessions() as session, session.begin():
        row = session.get(TextRecord, text_id)
        assert row is not None
        if status == WAITING:
            row.status, row.last_error, row.updated_at = WAITING, reason[:2000], now
            row.next_attempt_at = now + policy.backoff.delay(attempts)
        else:
            row.message_sid = sid
            _end(row, status, reason, now)
    log.info("text message %s", status, extra={"text_id": text_id, "attempts": attempts})
    return status


def _end(row: TextRecord, status: str, reason: str, now: datetime) -> None:
    """Sent or finally failed: the caller's number is no longer needed, and is erased."""
    row.status = status
    row.last_error = reason[:2000]
    row.phone_number = None
    row.updated_at = now
