"""What the public reads of a description: the outbox's key line taken out, and phone numbers,
as callers say them and as transcripts write them, replaced; other numbers left alone."""

from __future__ import annotations

import pytest

from ivr.followup.me_too import described
from ivr.open311.public_text import PHONE_PLACEHOLDER, public_description
from ivr.outbox.lookup import with_key

KEY = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "said",
    [
        "617-555-0123",
        "(617) 555-0123",
        "+1 617 555 0123",
        "617.555.0123",
        "6175550123",
        "555-0123",
        "six one seven five five five oh one two three",
        "Six, one, seven, five, five, five, zero, one, two, three",
        "six-one-seven-five-five-five-o-one-two-three",
        "six seventeen double five five oh one twenty three",
        "617 five five five 0123",
        "+44 20 7946 0958",
    ],
)
def test_a_phone_number_however_it_is_said_is_not_published(said: str) -> None:
    assert public_description(f"call me at {said} about it") == (
        f"call me at {PHONE_PLACEHOLDER} about it"
    )


@pytest.mark.parametrize(
    "text",
    [
        "a pothole at four thirty eight washington street",
        "a pothole at 1234 Washington St, Boston, MA 02135",
        "there since 2026-11-01, about 1,500,000 dollars of damage",
        "the lamp by pole 3 of 12 has been out for 3 weeks",
        "nine one one was called at 10:30",
        "route 9 near exit 22b",
    ],
)
def test_other_numbers_are_published_as_said(text: str) -> None:
    assert public_description(text) == text


def test_the_outbox_key_line_is_not_published() -> None:
    sent = with_key("[automatic transcript] a deep hole", KEY)
    assert sent.endswith(f"voice311 report {KEY}")
    assert public_description(sent) == "[automatic transcript] a deep hole"
    assert public_description(with_key("", KEY)) == ""


def test_a_me_too_report_keeps_the_request_number_it_refers_to() -> None:
    text = described("still there, call 617 555 0123", "101004117273", 4000)
    assert public_description(with_key(text, KEY)) == (
        f"Also reported as request 101004117273: still there, call {PHONE_PLACEHOLDER}"
    )


def test_the_rest_of_the_description_keeps_its_lines() -> None:
    text = "line one\n\n[Place not confirmed: …]"
    assert public_description(with_key(text, KEY)) == text
