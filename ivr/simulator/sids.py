"""Identifiers shaped as Twilio's: two letters naming the kind, then 32 hex digits."""

from __future__ import annotations

import secrets


def new_sid(prefix: str) -> str:
    """A fresh SID, e.g. ``new_sid("CA")`` for a call, ``"RE"`` for a recording."""
    return prefix + secrets.token_hex(16)
