"""TwiML is read as Twilio reads it: its verbs, its defaults, and what it refuses."""

from __future__ import annotations

import pytest

from ivr.simulator.twiml_reader import (
    Dial,
    DialTarget,
    Enqueue,
    Gather,
    Hangup,
    Pause,
    Play,
    Record,
    Redirect,
    Reject,
    Say,
    TwimlError,
    read_twiml,
)


def only(xml: str) -> object:
    document = read_twiml(f'<?xml version="1.0" encoding="UTF-8"?><Response>{xml}</Response>')
    assert len(document.verbs) == 1
    return document.verbs[0]


def test_say_keeps_its_words_voice_and_language_and_reads_through_ssml() -> None:
    verb = only(
        '<Say voice="Polly.Joanna" language="es-US" loop="2">Hola, <break time="1s"/>'
        "<emphasis>bienvenido</emphasis>   al 311</Say>"
    )
    assert verb == Say(
        text="Hola, bienvenido al 311", voice="Polly.Joanna", language="es-US", loop=2
    )


def test_play_takes_a_url_or_digits() -> None:
    assert only('<Play loop="3">https://example.org/hold.mp3</Play>') == Play(
        url="https://example.org/hold.mp3", loop=3
    )
    assert only('<Play digits="ww1234#"/>') == Play(digits="ww1234#")


def test_a_gather_without_attributes_gets_twilios_defaults() -> None:
    assert only("<Gather/>") == Gather(
        action=None,
        method="POST",
        input=frozenset({"dtmf"}),
        num_digits=None,
        finish_on_key="#",
        timeout=5,
        action_on_empty_result=False,
        prompts=(),
    )


def test_a_gather_keeps_its_attributes_and_nested_prompts() -> None:
    verb = only(
        '<Gather action="menu?step=2" method="GET" input="dtmf speech" numDigits="1" '
        'finishOnKey="" timeout="7" speechTimeout="auto" hints="pothole, graffiti" '
        'language="en-GB" actionOnEmptyResult="true">'
        '<Say>Press 1</Say><Pause length="2"/><Play>/beep.wav</Play></Gather>'
    )
    assert isinstance(verb, Gather)
    assert verb.action == "menu?step=2"
    assert verb.method == "GET"
    assert verb.input == {"dtmf", "speech"}
    assert (verb.num_digits, verb.finish_on_key, verb.timeout) == (1, "", 7)
    assert (verb.speech_timeout, verb.hints, verb.language) == (
        "auto",
        "pothole, graffiti",
        "en-GB",
    )
    assert verb.action_on_empty_result is True
    assert verb.prompts == (Say(text="Press 1"), Pause(length=2), Play(url="/beep.wav"))


def test_record_defaults_follow_twilio() -> None:
    verb = only("<Record/>")
    assert verb == Record()
    assert (verb.timeout, verb.finish_on_key, verb.max_length, verb.play_beep) == (
        5,
        "1234567890*#",
        3600,
        True,
    )
    assert verb.recording_status_callback_event == {"completed"}


def test_record_reads_its_callback_attributes() -> None:
    verb = only(
        '<Record action="/rec" maxLength="30" playBeep="false" trim="do-not-trim" '
        'finishOnKey="#" recordingStatusCallback="/status" recordingStatusCallbackMethod="GET" '
        'recordingStatusCallbackEvent="in-progress completed absent"/>'
    )
    assert verb == Record(
        action="/rec",
        max_length=30,
        play_beep=False,
        trim="do-not-trim",
        finish_on_key="#",
        recording_status_callback="/status",
        recording_status_callback_method="GET",
        recording_status_callback_event=frozenset({"in-progress", "completed", "absent"}),
    )


def test_dial_takes_a_bare_number_or_nouns() -> None:
    assert only('<Dial timeout="10" action="/after">+16175550100</Dial>') == Dial(
        targets=(DialTarget("number", "+16175550100"),), action="/after", timeout=10
    )
    verb = only(
        "<Dial><Number>+16175550100</Number><Client>agent7</Client><Queue>311</Queue></Dial>"
    )
    assert isinstance(verb, Dial)
    assert [target.kind for target in verb.targets] == ["number", "client", "queue"]


def test_number_and_queue_nouns_keep_their_url_and_method() -> None:
    verb = only('<Dial><Number url="/whisper/CA1" method="GET">+16175550100</Number></Dial>')
    assert isinstance(verb, Dial)
    assert verb.targets == (DialTarget("number", "+16175550100", "/whisper/CA1", "GET"),)
    queued = only('<Dial><Queue url="/dequeued">staff</Queue></Dial>')
    assert isinstance(queued, Dial)
    assert queued.targets == (DialTarget("queue", "staff", "/dequeued", "POST"),)
    with pytest.raises(TwimlError, match="no attribute 'whisper'"):
        only('<Dial><Queue whisper="/x">staff</Queue></Dial>')


def test_enqueue_redirect_hangup_and_reject() -> None:
    assert only('<Enqueue waitUrl="/hold" action="/left">support</Enqueue>') == Enqueue(
        queue="support", wait_url="/hold", action="/left"
    )
    assert only('<Redirect method="GET">../start</Redirect>') == Redirect("../start", "GET")
    assert only("<Hangup/>") == Hangup()
    assert only('<Reject reason="busy"/>') == Reject("busy")


def test_verbs_come_back_in_document_order() -> None:
    document = read_twiml("<Response><Say>a</Say><Pause/><Hangup/></Response>")
    assert document.verbs == (Say(text="a"), Pause(length=1), Hangup())


@pytest.mark.parametrize(
    ("xml", "named"),
    [
        ('<Gather numDigits="zero"/>', "numDigits"),
        ('<Gather numDigits="0"/>', "numDigits"),
        ('<Gather finishOnKey="##"/>', "finishOnKey"),
        ('<Gather input="voice"/>', "input"),
        ('<Gather method="PUT"/>', "method"),
        ('<Gather actionOnEmptyResult="yes"/>', "actionOnEmptyResult"),
        ('<Gather timeot="5"/>', "timeot"),
        ("<Gather><Record/></Gather>", "Record"),
        ('<Record finishOnKey="a"/>', "finishOnKey"),
        ('<Record recordingStatusCallbackEvent="done"/>', "recordingStatusCallbackEvent"),
        ('<Pause length="-1"/>', "length"),
        ('<Reject reason="later"/>', "reason"),
        ("<Redirect/>", "Redirect"),
        ("<Dial/>", "Dial"),
        ("<Dial><Say>hi</Say></Dial>", "Say"),
        ("<Enqueue/>", "Enqueue"),
        ("<Play/>", "Play"),
        ("<Speak>hello</Speak>", "Speak"),
        ("<Connect/>", "Connect"),
    ],
)
def test_a_mistake_is_refused_with_the_verb_and_attribute_named(xml: str, named: str) -> None:
    with pytest.raises(TwimlError, match=named):
        read_twiml(f"<Response>{xml}</Response>")


def test_a_document_that_is_not_twiml_is_refused() -> None:
    with pytest.raises(TwimlError, match="Response"):
        read_twiml("<html><body>Not found</body></html>")
    with pytest.raises(TwimlError, match="parse failure"):
        read_twiml("<Response><Say>unclosed</Response>")


def test_entities_are_not_expanded() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><Response><Say>&b;</Say></Response>'
    )
    with pytest.raises(TwimlError):
        read_twiml(bomb)
