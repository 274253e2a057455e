"""Actions rendered as TwiML: the XML Twilio would receive, parsed and asserted."""

from __future__ import annotations

import dataclasses
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring

from flows.catalogue import Catalogue, load_catalogues
from flows.generate import intake_flow
from flows.loader import load_flow, shipped_flow_paths
from flows.model import INPUT_TYPES, Flow
from ivr.dialog.actions import Dial, Enqueue, Gather, Hangup, Pause, Record, Redirect, Say
from ivr.dialog.events import Event
from ivr.handoff.queue_wait import PROMPT, next_round
from ivr.open311.catalogue import load_service_catalogue
from ivr.settings import Settings
from ivr.webhooks.twiml import RenderedTwiml, RenderError, render_queue_wait, render_twiml
from tests.unit.call_driver import Call, FakeResolver, place


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalogue]:
    return load_catalogues()


def urls(event: str, step: int) -> str:
    return f"https://gw.example/voice/CA1/{step}/{event}"


def twiml(actions, catalogues) -> Element:
    root: Element = fromstring(render_twiml(actions, catalogues=catalogues, urls=urls))
    assert root.tag == "Response"
    return root


def every_flow() -> list[Flow]:
    services = load_service_catalogue(Settings().services_path)
    definitions = {d.service_code: d for d in services.definitions}
    flows = [intake_flow(services.services, definitions)]
    return flows + [load_flow(path) for path in shipped_flow_paths()]


def _entered(flow: Flow, name: str, catalogues, language: str) -> Call:
    resolver = FakeResolver()
    resolver.knows("1 main street", place("1", "Main Street"))
    call = Call(flow, catalogues, resolver=resolver)
    call.start()
    if language != flow.languages[0]:
        call.state = dataclasses.replace(call.state, language=language)
    call.send(Event.resume(name))
    return call


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_gather_and_record_is_followed_by_its_silence_handling(catalogues, language):
    checked = 0
    for flow in every_flow():
        for name, state in flow.states.items():
            if state.type not in INPUT_TYPES:
                continue
            call = _entered(flow, name, catalogues, language)
            verbs = list(twiml(call.actions, catalogues))
            waits = [i for i, v in enumerate(verbs) if v.tag in ("Gather", "Record")]
            assert len(waits) == 1, f"{flow.name}.{name}"
            wait = verbs[waits[0]]
            after = verbs[waits[0] + 1]
            step = call.state.step
            assert after.tag == "Redirect", f"{flow.name}.{name}"
            assert after.text == urls("no_input", step)
            assert after.get("method") == "POST"
            expected = "gather" if wait.tag == "Gather" else "recording"
            assert wait.get("action") == urls(expected, step)
            checked += 1
    assert checked > 30


def test_say_and_gather_carry_the_language_of_the_call(catalogues):
    actions = [
        Gather(
            step=3,
            language="es",
            prompts=(Say("intake.choose_group", language="es"), Say("language.offer", (), "es")),
            hints=("grafiti", "basura"),
            num_digits=1,
        ),
        Redirect(step=3, event="no_input"),
    ]
    root = twiml(actions, catalogues)
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("language") == "es-MX"
    assert gather.get("input") == "dtmf speech"
    assert gather.get("numDigits") == "1"
    assert gather.get("hints") == "grafiti, basura"
    says = gather.findall("Say")
    assert [s.get("language") for s in says] == ["es-MX", "es-MX"]
    assert says[0].text == "¿De qué se trata el problema?"


def test_the_welcome_offers_spanish_in_a_spanish_voice(catalogues):
    flow = every_flow()[0]
    call = Call(flow, catalogues)
    call.start()
    says = twiml(call.actions, catalogues).findall("Gather/Say")
    assert says[0].get("language") == "en-US"
    assert says[-1].get("language") == "es-MX"
    assert says[-1].text == "Para español, oprima nueve."


def test_values_are_filled_and_escaped(catalogues):
    say = Say("location.confirm", (("address", "Fish & Chips Alley <1>"),), "en")
    root = twiml([say], catalogues)
    element = root.find("Say")
    assert element is not None
    assert element.text == (
        "I heard Fish & Chips Alley <1>. Press 1 if that is right, 2 to try again."
    )
    assert element.get("language") == "en-US"


def test_dial_posts_its_outcome_back_for_its_step(catalogues):
    root = twiml(
        [Say("common.transfer"), Dial(step=7, number="+15555550100", timeout=25)], catalogues
    )
    dial = root.find("Dial")
    assert dial is not None
    number = dial.find("Number")
    assert number is not None and number.text == "+15555550100"
    assert number.get("url") == urls("whisper", 7)  # the person who answers hears the whisper
    assert dial.get("action") == urls("dial", 7)
    assert dial.get("method") == "POST"
    assert dial.get("timeout") == "25"


def test_enqueue_posts_its_outcome_back(catalogues):
    root = twiml([Enqueue(step=2, queue="311 staff")], catalogues)
    enqueue = root.find("Enqueue")
    assert enqueue is not None and enqueue.text == "311 staff"
    assert enqueue.get("action") == urls("dial", 2)
    # Without a waitUrl Twilio plays its own hold music with no end but the call's 4 hours.
    assert enqueue.get("waitUrl") == urls("queue_wait", 2)
    assert enqueue.get("waitUrlMethod") == "POST"


@pytest.mark.parametrize(
    ("waited", "heard", "leaves"),
    [
        (0, ["pause 20", "Thank you for waiting."], False),  # a whole round fits in 60 s
        (30, ["pause 20", "Thank you for waiting."], False),  # 30 + 20 + 7 s < 60
        (40, ["pause 20"], True),  # the rest of the wait is silence, then out of the queue
        (59, ["pause 1"], True),
        (75, [], True),  # Twilio was late to ask: out at once
    ],
)
def test_a_queued_caller_waits_rounds_until_the_limit_then_leaves_the_queue(
    catalogues, waited, heard, leaves
):
    text = catalogues["en"].text(PROMPT, {})
    turn = next_round(waited, 60, "en", text)
    root = fromstring(render_queue_wait(turn.prompts, leave=turn.leave, catalogues=catalogues))
    said = [
        f"pause {verb.get('length')}" if verb.tag == "Pause" else (verb.text or "")[:22]
        for verb in root
        if verb.tag != "Leave"
    ]
    assert said == heard
    assert (root[-1].tag == "Leave") is leaves and turn.leave is leaves


def test_a_spanish_caller_waiting_in_the_queue_is_asked_to_hold_in_spanish(catalogues):
    turn = next_round(0, 300, "es", catalogues["es"].text(PROMPT, {}))
    root = fromstring(render_queue_wait(turn.prompts, leave=turn.leave, catalogues=catalogues))
    say = root.find("Say")
    assert say is not None and say.get("language") == "es-MX"
    assert (say.text or "").startswith("Gracias por esperar.")


def test_record_reports_its_recording_and_its_status(catalogues):
    root = twiml([Record(step=4, max_length=45), Redirect(step=4, event="no_input")], catalogues)
    record = root.find("Record")
    assert record is not None
    assert record.get("action") == urls("recording", 4)
    assert record.get("maxLength") == "45"
    assert record.get("finishOnKey") == "#"
    assert record.get("playBeep") == "true"
    assert record.get("recordingStatusCallback") == urls("recording_status", 4)
    assert [v.tag for v in root] == ["Record", "Redirect"]


def test_waiting_pause_redirect_and_hangup(catalogues):
    root = twiml(
        [Say("common.wait"), Pause(seconds=2), Redirect(step=5, event="redirect"), Hangup()],
        catalogues,
    )
    assert [v.tag for v in root] == ["Say", "Pause", "Redirect", "Hangup"]
    assert root[1].get("length") == "2"
    assert root[2].text == urls("redirect", 5)


def test_menus_take_one_key_and_questions_of_digits_end_with_pound(catalogues):
    flow = every_flow()[0]
    menu = twiml(_entered(flow, "main_menu", catalogues, "en").actions, catalogues)
    gather = menu.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert gather.get("finishOnKey") == ""
    digits = twiml(_entered(flow, "ask_house_number", catalogues, "en").actions, catalogues)
    gather = digits.find("Gather")
    assert gather is not None and gather.get("finishOnKey") == "#"
    assert gather.get("numDigits") is None


def test_an_unknown_prompt_is_an_error_not_silence(catalogues):
    with pytest.raises(RenderError, match=r"no\.such\.prompt"):
        render_twiml([Say("no.such.prompt")], catalogues=catalogues, urls=urls)


class CountedUrls:
    """Step URLs under a base, counting how often a document asked for one (a render)."""

    def __init__(self, base: str) -> None:
        self.base, self.asked = base, 0

    def __call__(self, event: str, step: int) -> str:
        self.asked += 1
        return f"{self.base}/voice/step/{step}/{event}"


OPTION = Say("menu.option", values=(("name", "Potholes"), ("key", "1")))  # the flow's words
MENU = (
    Gather(step=3, input=("dtmf",), num_digits=1, prompts=(Say("common.wait"), OPTION)),
    Redirect(step=3, event="no_input"),
)


def test_a_document_every_caller_hears_alike_is_rendered_once(catalogues):
    kept = RenderedTwiml(catalogues)
    urls = CountedUrls("https://gw.example")
    first = kept.render(MENU, urls, urls.base)
    assert first == render_twiml(MENU, catalogues=catalogues, urls=CountedUrls(urls.base))
    asked = urls.asked
    assert kept.render(MENU, urls, urls.base) == first
    assert urls.asked == asked  # the second caller's document was not rendered again
    other = CountedUrls("https://other.example")
    assert "https://other.example/voice/step/3/gather" in kept.render(MENU, other, other.base)


def test_a_document_with_a_callers_own_words_is_rendered_every_time(catalogues):
    read_back = Say("location.confirm", values=(("address", "438 Washington Street"),))
    kept = RenderedTwiml(catalogues)
    for actions in (
        (Gather(step=5, input=("dtmf",), prompts=(read_back,)), Redirect(5, "no_input")),
        (read_back, Redirect(step=5, event="redirect")),
        (Dial(step=6, number="+16175550100"),),
    ):
        urls = CountedUrls("https://gw.example")
        kept.render(actions, urls, urls.base)
        asked = urls.asked
        document = kept.render(actions, urls, urls.base)
        assert urls.asked == 2 * asked  # rendered again: nothing of it was kept
        assert document == render_twiml(actions, catalogues=catalogues, urls=urls)
    assert kept.kept == 0


def test_the_kept_documents_are_bounded(catalogues):
    kept = RenderedTwiml(catalogues, size=3)
    urls = CountedUrls("https://gw.example")
    for step in range(10):
        kept.render((Redirect(step=step, event="redirect"),), urls, urls.base)
        assert kept.kept <= 3
    assert kept.kept == 1  # emptied when full, then filled again
