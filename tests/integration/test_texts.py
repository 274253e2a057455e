"""Text messages against a local stand-in of Twilio's REST API, on SQLite and PostgreSQL.

A report filed with the caller's consent is texted once the city's id is known, never before;
the request is the one Twilio documents (POST .../Accounts/{AccountSid}/Messages.json, Basic
auth, To/From/Body); the caller's number is erased once the text is sent or finally fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import load_catalogues
from ivr.app import create_app
from ivr.followup.text_sender import TEXT_POLICY, TextContent, TwilioTexts, send_due_texts
from ivr.followup.texts import record_follow_up
from ivr.open311.client import Open311Client
from ivr.outbox.queue import Report, enqueue
from ivr.outbox.worker import deliver_due
from ivr.settings import Settings
from ivr.store.call_tables import OutboxRecord
from ivr.store.db import make_engine, make_sessionmaker
from ivr.store.text_tables import TextRecord
from ivr.twilio_rest import make_twilio_client
from tests.support.live_server import serve_wsgi
from tests.support.twilio_api import TwilioApi

ACCOUNT = "AC" + "1" * 32
TOKEN = "f" * 32
SENDER = "+16175550311"
CALLER = "+16175550123"
LINK = "https://311.example.gov/requests/{id}"


@dataclass
class Texting:
    sessions: sessionmaker[Session]
    twilio: TwilioApi
    city: Open311Client
    send: TwilioTexts
    content: TextContent

    def file_report(self, *, consent: str, language: str = "en", number: str = CALLER) -> int:
        """A report enqueued at the end of a call, with the caller's answer to the offer."""
        now = datetime.now(UTC)
        with self.sessions() as session, session.begin():
            report = Report(service_code="1", lat=42.35, long=-71.06, language=language)
            row = enqueue(session.connection(), report, now=now)
            data = {"slots": {"text_consent": consent}, "language": language}
            record_follow_up(
                session.connection(), row.report_id, data, caller_number=number, now=now
            )
            return row.report_id

    def texts_round(self) -> None:
        send_due_texts(self.sessions, self.send, self.content, policy=TEXT_POLICY)

    def text(self, report_id: int) -> TextRecord | None:
        with self.sessions() as session:
            query = select(TextRecord).where(TextRecord.report_id == report_id)
            return session.scalars(query).one_or_none()


@pytest.fixture
def texting(migrated_url: str) -> Iterator[Texting]:
    twilio = TwilioApi(account_sid=ACCOUNT, auth_token=TOKEN)
    engine = make_engine(migrated_url)
    with serve_wsgi(twilio.app) as twilio_url, httpx.Client(timeout=10) as http:
        settings = Settings(
            database_url=migrated_url,
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=TOKEN,
            twilio_api_base_url=twilio_url,
            sms_from=SENDER,
        )
        with serve_wsgi(create_app(settings, engine=engine)) as base_url:
            send = TwilioTexts(make_twilio_client(settings), SENDER)
            content = TextContent(load_catalogues(), LINK)
            city = Open311Client(http, f"{base_url}/open311/v2")
            yield Texting(make_sessionmaker(engine), twilio, city, send, content)
    engine.dispose()


def test_the_text_goes_out_once_the_city_id_is_known_and_the_number_is_erased(
    texting: Texting,
) -> None:
    report_id = texting.file_report(consent="yes")
    texting.texts_round()
    assert texting.twilio.messages() == []  # the report has not reached the city yet

    assert deliver_due(texting.sessions, texting.city).filed == 1
    with texting.sessions() as session:
        city_id = session.scalars(
            select(OutboxRecord.service_request_id).where(OutboxRecord.report_id == report_id)
        ).one()
    assert city_id
    texting.texts_round()
    texting.texts_round()  # a second round sends nothing more

    [message] = texting.twilio.messages()
    assert message.method == "POST"
    assert message.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert message.auth == (ACCOUNT, TOKEN)
    assert message.content_type == "application/x-www-form-urlencoded"
    assert message.form["To"] == CALLER
    assert message.form["From"] == SENDER
    assert message.form["Body"] == (
        f"Your 311 report number is {city_id}. Follow it at https://311.example.gov/requests/"
        f"{city_id}"
    )
    text = texting.text(report_id)
    assert text is not None and text.status == "sent" and text.phone_number is None
    assert text.message_sid and text.message_sid.startswith("SM")


def test_the_text_is_in_the_callers_language(texting: Texting) -> None:
    texting.file_report(consent="yes", language="es")
    deliver_due(texting.sessions, texting.city)
    texting.texts_round()
    [message] = texting.twilio.messages()
    assert message.form["Body"].startswith("Su número de reporte 311 es ")


def test_no_consent_no_text_and_no_number_kept(texting: Texting) -> None:
    refused = texting.file_report(consent="no")
    withheld = texting.file_report(consent="yes", number="+266696687")  # caller ID withheld
    deliver_due(texting.sessions, texting.city)
    texting.texts_round()
    assert texting.twilio.messages() == []
    assert texting.text(refused) is None and texting.text(withheld) is None


def test_a_refused_report_ends_its_text_unsent_and_erases_the_number(texting: Texting) -> None:
    report_id = texting.file_report(consent="yes")
    with texting.sessions() as session, session.begin():
        row = session.scalars(select(OutboxRecord).where(OutboxRecord.report_id == report_id))
        row.one().status = "parked"
    texting.texts_round()
    assert texting.twilio.messages() == []
    text = texting.text(report_id)
    assert text is not None and text.status == "failed" and text.phone_number is None


def test_twilio_down_is_retried_and_a_refusal_is_final(texting: Texting) -> None:
    report_id = texting.file_report(consent="yes")
    deliver_due(texting.sessions, texting.city)
    texting.twilio.unavailable = True
    texting.texts_round()
    text = texting.text(report_id)
    assert text is not None and text.status == "waiting" and text.phone_number == CALLER
    assert text.last_error == "Twilio error 20503 (HTTP 503)"

    texting.twilio.unavailable = False
    texting.twilio.auth_token = "not the token"  # Twilio now refuses us: 401, final
    with texting.sessions() as session, session.begin():
        row = session.get(TextRecord, text.id)
        assert row is not None
        row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    texting.texts_round()
    text = texting.text(report_id)
    assert text is not None and text.status == "failed" and text.phone_number is None
    assert text.last_error == "Twilio error 20003 (HTTP 401)"
    assert len(texting.twilio.messages()) == 2  # one try each, nothing sent
