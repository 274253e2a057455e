"""Log lines never carry a caller's personal data."""

from __future__ import annotations

import json
import logging
import logging.config
import random
from collections.abc import Iterator

import httpx
import pytest

from ivr.logs import (
    JsonFormatter,
    about_call,
    configure,
    dict_config,
    mask_phone_numbers,
    request_id,
)


def _format(message: str, *args: object, **extra: object) -> dict[str, object]:
    record = logging.makeLogRecord(
        {"name": "t", "levelname": "INFO", "msg": message, "args": args, **extra}
    )
    return json.loads(JsonFormatter().format(record))


def test_personal_fields_are_redacted_whatever_their_value() -> None:
    entry = _format("call started", caller_number="+16175550123", transcript="my address is")
    assert entry["caller_number"] == "[redacted]"
    assert entry["transcript"] == "[redacted]"
    assert "6175550123" not in json.dumps(entry)


def test_a_phone_number_in_a_message_is_masked() -> None:
    entry = _format("caller %s asked for help", "+1 (617) 555-0123")
    assert "555" not in str(entry["message"])
    assert "[number]" in str(entry["message"])


def test_ordinary_facts_stay() -> None:
    entry = _format("report filed", outbox_id=42, has_id=True)
    assert entry["outbox_id"] == 42
    assert entry["has_id"] is True


def test_times_and_small_numbers_are_not_mistaken_for_phone_numbers() -> None:
    entry = _format("retry at 2026-11-23 10:00:05 after 1234 ms")
    assert entry["message"] == "retry at 2026-11-23 10:00:05 after 1234 ms"


def test_twilio_sids_are_never_masked() -> None:
    rng = random.Random(13)
    altered = []
    for _ in range(10_000):
        sid = rng.choice(["CA", "AC", "RE"]) + "".join(rng.choices("0123456789abcdef", k=32))
        line = f"call {sid} ended; account={sid},{sid}."
        if mask_phone_numbers(line) != line:
            altered.append(sid)
    assert altered == []


@pytest.mark.parametrize(
    "written",
    [
        "+16175550100",
        "(617) 555-0100",
        "617.555.0100",
        "617 555 0100",
        "1-617-555-0100",
        "+1 (617) 555-0100",
        "6175550100",
        "%2B16175550100",
    ],
)
def test_a_phone_number_is_masked_however_it_is_written(written: str) -> None:
    masked = mask_phone_numbers(f"caller {written} asked; ({written}), From={written}&x")
    assert "555" not in masked
    assert masked.count("[number]") == 3


def test_a_port_and_a_process_id_are_not_a_phone_number() -> None:
    line = "Listening at: http://127.0.0.1:18711 (28254)"
    assert mask_phone_numbers(line) == line


def test_a_line_says_which_request_and_call_it_was_written_for() -> None:
    token = request_id.set("req-7")
    try:
        with about_call("CA" + "0123456789abcdef" * 2):
            inside = _format("step answered")
        after = _format("step answered")
    finally:
        request_id.reset(token)
    assert inside["request_id"] == "req-7"
    assert inside["call_sid"] == "CA" + "0123456789abcdef" * 2
    assert after["request_id"] == "req-7"
    assert "call_sid" not in after
    assert "request_id" not in _format("outside any request")


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """The logging set up as it was before the test (the gateway's setup changes the root's
    handlers and level, and some loggers' levels, for the whole process)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "ivr.test")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in named.items():
        logging.getLogger(name).setLevel(was)
    logging.captureWarnings(False)


@pytest.mark.parametrize("configured", ["configure", "dict_config"])
@pytest.mark.usefixtures("logging_restored")
def test_no_line_names_a_url_the_gateway_fetched(
    configured: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """httpx writes each request's URL at INFO: a recording's, a geocoder's query with the
    caller's address in it. Neither reaches the log, set up either way the gateway sets it."""
    if configured == "configure":
        configure("INFO")
    else:
        logging.config.dictConfig(dict_config("INFO"))
    asked = "https://geocoder.example/search?q=438+Washington+Street&format=json"
    with httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(200))) as client:
        client.get(asked)
        client.get("https://api.twilio.example/Accounts/AC1/Recordings/RE1234.wav")
    logging.getLogger("ivr.test").info("written after")
    written = capsys.readouterr().err
    assert "written after" in written
    assert "Washington" not in written and "RE1234" not in written
