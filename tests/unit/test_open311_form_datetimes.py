"""Datetimes the client sends: W3C datetimes in whole seconds, which every server reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ivr.open311.errors import InvalidRequest
from ivr.open311.form import w3c_datetime

MOMENT = datetime(2026, 11, 2, 15, 37, 27, 827016, tzinfo=UTC)


def test_a_fraction_of_a_second_is_dropped_from_a_start_and_carried_on_an_end() -> None:
    assert w3c_datetime(MOMENT) == "2026-11-02T15:37:27+00:00"
    assert w3c_datetime(MOMENT, round_up=True) == "2026-11-02T15:37:28+00:00"
    assert w3c_datetime(MOMENT.replace(microsecond=0), round_up=True) == (
        "2026-11-02T15:37:27+00:00"
    )


def test_the_offset_is_kept_unless_it_has_seconds() -> None:
    boston = timezone(timedelta(hours=-5))
    assert w3c_datetime(MOMENT.astimezone(boston)) == "2026-11-02T10:37:27-05:00"
    odd = timezone(timedelta(hours=-4, minutes=-56, seconds=-2))  # a local mean time
    assert w3c_datetime(MOMENT.astimezone(odd)) == "2026-11-02T15:37:27+00:00"


def test_a_datetime_without_a_timezone_is_refused() -> None:
    with pytest.raises(InvalidRequest):
        w3c_datetime(MOMENT.replace(tzinfo=None))
