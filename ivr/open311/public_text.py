"""What the public reads of a request's description: the caller's words, without what is not
theirs to publish.

Every public output of the embedded endpoint (``GET requests`` in JSON and XML, the Atom feed,
the event stream, the map and the request pages) shows a description only through
:func:`public_description`, which :func:`ivr.open311.request_store.published_view` applies.
What is stored, what staff see and what the city receives are the caller's words unchanged.

Two things are taken out:

- the outbox's key line (``voice311 report <key>``, :mod:`ivr.outbox.lookup`): the gateway's
  own bookkeeping, which the city's copy carries so that a report can be found there again;
- phone numbers, written or spoken: a run of at least :data:`MIN_DIGITS` digits, whether written
  as digits (``617-555-0123``, ``(617) 555 0123``, ``+1 617…``) or as words the way a
  transcript of speech spells them (``six one seven five five five oh one two three``,
  ``six seventeen, double five…``), becomes ``[phone number]``. Dates (``2025-05-01``) and
  amounts with thousands separators (``1,000,000``) are left alone; a shorter run (a house
  number, "nine one one") is not a phone number.

A "me too" description begins with ``Also reported as request <id>:``; that id is the city's
public request number, so the masking starts after it.
"""

from __future__ import annotations

import re

from ivr.followup.me_too import PREFIX as ME_TOO_PREFIX
from ivr.outbox.lookup import KEY_LINE

PHONE_PLACEHOLDER = "[phone number]"
MIN_DIGITS = 7  # a local number without its area code has seven

# How many digits each spoken word stands for ("seventeen" and "twenty" are said for two).
_ONES = ("zero", "oh", "o", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS_AND_TENS = (
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety", "hundred",
)  # fmt: skip
_WORD_DIGITS = {**dict.fromkeys(_ONES, 1), **dict.fromkeys(_TEENS_AND_TENS, 2)}
_REPEAT = {"double": 2, "triple": 3}
_WORD = "|".join(sorted(_WORD_DIGITS, key=len, reverse=True))
_TOKEN = rf"(?:(?<!\w)\d+(?!\w)|\b(?:(?:double|triple)[\s-]+)?(?:{_WORD})\b)"
_SEPARATOR = r"[\s,.\-\u2010-\u2014()]{0,4}"
_RUN = re.compile(rf"\+?\(?{_TOKEN}(?:{_SEPARATOR}{_TOKEN})*", re.IGNORECASE)
_NOT_A_PHONE = re.compile(
    r"\d{4}-\d{2}-\d{2}"  # an ISO date
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?",  # an amount with thousands separators
)
_PIECE = re.compile(rf"\d+|\b(?:(double|triple)[\s-]+)?({_WORD})\b", re.IGNORECASE)
_KEY_LINE = re.compile(
    r"^[ \t]*" + re.escape(KEY_LINE).replace(re.escape("{key}"), r"\S+") + r"[ \t]*$",
    re.MULTILINE,
)
_ME_TOO = re.compile(re.escape(ME_TOO_PREFIX).replace(re.escape("{id}"), r"\S+"))


def public_description(description: str) -> str:
    """``description`` as the public may read it (see the module's docstring)."""
    text = _KEY_LINE.sub("", description).rstrip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    prefix = _ME_TOO.match(text)
    start = prefix.end() if prefix else 0
    return text[:start] + mask_phone_numbers(text[start:])


def mask_phone_numbers(text: str) -> str:
    """``text`` with each run of :data:`MIN_DIGITS` or more digits, written as digits or
    spoken as words, replaced by :data:`PHONE_PLACEHOLDER`."""
    return _RUN.sub(_masked, text)


def _masked(match: re.Match[str]) -> str:
    run = match.group()
    if _NOT_A_PHONE.fullmatch(run) or digit_count(run) < MIN_DIGITS:
        return run
    return PHONE_PLACEHOLDER


def digit_count(run: str) -> int:
    """How many digits a run of digits and number words stands for."""
    count = 0
    for piece in _PIECE.finditer(run):
        if piece.group(2) is None:
            count += len(piece.group())
            continue
        repeat = _REPEAT.get((piece.group(1) or "").lower(), 1)
        count += repeat * _WORD_DIGITS[piece.group(2).lower()]
    return count
