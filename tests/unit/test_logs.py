"""Log lines never carry a caller's personal data."""

from __future__ import annotations

import json
import logging

from ivr.logs import JsonFormatter


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
