"""Logging for the gateway: one JSON object per line, with personal data kept out.

Log calls pass facts as structured ``extra`` fields. Fields that can hold personal data (phone
numbers, transcripts, addresses, descriptions) are replaced by ``"[redacted]"`` whatever their
value, and anything that looks like a phone number in a message is masked as a safety net,
so that a careless log line still does not leak a caller's number.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

PERSONAL_FIELDS = frozenset(
    {
        "from_number", "to_number", "caller", "caller_number", "phone", "email", "address",
        "address_string", "transcript", "speech", "description", "first_name", "last_name",
    }
)  # fmt: skip
_PHONE = re.compile(r"\+?\(?\d[\d\-\s().]{7,}\d(?![\d:])")
_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def mask_phone_numbers(text: str) -> str:
    """Mask runs of 10 to 15 digits written as phone numbers are (not times or dates)."""

    def mask(match: re.Match[str]) -> str:
        digits = sum(ch.isdigit() for ch in match.group())
        return "[number]" if 10 <= digits <= 15 else match.group()

    return _PHONE.sub(mask, text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_phone_numbers(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            entry[key] = "[redacted]" if key in PERSONAL_FIELDS else _plain(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["trace"] = mask_phone_numbers(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return mask_phone_numbers(value) if isinstance(value, str) else value
    return mask_phone_numbers(repr(value))


def configure(level: str = "INFO") -> None:
    """Send the gateway's logs to standard error as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
