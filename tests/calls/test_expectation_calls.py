"""Whole simulated calls in which the caller hears what the city lets them expect: the city's
notice and the day it expects to take care of the report, at the end of the call and by
status, in English and in Spanish, and the text message that carries them.

The gateway runs on the shipped sample services (the pothole service has a notice and five
working days) with its embedded endpoint as the city, in New York's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from ivr.followup.expectations import NOTICE_SAID_LIMIT
from ivr.simulator import Press, Silence, Speak
from ivr.store.request_tables import ServiceRequestRecord
from tests.calls.phone import prepared_store
from tests.calls.test_follow_up_calls import CALLER, WASHINGTON_438, spelled, text_of_report
from tests.calls.test_whole_calls import PAVEMENT_DEFECT, published, reference_heard
from tests.support.follow_up_gateway import FollowUpGateway, follow_up_gateway

NEW_YORK = ZoneInfo("America/New_York")
POTHOLE_NOTICE = (
    "Crews make a deep pothole safe the same day and repair it within five working days."
)
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAYS_ES = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
POTHOLE_IN_ENGLISH = [
    *PAVEMENT_DEFECT,
    Speak("four thirty eight washington street"),
    Press("1"),  # the place is right
    Speak("a deep pothole by the curb"),
    Press("1"),  # send it
    Press("1"),  # a text message: yes
]
POTHOLE_IN_SPANISH = [
    Press("9"),  # español
    Press("2"),  # street defects
    Press("2"),  # pavement defect
    Press("1"),  # pothole
    Press("*"),  # how wide: skipped
    Press("*"),  # which lane: skipped
    Speak("no sé"),
    Press("438#"),
    Speak("washington street"),
    Press("1"),
    Speak("un bache grande"),
    Press("1"),  # send it
    Press("1"),  # a text message: yes
]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FollowUpGateway]:
    folder: Path = tmp_path_factory.mktemp("expectations")
    store = prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    with follow_up_gateway(
        store, city_timezone="America/New_York", duplicate_radius_metres=0
    ) as live:
        yield live


def in_new_york(text: object) -> datetime:
    return datetime.fromisoformat(str(text)).astimezone(NEW_YORK)


def expected_day(request: dict[str, object], *, spanish: bool = False) -> str:
    """The request's expected date as a person in New York names the day."""
    day = in_new_york(request["expected_datetime"])
    this_year = day.year == datetime.now(NEW_YORK).year
    if spanish:
        said = f"{WEEKDAYS_ES[day.weekday()]} {day.day} de {MONTHS_ES[day.month - 1]}"
        return said if this_year else f"{said} de {day.year}"
    said = f"{WEEKDAYS_EN[day.weekday()]}, {MONTHS_EN[day.month - 1]} {day.day}"
    return said if this_year else f"{said}, {day.year}"


def updated_day(request: dict[str, object], *, spanish: bool = False) -> str:
    day = in_new_york(request["updated_datetime"])
    if spanish:
        return f"{day.day} de {MONTHS_ES[day.month - 1]} de {day.year}"
    return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def working_days_between(start: datetime, end: datetime) -> int:
    days, day = 0, start.date()
    while day < end.date():
        day += timedelta(days=1)
        days += day.weekday() < 5
    return days


def after(heard: list[str], line: str, count: int) -> list[str]:
    at = heard.index(line)
    return heard[at + 1 : at + 1 + count]


def test_an_english_caller_hears_the_city_notice_and_day_after_filing_and_reads_them(
    gateway: FollowUpGateway,
) -> None:
    assert gateway.twilio is not None
    sent_before = len(gateway.twilio.messages())
    result = gateway.call_from(CALLER, POTHOLE_IN_ENGLISH)

    heard = result.transcript.heard()
    number = reference_heard(heard)
    request = published(gateway, number)
    requested, expected = (
        in_new_york(request["requested_datetime"]),
        in_new_york(request["expected_datetime"]),
    )
    assert working_days_between(requested, expected) == 5
    assert expected.time() == requested.time()
    day = expected_day(request)
    assert after(heard, f"Your reference number is {spelled(number)}.", 3) == [
        f"The city says: {POTHOLE_NOTICE}",
        f"The city expects to take care of it by {day}.",
        "Thank you for calling. Goodbye.",
    ]
    assert request["service_notice"] == POTHOLE_NOTICE

    text = text_of_report(gateway, gateway.reports_of(result.call_sid)[0].id)
    assert text is not None and text.status == "sent"
    (message,) = gateway.twilio.messages()[sent_before:]
    assert message.form["Body"] == (
        f"Your 311 report number is {number}. The city says: {POTHOLE_NOTICE} The city expects "
        f"to take care of it by {day}. Follow it at https://311.example.gov/requests/{number}"
    )


def test_a_spanish_caller_hears_the_city_notice_as_the_city_wrote_it_and_the_day_in_spanish(
    gateway: FollowUpGateway,
) -> None:
    assert gateway.twilio is not None
    sent_before = len(gateway.twilio.messages())
    result = gateway.call_from(CALLER, POTHOLE_IN_SPANISH)

    heard = result.transcript.heard()
    number = reference_heard(heard)
    day = expected_day(published(gateway, number), spanish=True)
    assert after(heard, f"Su número de referencia es {spelled(number)}.", 4) == [
        "La ciudad dejó esta nota, en inglés:",
        POTHOLE_NOTICE,
        f"La ciudad espera atenderlo a más tardar el {day}.",
        "Gracias por llamar. Adiós.",
    ]

    text = text_of_report(gateway, gateway.reports_of(result.call_sid)[0].id)
    assert text is not None and text.status == "sent"
    (message,) = gateway.twilio.messages()[sent_before:]
    assert message.form["Body"] == (
        f"Su número de reporte 311 es {number}. La ciudad dice, en inglés: {POTHOLE_NOTICE} "
        f"La ciudad espera atenderlo a más tardar el {day}. Puede seguirlo en "
        f"https://311.example.gov/requests/{number}"
    )


def test_a_service_the_city_set_nothing_for_ends_the_call_as_before(
    gateway: FollowUpGateway,
) -> None:
    script = [Silence(), Press("2"), Press("1")]  # street defects: a construction plate
    script += [Speak("four thirty eight washington street"), Press("1")]
    script += [Speak("a steel plate has moved"), Press("1"), Press("2")]  # no text
    result = gateway.call_from(CALLER, script)

    heard = result.transcript.heard()
    number = reference_heard(heard)
    request = published(gateway, number)
    assert request["service_code"] == "2"
    assert request["service_notice"] == "" and request["expected_datetime"] is None
    assert after(heard, f"Your reference number is {spelled(number)}.", 1) == [
        "Thank you for calling. Goodbye."
    ]


def test_a_caller_asking_the_status_hears_the_notice_and_day_in_english_and_spanish(
    gateway: FollowUpGateway,
) -> None:
    number = gateway.file_directly("21", *WASHINGTON_438)
    gateway.set_status(number, "open", "A crew is scheduled.")
    request = published(gateway, number)

    english = gateway.call([Silence(), Press("*"), Press(f"{number}#"), Press("3")])
    assert (
        f"Report {spelled(number)} is open. The city's note says: A crew is scheduled. It was "
        f"last updated on {updated_day(request)}. The city says: {POTHOLE_NOTICE} The city "
        f"expects to take care of it by {expected_day(request)}."
    ) in english.transcript.heard()

    spanish = gateway.call([Press("9"), Press("*"), Press(f"{number}#"), Press("3")])
    assert (
        f"El reporte {spelled(number)} está abierto. La nota de la ciudad dice: A crew is "
        f"scheduled. Se actualizó por última vez el {updated_day(request, spanish=True)}. La "
        f"ciudad dice, en inglés: {POTHOLE_NOTICE} La ciudad espera atenderlo a más tardar el "
        f"{expected_day(request, spanish=True)}."
    ) in spanish.transcript.heard()

    gateway.set_status(number, "closed", "Repaired.")
    closed = gateway.call([Silence(), Press("*"), Press(f"{number}#"), Press("3")])
    line = next(h for h in closed.transcript.heard() if h.startswith(f"Report {spelled(number)}"))
    assert line.endswith(f"It was last updated on {updated_day(published(gateway, number))}.")


def set_notice(gateway: FollowUpGateway, number: str, notice: str) -> None:
    """The city's CRM publishes another notice on the request (as a city's own system may)."""
    with gateway.sessions() as session, session.begin():
        session.execute(
            update(ServiceRequestRecord)
            .where(ServiceRequestRecord.service_request_id == number)
            .values(service_notice=notice)
        )


def test_a_notice_with_markup_is_not_said_and_a_long_one_is_cut(
    gateway: FollowUpGateway,
) -> None:
    number = gateway.file_directly("21", *WASHINGTON_438)
    request = published(gateway, number)
    status_asked = [Silence(), Press("*"), Press(f"{number}#"), Press("3")]
    opening = f"Report {spelled(number)} is open. It was last updated on {updated_day(request)}."
    by_day = f"The city expects to take care of it by {expected_day(request)}."

    set_notice(gateway, number, "<p>Crews go out <b>weekly</b>.</p>")
    assert f"{opening} {by_day}" in gateway.call(status_asked).transcript.heard()

    set_notice(gateway, number, ("Crews go out weekly. " * 100)[:2000])
    line = next(h for h in gateway.call(status_asked).transcript.heard() if h.startswith(opening))
    notice = line.removeprefix(f"{opening} The city says: ").removesuffix(f" {by_day}")
    assert notice.startswith("Crews go out weekly. Crews go out weekly.")
    assert notice.endswith("weekly.") and len(notice) <= NOTICE_SAID_LIMIT
