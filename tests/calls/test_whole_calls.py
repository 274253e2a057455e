"""Whole simulated calls against a live gateway: what the caller heard, what the city received.

One store per module (the Boston gazetteer takes seconds to import); each test asserts on the
requests that its own call produced, found by the reference number the caller heard.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.simulator import AnswerDial, HangUp, Press, Silence, Speak
from ivr.simulator.script import Step
from ivr.webhooks.filing import ANSWER_LIMIT
from tests.calls.phone import Gateway, attributes_received, prepared_store, running_gateway

BOSTON_438_WASHINGTON = (42.3483280, -71.1574380)  # 438 Washington Street, 02135
PAVEMENT_DEFECT = [
    Silence(),  # the welcome's language offer: stay in English
    Press("2"),  # street defects
    Press("2"),  # pavement defect
    Press("1"),  # pothole
    Press("3#"),  # three feet wide
    Speak("the right lane"),
]
OPERATOR = "+16175550100"
DESCRIBE_AND_SEND = [Speak("a deep pothole by the curb"), Press("1")]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder: Path = tmp_path_factory.mktemp("calls")
    url = prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    with running_gateway(url, operator_number=OPERATOR) as live:
        yield live


def reference_heard(heard: list[str]) -> str:
    for line in heard:
        found = re.fullmatch(
            r"(?:Your reference number is|Su número de referencia es) (.+)\.", line
        )
        if found:
            return found.group(1).replace(" ", "")
    raise AssertionError(f"no reference number heard in {heard}")


def published(gateway: Gateway, service_request_id: str) -> dict[str, object]:
    matches = [
        r for r in gateway.requests_published() if r["service_request_id"] == service_request_id
    ]
    assert len(matches) == 1
    return matches[0]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = (a[0] - b[0]) * 111_320
    east = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(north, east)


def test_a_pothole_with_its_attributes_is_filed_once_and_the_caller_hears_its_number(
    gateway: Gateway,
) -> None:
    before = len(gateway.requests_published())
    script = [*PAVEMENT_DEFECT, Speak("four thirty eight washington street"), Press("1")]
    result = gateway.call([*script, *DESCRIBE_AND_SEND])

    heard = result.transcript.heard()
    assert result.ended_by == "gateway"
    assert any(line.startswith("I heard four thirty eight Washington Street") for line in heard)
    assert "Thank you. Your report has been received." in heard
    number = reference_heard(heard)
    assert heard[-1] == "Thank you for calling. Goodbye."

    assert len(gateway.requests_published()) == before + 1
    request = published(gateway, number)
    assert request["service_code"] == "21"
    assert request["address"] == "438 Washington Street, Boston, MA 02135"
    where = (float(str(request["lat"])), float(str(request["long"])))
    assert metres(where, BOSTON_438_WASHINGTON) < 50
    # the spoken description is the caller's voice: its recording URL is never published
    assert "voice recording" in str(request["description"])
    assert "Recordings/" not in str(request["description"])
    assert attributes_received(gateway, number) == {
        "defect_type": ["pothole"],
        "width_feet": ["3"],
        "lane": ["the right lane"],
    }
    row = gateway.call_row(result.call_sid)
    assert row is not None and row.status == "completed"
    assert row.caller_number is None  # cleared once the call is over


def test_an_answer_longer_than_the_city_takes_is_cut_and_the_report_filed(
    gateway: Gateway,
) -> None:
    """A caller who goes on and on at a free question (2,479 characters, well within what a
    webhook may carry) still has the report filed: the city gets the answer cut to its
    limit, not a report it refuses after the caller heard it was taken."""
    rambling = "the right lane by the bus stop " * 80
    script = [*PAVEMENT_DEFECT[:-1], Speak(rambling.strip())]
    script += [Speak("four thirty eight washington street"), Press("1"), *DESCRIBE_AND_SEND]
    result = gateway.call(script)

    number = reference_heard(result.transcript.heard())
    lane = attributes_received(gateway, number)["lane"]
    assert lane == [rambling.strip()[:ANSWER_LIMIT]]
    assert len(lane[0]) == ANSWER_LIMIT == 1000


def test_a_dumping_report_with_no_item_at_first_is_asked_again_and_filed_with_its_item(
    gateway: Gateway,
) -> None:
    """What was dumped is required: a caller who says no to every item hears the items once
    more, and the city receives the one they then said yes to (not a report it would refuse)."""
    no_to_every_item = [Press("2")] * 4  # furniture, a mattress, an appliance, bags
    script = [Silence(), Speak("illegal dumping"), *no_to_every_item]
    script += [Press("2"), Press("1"), Press("2"), Press("2")]  # the second pass: a mattress
    script += [Press("*"), Speak("four thirty eight washington street"), Press("1")]
    result = gateway.call([*script, *DESCRIBE_AND_SEND])

    heard = result.transcript.heard()
    again = "The city needs at least one of these to take your report. Here they are again."
    assert heard.count(again) == 1
    assert heard.count("What has been dumped? Is it furniture? Press 1 for yes, 2 for no.") == 2
    number = reference_heard(heard)
    assert published(gateway, number)["service_code"] == "15"
    assert attributes_received(gateway, number) == {"items": ["mattress"]}


def test_a_wrong_address_is_corrected_by_keypad_and_street_name(gateway: Gateway) -> None:
    script = [*PAVEMENT_DEFECT, Speak("four thirty eight washington street"), Press("2")]
    script += [Press("301#"), Speak("washington street"), Press("1"), *DESCRIBE_AND_SEND]
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert "Let's try again. Enter the house number, then press pound." in heard
    assert any(line.startswith("I heard three oh one Washington Street") for line in heard)
    request = published(gateway, reference_heard(heard))
    assert request["address"] == "301 Washington Street, Boston, MA 02135"


def test_an_ambiguous_street_number_is_settled_by_the_postal_code(gateway: Gateway) -> None:
    # 350 Washington Street exists in 02108, 02110 and 02135 in the sample gazetteer.
    script = [*PAVEMENT_DEFECT, Speak("three fifty washington street"), Press("02135")]
    result = gateway.call([*script, Press("1"), *DESCRIBE_AND_SEND])

    heard = result.transcript.heard()
    assert (
        "I heard three fifty Washington Street. That street is in more than one part of the "
        "city. Please enter the five digit ZIP code. If that is not your street, press star."
    ) in heard
    request = published(gateway, reference_heard(heard))
    assert request["address"] == "350 Washington Street, Boston, MA 02135"


def test_a_caller_who_hears_the_wrong_street_presses_star_and_keys_the_number(
    gateway: Gateway,
) -> None:
    # Misheard: the caller said 301, the gateway heard 350 (in three parts of the city).
    script = [*PAVEMENT_DEFECT, Speak("three fifty washington street"), Press("*")]
    script += [Press("301#"), Speak("washington street"), Press("1"), *DESCRIBE_AND_SEND]
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert "Let's try again. Enter the house number, then press pound." in heard
    request = published(gateway, reference_heard(heard))
    assert request["address"] == "301 Washington Street, Boston, MA 02135"


@pytest.mark.parametrize(
    ("answer", "last_words"),
    [
        # nobody answers: the report goes on without a confirmed place (the caller, silent,
        # hangs up at the description)
        ("no-answer", "After the tone, tell us what you see."),
        ("completed", "Please hold while I connect you with a person."),
    ],
)
def test_silence_twice_brings_a_person(gateway: Gateway, answer: str, last_words: str) -> None:
    before = len(gateway.requests_published())
    # silent twice at the address (the keypad), then twice at the house number (a person)
    silences = [Silence()] * 4
    result = gateway.call([*PAVEMENT_DEFECT, *silences, AnswerDial(answer)])

    heard = result.transcript.heard()
    assert heard.count("Sorry, I didn't hear anything.") == 2
    assert "Please hold while I connect you with a person." in heard
    assert any(line.startswith(last_words) for line in heard[-2:])  # then the tone, or music
    assert any("could not confirm the place" in line for line in heard) == (answer != "completed")
    dialled = [e for e in result.exchanges if e.params.get("DialCallStatus")]
    assert [e.params["DialCallStatus"] for e in dialled] == [answer]
    assert len(gateway.requests_published()) == before
    row = gateway.call_row(result.call_sid)
    # with a person the call ended there; without, the caller hung up during the report
    ending = "ended" if answer == "completed" else "abandoned"
    assert row is not None and row.status == ending


def test_with_no_operator_configured_the_caller_is_told_kindly(gateway: Gateway) -> None:
    url = str(gateway.sessions.kw["bind"].url.render_as_string(hide_password=False))
    with running_gateway(url) as unstaffed:
        result = unstaffed.call([*PAVEMENT_DEFECT, Press("0")])
    heard = result.transcript.heard()
    assert heard[-1] == (
        "Sorry, no one can take your call right now. Please call again later. Goodbye."
    )
    assert result.ended_by == "gateway"


SENT_UNANSWERED = "No one is free to take your call, so we will send your report as you gave it."
PLACE_AND_DESCRIPTION = [
    Speak("four thirty eight washington street"),
    Press("1"),
    Speak("a deep pothole by the curb"),
]


@pytest.mark.parametrize("answer", ["no-answer", "busy"])
def test_silence_at_the_final_confirm_sends_the_report_when_no_person_answers(
    gateway: Gateway, answer: str
) -> None:
    """A caller who gave the service, the place and the description, then says nothing at
    "to send your report, press 1" (twice), is put through to a person; when nobody answers,
    the report the caller gave reaches the city, and the caller hears that it was sent."""
    before = len(gateway.requests_published())
    script = [*PAVEMENT_DEFECT, *PLACE_AND_DESCRIPTION, Silence(), Silence(), AnswerDial(answer)]
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert sum(line.startswith("To send your report about") for line in heard) == 2
    assert "Please hold while I connect you with a person." in heard
    at = heard.index(SENT_UNANSWERED)
    assert "Thank you. Your report has been received." in heard[at:]
    assert heard[-1] == "Thank you for calling. Goodbye."
    assert len(gateway.requests_published()) == before + 1
    request = published(gateway, reference_heard(heard))
    assert request["service_code"] == "21"
    assert request["address"] == "438 Washington Street, Boston, MA 02135"
    row = gateway.call_row(result.call_sid)
    assert row is not None and row.status == "completed"


def test_a_person_who_answers_at_the_final_confirm_takes_the_call_and_nothing_is_sent(
    gateway: Gateway,
) -> None:
    """When a person answers, the caller is with them: nothing is filed behind their back."""
    before = len(gateway.requests_published())
    script = [*PAVEMENT_DEFECT, *PLACE_AND_DESCRIPTION, Silence(), Silence()]
    result = gateway.call([*script, AnswerDial("completed")])

    heard = result.transcript.heard()
    assert SENT_UNANSWERED not in heard
    assert heard[-1] == "Please hold while I connect you with a person."
    assert len(gateway.requests_published()) == before


def test_with_no_operator_silence_at_the_final_confirm_sends_the_report(gateway: Gateway) -> None:
    url = str(gateway.sessions.kw["bind"].url.render_as_string(hide_password=False))
    before = len(gateway.requests_published())
    with running_gateway(url) as unstaffed:
        result = unstaffed.call([*PAVEMENT_DEFECT, *PLACE_AND_DESCRIPTION, Silence(), Silence()])
    heard = result.transcript.heard()
    assert "Please hold while I connect you with a person." not in heard
    assert SENT_UNANSWERED in heard
    assert "Thank you. Your report has been received." in heard
    assert len(gateway.requests_published()) == before + 1


def test_a_spanish_caller_hears_spanish_and_the_report_is_filed(gateway: Gateway) -> None:
    script: list[Step] = [Press("9"), Press("2"), Press("2"), Press("1"), Press("*"), Press("*")]
    script += [Speak("no sé"), Press("438#"), Speak("washington street"), Press("1")]
    result = gateway.call([*script, Speak("un bache grande"), Press("1")])

    heard = result.transcript.heard()
    assert "¿Dónde está el problema? Por favor diga la dirección, por ejemplo 100 Main Street." in (
        heard
    )
    assert "Gracias. Su reporte fue recibido." in heard
    assert heard[-1] == "Gracias por llamar. Adiós."
    request = published(gateway, reference_heard(heard))
    assert request["service_code"] == "21"
    assert request["address"] == "438 Washington Street, Boston, MA 02135"


def test_a_caller_who_hangs_up_midway_files_nothing(gateway: Gateway) -> None:
    before = len(gateway.requests_published())
    script = [*PAVEMENT_DEFECT, Speak("four thirty eight washington street"), HangUp()]
    result = gateway.call(script)

    assert result.ended_by == "caller"
    assert len(gateway.requests_published()) == before
    assert gateway.reports_of(result.call_sid) == []
    row = gateway.call_row(result.call_sid)
    assert row is not None and row.status == "abandoned"
