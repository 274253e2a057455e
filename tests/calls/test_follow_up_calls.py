"""Whole simulated calls for what follows a report: status by phone (English and Spanish, a
known and an unknown number, a city that cannot be reached), and an open request near the
caller's pothole offered to them ("me too"), accepted and declined, with the text message
the caller agreed to.

What the city received is read from the embedded endpoint over HTTP; the text message from the
local stand-in of Twilio's REST API.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.simulator import Press, Silence, Speak
from ivr.store.call_tables import ReportRecord
from ivr.store.text_tables import TextRecord
from tests.calls.phone import AUTH_TOKEN, prepared_store
from tests.calls.test_whole_calls import PAVEMENT_DEFECT, published, reference_heard
from tests.support.follow_up_gateway import (
    ACCOUNT_SID,
    SMS_FROM,
    FollowUpGateway,
    follow_up_gateway,
)

MONTHS_EN = "January February March April May June July August September October November December"
MONTHS_ES = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
CALLER = "+16175550123"
POTHOLE_EXPECTATIONS = "The city says: Crews make a deep pothole safe the same day"
WASHINGTON_438 = (42.3483280, -71.1574380, "438 Washington Street, Boston, MA 02135")
WASHINGTON_301 = (42.3493611, -71.1505902, "301 Washington Street, Boston, MA 02135")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder: Path = tmp_path_factory.mktemp("follow_up")
    return prepared_store(f"sqlite:///{folder / 'voice311.db'}")


@pytest.fixture(scope="module")
def gateway(store: str) -> Iterator[FollowUpGateway]:
    with follow_up_gateway(store) as live:
        yield live


def updated_on(gateway: FollowUpGateway, number: str, months: str, spanish: bool = False) -> str:
    """When the endpoint says the request last changed, as a person says the date."""
    moment = datetime.fromisoformat(str(published(gateway, number)["updated_datetime"]))
    month = months.split()[moment.month - 1]
    if spanish:
        return f"{moment.day} de {month} de {moment.year}"
    return f"{month} {moment.day}, {moment.year}"


def spelled(number: str) -> str:
    return " ".join(number)


def test_a_caller_hears_the_status_notes_and_date_of_a_known_request(
    gateway: FollowUpGateway,
) -> None:
    number = gateway.file_directly("21", *WASHINGTON_438)
    gateway.set_status(number, "open", "A crew is scheduled for Tuesday.")
    result = gateway.call([Silence(), Press("*"), Press(f"{number}#"), Press("3")])

    heard = result.transcript.heard()
    assert "To hear about a report you made before, press star." in heard
    assert "Please enter your reference number, then press pound." in heard
    when = updated_on(gateway, number, MONTHS_EN)
    line = next(h for h in heard if h.startswith(f"Report {spelled(number)} is open."))
    # then what the sample pothole service lets a caller expect (test_expectation_calls.py)
    assert line.startswith(
        f"Report {spelled(number)} is open. The city's note says: A crew is scheduled for "
        f"Tuesday. It was last updated on {when}. {POTHOLE_EXPECTATIONS}"
    )
    assert heard[-1] == "Thank you for calling. Goodbye."
    assert result.ended_by == "gateway"


def test_an_unknown_number_is_said_kindly_and_another_is_offered(
    gateway: FollowUpGateway,
) -> None:
    number = gateway.file_directly("21", *WASHINGTON_301)
    gateway.set_status(number, "closed", "Repaired.")
    script = [Silence(), Press("*"), Press("987654#"), Press("1"), Press(f"{number}#")]
    result = gateway.call([*script, Press("3")])

    heard = result.transcript.heard()
    assert (
        "Sorry, I could not find a report with the number 9 8 7 6 5 4. Please check the number."
    ) in heard
    assert heard.count("Please enter your reference number, then press pound.") == 2
    when = updated_on(gateway, number, MONTHS_EN)
    assert (
        f"Report {spelled(number)} is closed. The city's note says: Repaired. "
        f"It was last updated on {when}."
    ) in heard


def test_a_spanish_caller_hears_the_status_in_spanish(gateway: FollowUpGateway) -> None:
    number = gateway.file_directly("21", *WASHINGTON_301)
    gateway.set_status(number, "closed", "Bache reparado.")
    result = gateway.call([Press("9"), Press("*"), Press(f"{number}#"), Press("3")])

    heard = result.transcript.heard()
    assert "Para saber de un reporte que hizo antes, oprima asterisco." in heard
    when = updated_on(gateway, number, MONTHS_ES, spanish=True)
    assert (
        f"El reporte {spelled(number)} está cerrado. La nota de la ciudad dice: Bache "
        f"reparado. Se actualizó por última vez el {when}."
    ) in heard
    assert heard[-1] == "Gracias por llamar. Adiós."


def text_of_report(gateway: FollowUpGateway, report_id: int) -> TextRecord | None:
    """The report's text message, once it is settled (sent or failed) or after 20 s: it goes
    out from the worker's next round after the report is filed."""
    deadline = time.monotonic() + 20
    while True:
        with gateway.sessions() as session:
            query = select(TextRecord).where(TextRecord.report_id == report_id)
            text = session.scalars(query).one_or_none()
        if text is None or text.status in ("sent", "failed") or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def test_a_duplicate_is_offered_accepted_and_the_city_receives_the_me_too(
    gateway: FollowUpGateway,
) -> None:
    earlier = gateway.file_directly("21", *WASHINGTON_438)
    assert gateway.twilio is not None
    sent_before = len(gateway.twilio.messages())
    script = [*PAVEMENT_DEFECT, Speak("four thirty eight washington street"), Press("1")]
    script += [Speak("it is getting deeper"), Press("1"), Press("1"), Press("1")]
    result = gateway.call_from(CALLER, script)

    heard = result.transcript.heard()
    offers = [line for line in heard if line.startswith("There is already an open report")]
    assert len(offers) == 1
    assert "near 438 Washington Street, from " in offers[0]
    assert offers[0].endswith("Press 1 to add your voice to it, 2 to file a new one.")
    assert (
        "Would you like a text message with your reference number? Press 1 for yes, 2 for no."
    ) in heard
    number = reference_heard(heard)
    request = published(gateway, number)
    assert str(request["description"]).startswith(f"Also reported as request {earlier}:")
    assert request["address"] == "438 Washington Street, Boston, MA 02135"
    report = gateway.reports_of(result.call_sid)[0]
    assert report.duplicate_of == earlier
    # the city sees one more voice on the earlier request, and none on the "me too" itself
    assert published(gateway, earlier)["me_too_count"] == 1
    assert request["me_too_count"] == 0

    text = text_of_report(gateway, report.id)
    assert text is not None
    messages = gateway.twilio.messages()[sent_before:]
    assert len(messages) == 1
    message = messages[0]
    assert message.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert message.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert message.form["To"] == CALLER and message.form["From"] == SMS_FROM
    body = message.form["Body"]
    assert body.startswith(f"Your 311 report number is {number}. {POTHOLE_EXPECTATIONS}")
    assert body.endswith(f"Follow it at https://311.example.gov/requests/{number}")
    assert text.status == "sent" and text.phone_number is None
    assert text.message_sid and text.message_sid.startswith("SM")


def test_a_duplicate_declined_files_a_new_request_and_no_text_without_consent(
    gateway: FollowUpGateway,
) -> None:
    gateway.file_directly("21", *WASHINGTON_301)
    assert gateway.twilio is not None
    sent_before = len(gateway.twilio.messages())
    script = [*PAVEMENT_DEFECT, Speak("three oh one washington street"), Press("1")]
    script += [Speak("a new hole"), Press("2"), Press("1"), Press("2")]
    result = gateway.call_from(CALLER, script)

    heard = result.transcript.heard()
    assert any(line.startswith("There is already an open report") for line in heard)
    number = reference_heard(heard)
    request = published(gateway, number)
    assert not str(request["description"]).startswith("Also reported")
    assert request["address"] == "301 Washington Street, Boston, MA 02135"
    assert gateway.reports_of(result.call_sid)[0].duplicate_of is None
    with gateway.sessions() as session:
        report_ids = select(ReportRecord.id).where(ReportRecord.call_sid == result.call_sid)
        assert (
            session.scalars(select(TextRecord).where(TextRecord.report_id.in_(report_ids))).all()
            == []
        )
    assert len(gateway.twilio.messages()) == sent_before


def test_when_the_city_is_down_status_is_said_kindly_and_a_report_is_filed(
    own_store: str,
) -> None:
    down = "http://127.0.0.1:9/open311/v2"  # nothing listens on the discard port
    with follow_up_gateway(own_store, texts=False, handlers_city=down) as gateway:
        status = gateway.call([Silence(), Press("*"), Press("12#"), Press("3")])
        script = [*PAVEMENT_DEFECT, Speak("four thirty eight washington street"), Press("1")]
        filed = gateway.call([*script, Speak("deep"), Press("1")])
        number = reference_heard(filed.transcript.heard())
        received = published(gateway, number)

    heard = status.transcript.heard()
    assert "Sorry, we cannot reach the city's system right now. Please try again later." in heard
    heard = filed.transcript.heard()
    # the duplicate check cannot ask the city: it is skipped and the report filed
    assert not any(line.startswith("There is already an open report") for line in heard)
    assert not any("text message" in line for line in heard)
    assert received["address"] == "438 Washington Street, Boston, MA 02135"
