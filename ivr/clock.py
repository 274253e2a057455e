"""The gateway's one wall clock: aware UTC datetimes. Collaborators take a clock as a
parameter that defaults to :func:`utc_now`, so tests can pass a clock of their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
