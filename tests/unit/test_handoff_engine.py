"""Staff hand callers into the flow and the flow hands them back: the pure engine's part, the
whisper an agent hears, and the checks on what an agent filled in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from flows.catalogue import Catalogue, load_catalogues
from flows.generate import intake_flow
from flows.model import Flow
from ivr.dialog.actions import Dial, Enqueue
from ivr.dialog.context import TransferTarget
from ivr.dialog.engine import start_call
from ivr.dialog.events import Event
from ivr.dialog.staff import StaffLink
from ivr.dialog.state import CallState, Location
from ivr.handoff.parts import PrefillError, checked_prefill, parts_of
from ivr.handoff.whisper import whisper_text
from ivr.open311.catalogue import load_service_catalogue
from ivr.settings import Settings
from tests.unit.call_driver import OPERATOR_NUMBER, Call, FakeResolver, place

AT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
BACK = {"service_code": "25", "return_at": ["ask_description"], "agent": "ann", "handoff": "t1"}


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalogue]:
    return load_catalogues()


@pytest.fixture(scope="module")
def intake() -> Flow:
    return intake_flow(load_service_catalogue(Settings().services_path).services, {})


def _resolver() -> FakeResolver:
    resolver = FakeResolver()
    resolver.knows("438 washington street", place("438", "Washington Street", "02135"))
    return resolver


def test_a_live_handoff_takes_the_address_and_returns_the_caller_to_staff(
    intake: Flow, catalogues
) -> None:
    call = Call(intake, catalogues, resolver=_resolver())
    call.start()
    call.silence()
    call.press("0")
    assert isinstance(call.actions[-1], Dial)
    assert call.state.staff is not None and call.state.staff.status == "to staff"

    call.send(Event.resume("ask_location", BACK, at=AT))
    assert call.heard() == [call.text("location.ask")]
    assert call.state.service_code == "25" and call.state.staff.status == "in flow"
    call.say("438 washington street")
    heard = call.press("1")

    assert heard == [call.text("common.transfer")]  # not the description: back to staff
    assert call.actions[-1] == Dial(step=call.state.step, number=OPERATOR_NUMBER, timeout=20)
    link = call.state.staff
    assert link is not None and link.part_done and link.status == "to staff"
    assert (link.agent, link.handoff, link.target) == ("ann", "t1", "ask_location")
    assert call.state.location is not None and call.state.location.house_number == "438"
    assert "back to staff" in call.state.history[-1].result


def test_a_code_handoff_starts_a_new_call_at_the_target_in_the_agents_language(
    intake: Flow, catalogues
) -> None:
    call = Call(intake, catalogues, transfers={"operator": TransferTarget(queue="staff")})
    call.send(Event.resume("main_menu", {"language": "es", "agent": "bo"}, at=AT))
    assert call.state.language == "es" and call.state.current == "main_menu"
    assert call.heard()[0] == call.text("intake.choose_group", "es")
    call.press("0")
    assert call.actions[-1] == Enqueue(step=call.state.step, queue="staff")
    assert call.state.staff is not None and call.state.staff.via == "staff"


def test_the_staff_link_round_trips_through_json(intake: Flow, catalogues) -> None:
    call = Call(intake, catalogues)
    call.send(Event.resume("ask_location", BACK, at=AT))
    again = CallState.from_dict(call.state.to_dict())
    assert again == call.state
    assert again.staff is not None and again.staff.return_at == ("ask_description",)


def test_the_whisper_says_service_address_and_language() -> None:
    bare = CallState(call_sid="CA1", flow="intake", current="main_menu", language="en")
    assert whisper_text(bare) == "311 caller about no service chosen yet. No address yet."
    back = replace(
        bare,
        service_name="sidewalk defect",
        language="es",
        location=Location(outcome="done", spoken="four thirty eight Washington Street"),
        staff=StaffLink(status="to staff", part_done=True),
    )
    assert whisper_text(back) == (
        "Your caller is back from the automated line. 311 caller about sidewalk defect. "
        "Address: four thirty eight Washington Street. The caller speaks Spanish."
    )
    assert whisper_text(None) == "A caller from the 311 line."


def test_parts_and_prefill_are_checked_against_the_flow(intake: Flow) -> None:
    assert [p.state for p in parts_of(intake)][:2] == ["ask_location", "ask_description"]
    prefill = checked_prefill(intake, ("en", "es"), {"service_code": "25", "language": "es"})
    assert prefill == {"slots": {}, "service_code": "25", "language": "es"}
    assert checked_prefill(intake, ("en",), {"location_words": "438 washington"})["slots"] == {
        "location_words": "438 washington"
    }
    for bad, field in (({"language": "fr"}, "language"), ({"colour": "red"}, "colour")):
        with pytest.raises(PrefillError, match=field):
            checked_prefill(intake, ("en", "es"), bad)


def test_a_new_call_state_has_no_staff_link(intake: Flow) -> None:
    assert start_call(intake, "CA9").staff is None
