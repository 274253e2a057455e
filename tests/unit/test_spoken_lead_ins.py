"""Lead-ins, fillers and house numbers as recognisers write them → the address the city gets.

Rows are what PocketSphinx (lower case words) or Whisper (digits, capitals, punctuation)
writes for a caller who puts words before the address; each best candidate is written
"house | street key" ("-" for none), as in tests/unit/test_spoken_addresses.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.addresses.spoken import parse_spoken

LEAD_INS = [
    ("um the address is nine one five washington street", "915 | WASHINGTON ST"),
    ("The address is 915 Washington Street.", "915 | WASHINGTON ST"),
    ("yeah it's at 10-23 Main St.", "1023 | MAIN ST"),
    ("it's at ten twenty three main street", "1023 | MAIN ST"),
    (
        "I'm calling about the pothole in front of 1437 Commonwealth Avenue",
        "1437 | COMMONWEALTH AVE",
    ),
    ("in front of one four three seven commonwealth avenue", "1437 | COMMONWEALTH AVE"),
    ("i'm calling about forty five centre street", "45 | CENTRE ST"),
    ("I'm calling to report a streetlight out at 12 Elm Street", "12 | ELM ST"),
    ("I want to report 220 Blue Hill Avenue", "220 | BLUE HILL AVE"),
    ("uh the address is forty two tremont street", "42 | TREMONT ST"),
    ("yeah it's on two twenty blue hill avenue", "220 | BLUE HILL AVE"),
    ("near eighteen adams street", "18 | ADAMS ST"),
    ("Um, it's going to be 300 Neponset Avenue, thank you.", "300 | NEPONSET AVE"),
    ("Okay so, you know, 77 Beacon Street.", "77 | BEACON ST"),
    ("My house is at 5 Elm Street in Miami, Florida.", "5 | ELM ST"),
    ("there's a pothole at three hundred neponset avenue", "300 | NEPONSET AVE"),
    ("It's right in front of 1437 Commonwealth Ave.", "1437 | COMMONWEALTH AVE"),
    # A lead-in no list knows, or one a recogniser turned into a number ("hi" heard "five"):
    # the words from the house number on are read.
    ("Hi, it's set 3976 Little Avenue.", "3976 | LITTLE AVE"),
    ("five it's at thirty nine seventy six little avenue", "3976 | LITTLE AVE"),
    # …but "for" before a number is "four": "four thirty eight" as Whisper wrote it.
    ("for 38 Washington Street.", "438 | WASHINGTON ST"),
    # "two fifty, nine" as Whisper writes it: one number.
    ("near 250, 9 Chelsea Street.", "259 | CHELSEA ST"),
    ("near a 250-9 Garfield Avenue.", "259 | GARFIELD AVE"),
    ("12-14 Elm Street", "12 | ELM ST"),
    ("1306 nor West 64th Street", "1306 | NW 64TH ST"),
]

WRITTEN_NUMBERS = [
    ("915 Washington Street", "915 | WASHINGTON ST"),
    ("1-4-3-7 Commonwealth Avenue", "1437 | COMMONWEALTH AVE"),
    ("6, 4, 3, 5 Dorchester Avenue.", "6435 | DORCHESTER AVE"),
    ("10-23 Main Street", "1023 | MAIN ST"),
    ("1,437 Commonwealth Avenue", "1437 | COMMONWEALTH AVE"),
    ("#12 Elm Street", "12 | ELM ST"),
    ("twelve 34 Elm Street", "1234 | ELM ST"),
    ("12 34 Elm Street", "1234 | ELM ST"),
    ("12-14 Elm Street", "12 | ELM ST"),
    ("100-110 Elm Street", "100 | ELM ST"),
    ("15 Elm Street, Boston, MA 02124-3512", "15 | ELM ST"),
    # Miami's numbered streets as Whisper writes them and as PocketSphinx words them
    ("1225 N.W. 7th Ave", "1225 | NW 7TH AVE"),
    ("1225 Northwest 7th Avenue", "1225 | NW 7TH AVE"),
    ("5200 SW 8th St", "5200 | SW 8TH ST"),
    ("5200 s.w. 8th st.", "5200 | SW 8TH ST"),
    ("3555 Southwest Eighth Street", "3555 | SW 8TH ST"),
    ("five two hundred northeast second avenue", "5200 | NE 2ND AVE"),
    ("fifty two hundred northeast second avenue", "5200 | NE 2ND AVE"),
    ("five two oh oh northeast second avenue", "5200 | NE 2ND AVE"),
    ("twenty two hundred north west seventh avenue", "2200 | NW 7TH AVE"),
]


def _best(words: str) -> str:
    best = parse_spoken(words).best
    assert best is not None, words
    return f"{best.house_number or '-'} | {best.street}"


@pytest.mark.parametrize(("spoken", "expected"), LEAD_INS)
def test_lead_ins_and_fillers_are_not_the_address(spoken: str, expected: str) -> None:
    assert _best(spoken) == expected


@pytest.mark.parametrize(("spoken", "expected"), WRITTEN_NUMBERS)
def test_house_numbers_written_by_a_recogniser_are_read(spoken: str, expected: str) -> None:
    assert _best(spoken) == expected


@pytest.mark.parametrize(
    ("spoken", "readings"),
    [
        ("10-23 Main Street", {"1023 | MAIN ST", "10 | MAIN ST"}),  # pairs first, range kept
        ("12-14 Elm Street", {"12 | ELM ST", "1214 | ELM ST"}),  # range first, pairs kept
    ],
)
def test_a_hyphen_between_numbers_keeps_both_readings(spoken: str, readings: set[str]) -> None:
    found = {f"{c.house_number or '-'} | {c.street}" for c in parse_spoken(spoken).candidates}
    assert readings <= found


def test_a_lead_in_alone_is_no_address() -> None:
    result = parse_spoken("um the address is")
    assert result.candidates == ()
    assert result.reason


def test_a_n_and_a_w_that_are_not_initials_stay_letters() -> None:
    assert _best("twelve N Washington Street") == "12 | N WASHINGTON ST"
    assert _best("40 W. Broadway") == "40 | W BROADWAY"


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9]{1,4}([ ,\-#.]{1,3}[0-9]{1,4}){0,4} [A-Za-z. ]{0,20}", fullmatch=True))
def test_any_written_numbers_give_a_result_never_an_exception(text: str) -> None:
    result = parse_spoken(text)
    assert bool(result.candidates) != bool(result.reason)
