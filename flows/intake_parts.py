"""The fixed parts of the generated intake: the welcome, the fragments it includes (the
recording notice, the location and a person), and the report (description, final confirm,
submit). Plain flow-document data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

REPORT = "start_duplicate_check"  # the report's first state, where a confirmed place leads
STATUS_ASKS = 5  # reference numbers one call may ask about before the line says goodbye
RECORDING_NOTICE = "recording_notice"  # flows/fragments/recording_notice.yaml: after the welcome


WELCOMED = "welcomed"  # the welcome again, in the language the caller just chose


def welcome(languages: Sequence[str], *, then: str) -> dict[str, dict[str, Any]]:
    """A short welcome that offers the second language for a moment ("Para español, oprima
    nueve"); silence or any other key goes on in the first language. A caller who takes the
    offer hears the welcome and the way to a person again, in their language (``welcomed``),
    since they were first said in the first language."""
    prompt: list[Any] = ["intake.welcome", "common.operator_hint"]
    options = language_options(languages, target=WELCOMED, key="9")
    for option in options:
        prompt.append({"key": "language.offer", "language": option["language"]})
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
        },
        WELCOMED: {"type": "say", "prompt": prompt[:2], "transitions": {"done": then}},
    }


def language_options(
    languages: Sequence[str], *, target: str, key: str | None = None
) -> list[dict[str, Any]]:
    """The option that switches the call to the second language (its catalogue's ``spanish``
    words, and ``key`` when given) and goes to ``target``; none for a one-language flow."""
    options = []
    for language in languages[1:2]:
        option: dict[str, Any] = {"words": ["spanish"], "language": language, "target": target}
        options.append({"key": key, **option} if key else option)
    return options


def includes(
    *, location: str, operator: str, offline: bool, after_notice: str
) -> list[dict[str, Any]]:
    """The fragments the intake shares with hand-written flows: the recording notice
    (``flows/fragments/recording_notice.yaml``, entered after the welcome, in the caller's
    language, leading to ``after_notice``), the location sub-flow
    (``flows/fragments/location.yaml``, starting at ``location``, leading to the report once
    the place is confirmed) and the person (``flows/fragments/person.yaml``).

    ``offline``: the gateway recognises speech itself (``IVR_RECOGNIZER`` whisper, pocketsphinx
    or vosk): the address and the street are short recordings transcribed by jobs. Otherwise
    they are
    ``<Gather input="speech">`` answers, recognised by Twilio."""
    values = {"start": location, "confirmed": REPORT, "offline": offline}
    return [
        {"fragment": "recording_notice", "with": {"then": after_notice}},
        {"fragment": "location", "with": values},
        {"fragment": "person", "with": {"operator": operator}},
    ]


def report(*, restart: str, offline: bool = False) -> dict[str, dict[str, Any]]:
    """What is it (a recording, transcribed by a job; an open request nearby is offered), then
    a final confirm, a text message offered, and the report filed. ``offline``: the report
    waits a moment for the description's transcript (``await_description``) before it is
    filed, as the gateway's own recogniser may still be at work.

    A caller who answers the final confirm with neither key twice (silence, a keypad that
    sends nothing, other keys) is put through to a person; when nobody can be reached, the
    report is sent as they gave it (``send_unanswered``) rather than lost: they gave a
    service, a place and a description, and never asked to start over."""
    confirmed = "await_description" if offline else "check_text"
    states: dict[str, dict[str, Any]] = {
        REPORT: {
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
            "attempts": 2,
            "after_last_attempt": "confirm_report_person",
            "transitions": {"yes": confirmed, "no": restart},
        },
        "confirm_report_person": {
            "type": "transfer",
            "target": "operator",
            "prompt": "common.transfer",
            "transitions": {"failed": "send_unanswered"},
        },
        "send_unanswered": {
            "type": "say",
            "prompt": "report.sent_unanswered",
            "transitions": {"done": confirmed},
        },
        **text_offer(then="submit"),
        "submit": {"type": "submit", "transitions": {"done": "goodbye"}},
        "goodbye": {"type": "hangup", "prompt": ["report.received", "common.goodbye"]},
    }
    if offline:
        states["await_description"] = {
            "type": "lookup",
            "behaviour": "await_transcripts",
            "inputs": {"slots": "description"},
            "transitions": {"done": "check_text", "failed": "check_text"},
        }
    return states


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
            "max_visits": STATUS_ASKS,
            "after_max_visits": "status_goodbye",
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
