"""What the city lets a caller expect: a services file's notice and expected days, the expected
date counted in working days on the city's clock, the notice cleaned for a caller, and the
words a caller hears or reads, in English and Spanish."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.catalogue import load_catalogues
from ivr.dialog.actions import Hangup, Say
from ivr.followup.expectations import (
    NOTHING,
    NOTICE_SAID_LIMIT,
    Expectations,
    ExpectationWords,
    said_notice,
)
from ivr.open311.catalogue import ServiceCatalogueError, parse_service_catalogue
from ivr.open311.service_terms import NO_TERMS, ServiceTerms, expected_by
from ivr.outbox.queue import FILED, Delivery
from ivr.webhooks.filing import closing

NEW_YORK = ZoneInfo("America/New_York")
CATALOGUES = load_catalogues()
NOTICE = "Crews go out weekly."
# Tuesday, December 1, 2026, 10:00 in New York; the call is on Monday, November 30.
TUESDAY_MORNING = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CALLED = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def service(**fields: object) -> list[dict[str, object]]:
    return [{"service_code": "21", "service_name": "Pothole", **fields}]


def test_a_services_file_gives_a_service_its_notice_and_expected_days() -> None:
    catalogue = parse_service_catalogue(
        [
            *service(service_notice="  Crews  go out\nweekly. ", expected_days=5),
            {"service_code": "22", "service_name": "Graffiti"},
        ]
    )
    assert catalogue.terms_of("21") == ServiceTerms("Crews go out weekly.", 5)
    assert catalogue.terms_of("22") == NO_TERMS
    # neither is part of the published service list
    assert "service_notice" not in str(catalogue.services)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"expected_days": "5"}, "expected_days must be a whole number from 0 to 365"),
        ({"expected_days": True}, "expected_days must be a whole number from 0 to 365"),
        ({"expected_days": 366}, "expected_days must be a whole number from 0 to 365"),
        ({"expected_days": -1}, "expected_days must be a whole number from 0 to 365"),
        ({"service_notice": 5}, "service_notice must be a string"),
        ({"service_notice": "<p>Crews go out</p>"}, "service_notice must be plain text"),
        ({"service_notice": "Crews &amp; trucks"}, "service_notice must be plain text"),
        ({"service_notice": "x" * 1001}, "service_notice is longer than 1000 characters"),
    ],
)
def test_a_services_file_with_an_unusable_notice_or_days_is_refused_naming_the_field(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ServiceCatalogueError) as refused:
        parse_service_catalogue(service(**fields), source="services.json")
    assert str(refused.value).startswith("services.json: services[0] (service '21'): ")
    assert message in str(refused.value)


def test_expected_days_are_working_days_on_the_city_clock() -> None:
    friday_evening = datetime(2026, 12, 4, 22, 30, tzinfo=NEW_YORK)  # Saturday 03:30 in UTC
    assert expected_by(friday_evening, 1, NEW_YORK) == datetime(
        2026, 12, 7, 22, 30, tzinfo=NEW_YORK
    )
    assert expected_by(friday_evening, 5, NEW_YORK).astimezone(NEW_YORK).day == 11
    # counted in UTC, the same moment is a Saturday: one working day is Monday, 03:30 UTC
    assert expected_by(friday_evening, 1, UTC) == datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
    assert expected_by(friday_evening, 0, NEW_YORK) == friday_evening
    # across the change to daylight saving time the city's clock time is kept
    before = datetime(2026, 3, 6, 10, 0, tzinfo=NEW_YORK)  # Friday, EST
    assert expected_by(before, 1, NEW_YORK) == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # EDT


def test_a_plain_notice_is_said_as_given_with_its_end_mark() -> None:
    assert said_notice("Crews go out weekly") == "Crews go out weekly."
    assert said_notice(" Crews\tgo out\x00 weekly!\n") == "Crews go out weekly!"
    assert said_notice("   ") == ""


@pytest.mark.parametrize(
    "notice",
    [
        "<p>Crews go out weekly.</p>",
        "Crews go out <b>weekly</b>.",
        "Crews &amp; trucks go out weekly.",
        "Crews go out weekly&#46;",
        "<!-- draft --> Crews go out weekly.",
    ],
)
def test_a_notice_with_markup_is_not_said(notice: str) -> None:
    assert said_notice(notice) == ""


def test_a_notice_of_two_thousand_characters_is_cut_at_a_sentence_end() -> None:
    notice = ("Crews go out weekly. " * 100)[:2000]
    said = said_notice(notice)
    assert len(said) <= NOTICE_SAID_LIMIT
    assert said.endswith("weekly.") and said.startswith("Crews go out weekly. Crews")


def test_a_long_notice_without_sentences_is_cut_at_a_word() -> None:
    said = said_notice("crews " * 400)
    assert len(said) <= NOTICE_SAID_LIMIT + 1
    assert said.endswith("crews…")


def test_an_english_caller_hears_the_notice_then_the_day() -> None:
    words = ExpectationWords(CATALOGUES, "en", NEW_YORK)
    said = words.prompts(Expectations(NOTICE, TUESDAY_MORNING), "en", CALLED)
    assert said == (
        Say("expect.notice", (("notice", NOTICE),), "en"),
        Say("expect.by", (("date", "Tuesday, December 1"),), "en"),
    )


def test_a_spanish_caller_hears_the_notice_introduced_and_in_the_city_language() -> None:
    words = ExpectationWords(CATALOGUES, "en", NEW_YORK)
    said = words.prompts(Expectations(NOTICE, TUESDAY_MORNING), "es", CALLED)
    assert said == (
        Say("expect.notice_intro", (("city_language", "inglés"),), "es"),
        Say("expect.city_words", (("notice", NOTICE),), "en"),
        Say("expect.by", (("date", "martes 1 de diciembre"),), "es"),
    )
    assert words.sentence(Expectations(NOTICE, TUESDAY_MORNING), "es", CALLED) == (
        "La ciudad dice, en inglés: Crews go out weekly. La ciudad espera atenderlo a más "
        "tardar el martes 1 de diciembre."
    )


def test_the_day_is_the_city_day_and_a_past_or_next_year_day_is_said_so() -> None:
    late_evening = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # Tuesday 22:00 in New York
    in_city = ExpectationWords(CATALOGUES, "en", NEW_YORK)
    assert in_city.sentence(Expectations(expected=late_evening), "en", CALLED) == (
        "The city expects to take care of it by Tuesday, December 1."
    )
    in_utc = ExpectationWords(CATALOGUES, "en", None)
    assert in_utc.sentence(Expectations(expected=late_evening), "en", CALLED) == (
        "The city expects to take care of it by Wednesday, December 2."
    )
    later = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    assert in_city.sentence(Expectations(expected=CALLED), "en", later) == (
        "The city expected to take care of it by Monday, November 30."
    )
    next_year = datetime(2027, 1, 5, 15, 0, tzinfo=UTC)
    assert in_city.sentence(Expectations(expected=next_year), "es", CALLED) == (
        "La ciudad espera atenderlo a más tardar el martes 5 de enero de 2027."
    )


def test_a_city_that_gave_neither_adds_nothing() -> None:
    words = ExpectationWords(CATALOGUES, "en", NEW_YORK)
    assert words.prompts(NOTHING, "en", CALLED) == ()
    assert words.sentence(NOTHING, "es", CALLED) == ""


def test_the_closing_words_tell_the_expectations_after_the_number_and_before_goodbye() -> None:
    delivery = Delivery(1, FILED, 1, "12", None, NOTICE, "")
    told = ExpectationWords(CATALOGUES).prompts(Expectations(NOTICE), "en", CALLED)
    goodbye = Say("common.goodbye", language="en")
    actions = closing((goodbye, Hangup()), "en", delivery, told)
    assert actions == (
        Say("report.reference", (("number", "1 2"),), "en"),
        Say("expect.notice", (("notice", NOTICE),), "en"),
        goodbye,
        Hangup(),
    )
