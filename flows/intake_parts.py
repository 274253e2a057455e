"""The fixed parts of the generated intake: the welcome, and everything after the service's
questions (location, description, final confirm, submit, a person). Plain flow-document data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def welcome(languages: Sequence[str], *, then: str) -> dict[str, dict[str, Any]]:
    """A short welcome that offers the second language for a moment ("Para español, oprima
    nueve"); silence or any other key goes on in the first language."""
    prompt: list[Any] = ["intake.welcome", "common.operator_hint"]
    options = []
    for language in languages[1:2]:
        prompt.append({"key": "language.offer", "language": language})
        options.append({"key": "9", "words": ["spanish"], "language": language, "target": then})
    if not options:
        return {"welcome": {"type": "say", "prompt": prompt, "transitions": {"done": then}}}
    return {
        "welcome": {
            "type": "menu",
            "prompt": prompt,
            "timeout": 3,
            "options": options,
            "attempts": 1,
            "after_last_attempt": then,
            "transitions": {"no_input": then, "no_match": then},
        }
    }


def location_and_report(
    *, start: str, restart: str, operator: str, offline: bool = False
) -> dict[str, dict[str, Any]]:
    """Where is it (said, read back, confirmed; else house number by keypad and street by voice;
    an ambiguous street asks for the postal code), what is it (a recording, transcribed by a job),
    then a final confirm and the report.

    ``offline``: the gateway recognises speech itself (``IVR_RECOGNIZER`` pocketsphinx or vosk):
    the address and the street are short recordings transcribed by jobs (see
    :func:`_spoken_offline`), and the report waits a moment for the description's transcript.
    Otherwise they are ``<Gather input="speech">`` answers, recognised by Twilio."""
    states = _location_and_report(start=start, restart=restart, operator=operator)
    if offline:
        states.update(_spoken_offline(start, restart, operator))
    return states


def _spoken_offline(start: str, restart: str, operator: str) -> dict[str, dict[str, Any]]:
    """The address said into a short ``<Record>``: no tone (the question asks), one second of
    silence ends it (the caller hears the read-back soon after), at most ten seconds. After two
    silences, the keypad path. The street alone, after a keyed house number, likewise; and the
    report waits for the description's transcript (``await_description``) before it is filed."""
    short = {"type": "record", "max_length": 10, "timeout": 1, "play_beep": False}
    return {
        start: {
            **short,
            "prompt": "location.ask",
            "store_as": "location_words",
            "transcribe": True,
            "grammar": "streets",
            "attempts": 2,
            "after_last_attempt": "ask_house_number",
            "transitions": {"done": "find_location"},
        },
        "ask_street": {
            **short,
            "max_length": 8,
            "prompt": "location.street",
            "store_as": "street_words",
            "transcribe": True,
            "grammar": "street_names",
            "inputs": {"house_number": "house_number"},  # only streets with that number
            "attempts": 2,
            "after_last_attempt": operator,
            "transitions": {"done": "find_house"},
        },
        "confirm_report": {
            "type": "confirm",
            "prompt": "report.confirm",
            "attempts": 2,
            "after_last_attempt": operator,
            "transitions": {"yes": "await_description", "no": restart},
        },
        "await_description": {
            "type": "lookup",
            "behaviour": "await_transcripts",
            "inputs": {"slots": "description"},
            "transitions": {"done": "check_text", "failed": "check_text"},
        },
    }


def _location_and_report(*, start: str, restart: str, operator: str) -> dict[str, dict[str, Any]]:
    ask = {"attempts": 2, "after_last_attempt": operator}
    return {
        start: {
            "type": "ask_speech",
            "prompt": "location.ask",
            "store_as": "location_words",
            **ask,
            "transitions": {"done": "find_location"},
        },
        "find_location": {
            "type": "lookup",
            "behaviour": "resolve_address",
            "inputs": {"words": "location_words"},
            "transitions": {
                "done": "confirm_location",
                "ambiguous": "ask_postal_code",
                "failed": "ask_house_number",
            },
        },
        "confirm_location": {
            "type": "confirm",
            "prompt": "location.confirm",
            **ask,
            "transitions": {"yes": "start_duplicate_check", "no": "ask_house_number"},
        },
        "ask_house_number": {
            "type": "ask_digits",
            "prompt": "location.house_number",
            "store_as": "house_number",
            "finish_on_key": "#",
            "max_digits": 6,
            **ask,
            "transitions": {"done": "ask_street"},
        },
        "ask_street": {
            "type": "ask_speech",
            "prompt": "location.street",
            "store_as": "street_words",
            **ask,
            "transitions": {"done": "find_house"},
        },
        "find_house": {
            "type": "lookup",
            "behaviour": "resolve_address",
            "inputs": {"words": ["house_number", "street_words"]},
            "transitions": {
                "done": "confirm_location_again",
                "ambiguous": "ask_postal_code",
                "failed": operator,
            },
        },
        "ask_postal_code": {
            "type": "ask_digits",
            "prompt": "location.postal_code",  # names the street heard: it may be misheard
            "store_as": "postal_code",
            "num_digits": 5,
            "skip_key": "*",  # not my street: the house number by keys, the street said
            **ask,
            "transitions": {"done": "find_in_postal_code", "skip": "ask_house_number"},
        },
        "find_in_postal_code": {
            "type": "lookup",
            "behaviour": "resolve_address",
            "inputs": {"postal_code": "postal_code"},
            "transitions": {
                "done": "confirm_location_again",
                "ambiguous": operator,
                "failed": operator,
            },
        },
        "confirm_location_again": {
            "type": "confirm",
            "prompt": "location.confirm",
            **ask,
            "transitions": {"yes": "start_duplicate_check", "no": operator},
        },
        "start_duplicate_check": {
            "type": "lookup",
            "behaviour": "start_duplicate_check",
            "transitions": {"done": "ask_description"},
        },
        "ask_description": {
            "type": "record",
            "prompt": "description.ask",
            "store_as": "description",
            "max_length": 60,
            "transcribe": True,
            "attempts": 2,
            "after_last_attempt": "find_duplicates",  # a report without a description is fine
            "transitions": {"done": "find_duplicates"},
        },
        **duplicate_offer(then="confirm_report"),
        "confirm_report": {
            "type": "confirm",
            "prompt": "report.confirm",
            **ask,
            "transitions": {"yes": "check_text", "no": restart},
        },
        **text_offer(then="submit"),
        "submit": {"type": "submit", "transitions": {"done": "goodbye"}},
        "goodbye": {"type": "hangup", "prompt": ["report.received", "common.goodbye"]},
        operator: {
            "type": "transfer",
            "target": "operator",
            "prompt": "common.transfer",
            "transitions": {"failed": "nobody_free"},
        },
        "nobody_free": {"type": "hangup", "prompt": "common.transfer_failed"},
    }


def duplicate_offer(*, then: str) -> dict[str, dict[str, Any]]:
    """An open request of the same service near the confirmed place (looked for while the
    caller described the problem) is offered to the caller: 1 adds their voice to it ("me
    too", recorded in the ``duplicate_choice`` slot), 2 files a new one. Either way the report
    goes on; a city that cannot be reached skips the offer."""
    choices = [("1", "me_too", "me_too"), ("2", "new", "new_report")]
    return {
        "find_duplicates": {
            "type": "lookup",
            "behaviour": "find_duplicates",
            "transitions": {"found": "offer_duplicate", "none": then, "failed": then},
        },
        "offer_duplicate": {
            "type": "menu",
            "prompt": "duplicate.offer",
            "store_as": "duplicate_choice",
            "options": [
                {"key": key, "value": value, "words": [words], "target": then}
                for key, value, words in choices
            ],
            "attempts": 2,
            "after_last_attempt": then,
        },
    }


def text_offer(*, then: str) -> dict[str, dict[str, Any]]:
    """A text message with the reference number, offered only when the gateway sends texts and
    the caller's number can receive one; the answer is the ``text_consent`` slot."""
    return {
        "check_text": {
            "type": "lookup",
            "behaviour": "offer_text",
            "transitions": {"ask": "offer_text", "skip": then},
        },
        "offer_text": {
            "type": "menu",
            "prompt": "text.offer",
            "store_as": "text_consent",
            "options": [
                {"key": "1", "value": "yes", "words": ["yes"], "target": then},
                {"key": "2", "value": "no", "words": ["no"], "target": then},
            ],
            "attempts": 2,
            "after_last_attempt": then,
        },
    }


STATUS_OPTION_KEY = "*"


def status_option(*, target: str) -> dict[str, Any]:
    """The main menu's way to status by phone: star (free on a main menu's first page, which
    has no "back"), or the words of the ``status`` list."""
    return {
        "key": STATUS_OPTION_KEY,
        "target": target,
        "words": ["status"],
        "prompt": "status.offer",
    }


def status_by_phone(*, start: str, main_menu: str, operator: str) -> dict[str, dict[str, Any]]:
    """The caller keys in a reference number (pound to finish), the city is asked (a job), and
    the caller hears the status, the notes and when it last changed; then another number, the
    main menu, or goodbye."""
    ask = {"attempts": 2, "after_last_attempt": operator}
    told = {"type": "say", "transitions": {"done": "status_next"}}
    return {
        start: {
            "type": "ask_digits",
            "prompt": "status.ask_reference",
            "store_as": "reference",
            "finish_on_key": "#",
            "max_digits": 20,
            "timeout": 8,
            **ask,
            "transitions": {"done": "find_status"},
        },
        "find_status": {
            "type": "lookup",
            "behaviour": "request_status",
            "inputs": {"reference": "reference"},
            "transitions": {
                "found": "status_found",
                "received": "status_received",
                "unknown": "status_unknown",
                "failed": "status_unreachable",
            },
        },
        "status_found": {**told, "prompt": "status.found"},
        "status_received": {**told, "prompt": "status.received"},
        "status_unknown": {**told, "prompt": "status.unknown"},
        "status_unreachable": {**told, "prompt": "status.unreachable"},
        "status_next": {
            "type": "menu",
            "prompt": "status.next",
            "options": [
                {"key": "1", "words": ["another"], "target": start},
                {"key": "2", "words": ["main_menu"], "target": main_menu},
                {"key": "3", "words": ["goodbye"], "target": "status_goodbye"},
            ],
            "attempts": 2,
            "after_last_attempt": "status_goodbye",
        },
        "status_goodbye": {"type": "hangup", "prompt": "common.goodbye"},
    }
