"""Whether a caller's number can receive a text message.

Twilio sends ``From`` as E.164 for a caller who shows their number, and as one of a few
documented placeholder numbers (or a word) when the number is withheld or unknown.
"""

from __future__ import annotations

import re

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# Twilio's stand-ins for a withheld caller ID: anonymous, restricted, blocked, unavailable, unknown.
WITHHELD = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})


def textable_number(raw: str | None) -> str | None:
    """The number, when a text can be sent to it; None otherwise."""
    number = (raw or "").strip()
    if not E164.match(number) or number in WITHHELD:
        return None
    return number
