"""Addresses as Whisper writes them (digits, N.W., Spanish) placed on the real city gazetteers.

The Boston and Miami sample files (``ivr/data``) are read as the importer reads them; each
utterance goes through ``GazetteerGeocoder.resolve`` as a call's address does.
"""

from __future__ import annotations

import pytest

from ivr.addresses.types import MatchLevel
from tests.support.gazetteers import city_geocoder


@pytest.mark.parametrize(
    ("city", "said", "number", "street"),
    [
        ("miami", "5200 N.E. 2nd Ave.", "5200", "Northeast 2nd Avenue"),
        ("miami", "five two hundred northeast second avenue", "5200", "Northeast 2nd Avenue"),
        ("miami", "2200 N.W. 7th Ave", "2200", "Northwest 7th Avenue"),
        ("miami", "twenty two hundred north west seventh avenue", "2200", "Northwest 7th Avenue"),
        ("miami", "Dos mil doscientos de la séptima avenida del noroeste.", "2200",
         "Northwest 7th Avenue"),
        ("miami", "La dirección es 3555 calle ocho suroeste.", "3555", "Southwest 8th Street"),
        ("miami", "1575 SW 8th St", "1575", "Southwest 8th Street"),
        ("boston", "Um, the address is 857 Dorchester Avenue.", "857", "Dorchester Avenue"),
        ("boston", "It's at 8-5-7 Dorchester Ave.", "857", "Dorchester Avenue"),
        ("boston", "in front of 2, 6, 3 Blue Hill Avenue", "263", "Blue Hill Avenue"),
        ("boston", "Está en ocho cincuenta y siete Dorchester Avenue.", "857",
         "Dorchester Avenue"),
        ("boston", "ochocientos cincuenta y siete de la avenida Dorchester", "857",
         "Dorchester Avenue"),
    ],
)  # fmt: skip
def test_the_address_is_placed(city: str, said: str, number: str, street: str) -> None:
    best = city_geocoder(city).resolve(said)[0]
    assert best.level is MatchLevel.ADDRESS
    assert best.place is not None
    assert (best.place.house_number, best.place.street) == (number, street)


def test_calle_ocho_with_its_number_is_southwest_8th_street_or_a_zip_question() -> None:
    """1575 is on SW 8th Street (Calle Ocho) and on NW 8th Street: the best place is on
    Calle Ocho and the caller is asked for the ZIP code to be sure."""
    best = city_geocoder("miami").resolve("mil quinientos setenta y cinco calle ocho")[0]
    assert best.place is not None
    assert (best.place.house_number, best.place.street) == ("1575", "Southwest 8th Street")
    assert best.ambiguous
    assert "33135" in best.ask_about


def test_a_spanish_lead_in_alone_places_nothing() -> None:
    best = city_geocoder("miami").resolve("la dirección es")[0]
    assert best.level is MatchLevel.NONE
    assert best.reason
