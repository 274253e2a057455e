"""Addresses said in Spanish, as Whisper writes them in Spanish → the address the city gets."""

from __future__ import annotations

import pytest

from ivr.addresses.spoken import parse_spoken
from ivr.addresses.spoken_spanish import is_spanish, spanish_as_english

BEST = [
    # house numbers in pairs, in full, digit by digit, in numerals
    ("cuatro treinta y ocho Washington Street", "438 | WASHINGTON ST"),
    ("cuatrocientos treinta y ocho Washington Street", "438 | WASHINGTON ST"),
    ("mil doscientos Washington Street", "1200 | WASHINGTON ST"),
    ("uno dos tres Elm Street", "123 | ELM ST"),
    ("doce treinta y cuatro Washington Street", "1234 | WASHINGTON ST"),
    ("quince cuarenta Tremont Street", "1540 | TREMONT ST"),
    ("dos mil cinco Beacon Street", "2005 | BEACON ST"),
    ("ciento uno Elm Street", "101 | ELM ST"),
    ("veintidós Adams Street", "22 | ADAMS ST"),
    ("Veintitrés cero cinco Elm Street", "2305 | ELM ST"),
    # Spanish street forms
    ("438 de la calle Washington", "438 | WASHINGTON ST"),
    ("cuatro treinta y ocho de la calle Washington", "438 | WASHINGTON ST"),
    ("calle Washington número 438", "438 | WASHINGTON ST"),
    ("1437 avenida Commonwealth", "1437 | COMMONWEALTH AVE"),
    ("mil quinientos calle ocho", "1500 | 8TH ST"),
    ("1500 calle 8", "1500 | 8TH ST"),
    ("dos mil cinco calle ocho suroeste", "2005 | SW 8TH ST"),
    ("1500 calle ocho del suroeste", "1500 | SW 8TH ST"),
    ("mil doscientos veinticinco avenida noroeste siete", "1225 | NW 7TH AVE"),
    ("mil doscientos veinticinco de la séptima avenida del noroeste", "1225 | NW 7TH AVE"),
    ("cinco mil doscientos avenida segunda noreste", "5200 | NE 2ND AVE"),
    ("5200 Northeast 2nd Avenue", "5200 | NE 2ND AVE"),
    ("300 calle Flagler oeste", "300 | W FLAGLER ST"),
    # lead-ins and closings
    ("La dirección es 438 Washington Street.", "438 | WASHINGTON ST"),
    ("la direccion es cuatro treinta y ocho Washington Street", "438 | WASHINGTON ST"),
    ("Está en 1500 calle ocho.", "1500 | 8TH ST"),
    ("Eh, está en la calle Washington número 438.", "438 | WASHINGTON ST"),
    ("enfrente de 1500 avenida noroeste siete", "1500 | NW 7TH AVE"),
    ("Este... está en mil quinientos calle ocho, por favor.", "1500 | 8TH ST"),
    ("Hay un bache en 438 Washington Street en Boston, gracias.", "438 | WASHINGTON ST"),
    ("cerca de 12 calle Elm", "12 | ELM ST"),
]


def _best(words: str) -> str:
    result = parse_spoken(words)
    assert result.best is not None, (words, result.reason)
    best = result.best
    cross = f" | {best.cross_street}" if best.cross_street else ""
    return f"{best.house_number or '-'} | {best.street}{cross}"


@pytest.mark.parametrize(("spoken", "expected"), BEST)
def test_a_spanish_address_is_read(spoken: str, expected: str) -> None:
    assert _best(spoken) == expected


def test_a_spanish_corner_is_an_intersection() -> None:
    assert _best("la esquina de calle ocho y avenida doce") == "- | 8TH ST | 12TH AVE"


def test_calle_ocho_without_a_directional_leaves_the_choice_to_the_city() -> None:
    best = parse_spoken("mil quinientos calle ocho").best
    assert best is not None and best.street == "8TH ST"  # NW, SW, NE or SE: the gazetteer asks


@pytest.mark.parametrize(
    "english",
    ["once upon a time on elm street", "12 La Grange Street", "12 De Soto Street", "El Paso"],
)
def test_english_words_that_spanish_also_has_are_left_alone(english: str) -> None:
    words = english.upper().split()
    assert spanish_as_english(words) == words or not is_spanish(words)


def test_english_is_not_rewritten() -> None:
    words = ["TWELVE", "ELM", "STREET"]
    assert not is_spanish(words)
    assert spanish_as_english(words) is words


@pytest.mark.parametrize(
    ("spoken", "reason"),
    [
        ("la dirección es", "only filler words were heard, no address"),
        ("cuatrocientos treinta y ocho", "only a number was heard, no street name"),
        ("eh", "only hesitations or noise were heard, no address"),
    ],
)
def test_spanish_without_an_address_gives_a_reason(spoken: str, reason: str) -> None:
    result = parse_spoken(spoken)
    assert result.candidates == ()
    assert result.reason == reason
