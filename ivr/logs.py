"""Logging for the gateway: one JSON object per line, with personal data kept out.

Every line has the same shape, whoever wrote it (the gateway, gunicorn's master and workers,
the access log): ``time``, ``level``, ``logger``, ``message``, then the line's own facts. A
line written while a request is handled carries its ``request_id``, and a line written for a
call (its webhooks, the jobs run for it) carries the call's ``call_sid``: both come from the
context variables below, set by :mod:`ivr.request_context` and the jobs runner.

Log calls pass facts as structured ``extra`` fields. Fields that can hold personal data (phone
numbers, transcripts, addresses, descriptions) are replaced by ``"[redacted]"`` whatever their
value, and anything that looks like a phone number in a message is masked as a safety net,
so that a careless log line still does not leak a caller's number. A run of digits inside a
longer token of letters and digits (a Twilio SID, a hex key) is not a phone number and is
left alone.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

PERSONAL_FIELDS = frozenset(
    {
        "from_number", "to_number", "caller", "caller_number", "phone", "email", "address",
        "address_string", "transcript", "speech", "description", "first_name", "last_name",
    }
)  # fmt: skip
# A phone number starts and ends at the edge of a token: no letter or digit right before it
# (but a URL-encoded "+", "%2B", may be) or right after it (nor a colon after: a time).
_PHONE = re.compile(r"(?:(?<![0-9A-Za-z])|(?<=%2[Bb]))\+?\(?\d[\d\-\s().]{7,}\d(?![0-9A-Za-z:])")
_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
# httpx logs every request's URL at INFO: a caller's recording (its URL names it), a remote
# geocoder's query (the address the caller said, in its query string). The gateway logs what
# it asked for itself, without them; httpx's own lines are kept for its warnings.
QUIET_LOGGERS = {"httpx": "WARNING", "httpcore": "WARNING"}

# What the line being written is about: the request being handled, the call it belongs to.
request_id: ContextVar[str | None] = ContextVar("voice311_request_id", default=None)
call_sid: ContextVar[str | None] = ContextVar("voice311_call_sid", default=None)


def mask_phone_numbers(text: str) -> str:
    """Mask runs of 10 to 15 digits written as phone numbers are (not times, dates or SIDs)."""

    def mask(match: re.Match[str]) -> str:
        found = match.group()
        if found.count("(") != found.count(")"):  # "8311 (4242": a port and a pid, not a number
            return "(".join(_masked(part) for part in found.split("("))
        return _masked(found)

    return _PHONE.sub(mask, text)


def _masked(run: str) -> str:
    digits = sum(ch.isdigit() for ch in run)
    return "[number]" if 10 <= digits <= 15 else run


@contextmanager
def about_call(sid: str | None) -> Iterator[None]:
    """Lines logged inside the block carry ``sid`` as their ``call_sid``."""
    token = call_sid.set(sid or None)
    try:
        yield
    finally:
        call_sid.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_phone_numbers(record.getMessage()),
        }
        for name, var in (("request_id", request_id), ("call_sid", call_sid)):
            value = var.get()
            if value:
                entry[name] = value
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
    """Send the gateway's logs to standard error as JSON lines (Python's warnings too, so
    that nothing else reaches standard error in between)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)


def dict_config(level: str = "INFO") -> dict[str, Any]:
    """The same as :func:`configure`, as a ``logging.config.dictConfig`` document: gunicorn
    applies it in its master and in every worker (``logconfig_dict``), so its own lines
    (``gunicorn.error``) come out in the gateway's shape. Loggers made before it stay on."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            # The app writes the access log (ivr.request_context); gunicorn's is dropped.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            **{name: {"level": quiet} for name, quiet in QUIET_LOGGERS.items()},
        },
    }
