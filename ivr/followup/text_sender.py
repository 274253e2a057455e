"""Sending the text messages callers agreed to, once the city's id is known.

:func:`send_due_texts` is one round, called by the outbox worker's loop and by ``ivr worker``
after each delivery round. A text waits while its report is on its way; once the outbox row is
filed with the city's id, the text is claimed (a conditional update on its attempt count, as
in the outbox, so two workers never send it both) and sent through Twilio's REST API. A report
the city refused, or a blackbox service that gives no id, ends its text unsent. Twilio's 5xx,
429 and connection failures are retried with back-off; any other refusal is final. When a text
is sent or finally fails, the caller's number is erased. The number is never logged, and
neither is Twilio's error message (it may quote the number): only its code.

A worker killed between Twilio's answer and the commit may send a text twice after its lease
runs out; a text is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import Catalogue
from ivr.followup.texts import FAILED, SENDING, SENT, WAITING
from ivr.outbox.queue import FILED, PARKED
from ivr.store.call_tables import OutboxRecord
from ivr.store.text_tables import TextRecord

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


class TextRefused(Exception):
    """Twilio refused the message for good (a bad number, an opted-out caller)."""


class TextNotSentYet(Exception):
    """Twilio could not be reached, or asked us to slow down: try again later."""


@dataclass(frozen=True)
class TextPolicy:
    max_attempts: int = 6
    base_seconds: float = 10.0
    cap_seconds: float = 600.0
    lease_seconds: float = 120.0

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cap_seconds, self.base_seconds * 2 ** (attempts - 1)))


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

    def body(self, language: str, service_request_id: str) -> str:
        catalogue = self.catalogues.get(language) or next(iter(self.catalogues.values()))
        link = self.link(service_request_id)
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
class TextCounts:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def utc_now() -> datetime:
    return datetime.now(UTC)


def send_due_texts(
    sessions: sessionmaker[Session],
    send: Callable[[str, str], str],
    content: TextContent,
    *,
    clock: Clock = utc_now,
    policy: TextPolicy = TextPolicy(),
    limit: int = 20,
) -> TextCounts:
    """One round: end the texts whose report can have none, send those whose id is known."""
    counts = {SENT: 0, WAITING: 0, FAILED: 0}
    for text_id, language, city_id in _claim(sessions, clock(), policy, limit, counts):
        status = _send_one(sessions, send, content, text_id, language, city_id, clock, policy)
        counts[status] += 1
    return TextCounts(sent=counts[SENT], retrying=counts[WAITING], failed=counts[FAILED])


def _claim(
    sessions: sessionmaker[Session],
    now: datetime,
    policy: TextPolicy,
    limit: int,
    counts: dict[str, int],
) -> list[tuple[int, str, str]]:
    """Claim the due texts whose report is settled; end those that can never be sent."""
    claimed: list[tuple[int, str, str]] = []
    with sessions() as session, session.begin():
        query = (
            select(TextRecord, OutboxRecord)
            .join(OutboxRecord, OutboxRecord.report_id == TextRecord.report_id)
            .where(TextRecord.status.in_((WAITING, SENDING)))
            .where(TextRecord.next_attempt_at <= now)
            .where(OutboxRecord.status.in_((FILED, PARKED)))
            .order_by(TextRecord.next_attempt_at, TextRecord.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=TextRecord, skip_locked=True)
        for text, outbox in session.execute(query).all():
            if outbox.status == PARKED or not (outbox.service_request_id or outbox.token):
                reason = "the city refused the report" if outbox.status == PARKED else "no id"
                _end(text, FAILED, reason, now)
                counts[FAILED] += 1
                continue
            if not outbox.service_request_id:
                continue  # a token: the id comes later
            attempts = text.attempts
            taken = session.execute(
                update(TextRecord)
                .where(TextRecord.id == text.id, TextRecord.attempts == attempts)
                .values(
                    status=SENDING,
                    attempts=attempts + 1,
                    next_attempt_at=now + timedelta(seconds=policy.lease_seconds),
                    updated_at=now,
                )
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append((text.id, text.language, outbox.service_request_id))
    return claimed


def _send_one(
    sessions: sessionmaker[Session],
    send: Callable[[str, str], str],
    content: TextContent,
    text_id: int,
    language: str,
    city_id: str,
    clock: Clock,
    policy: TextPolicy,
) -> str:
    with sessions() as session:
        row = session.get(TextRecord, text_id)
        number = row.phone_number if row else None
        attempts = row.attempts if row else 0
    status, sid, reason = SENT, None, ""
    if not number:
        status, reason = FAILED, "no number"
    else:
        try:
            sid = send(number, content.body(language, city_id))
        except TextRefused as refused:
            status, reason = FAILED, str(refused)
        except TextNotSentYet as later:
            status, reason = WAITING, str(later)
            if attempts >= policy.max_attempts:
                status = FAILED
    now = clock()
    with sessions() as session, session.begin():
        row = session.get(TextRecord, text_id)
        assert row is not None
        if status == WAITING:
            row.status, row.last_error, row.updated_at = WAITING, reason[:2000], now
            row.next_attempt_at = now + policy.delay(attempts)
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


def text_round(settings: Any, sessions: sessionmaker[Session]) -> Callable[[], int] | None:
    """The round a worker loop calls, for this gateway's settings; None when it sends no
    texts (``IVR_SMS_FROM`` unset)."""
    if not settings.sms_from:
        return None
    from flows.catalogue import load_catalogues
    from ivr.twilio_rest import make_twilio_client

    send = TwilioTexts(make_twilio_client(settings), settings.sms_from)
    content = TextContent(load_catalogues(), settings.status_link, settings.public_base_url)

    def one_round() -> int:
        counts = send_due_texts(sessions, send, content)
        return counts.sent + counts.retrying + counts.failed

    return one_round
