"""What the caller hears when an address is read back to them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.addresses.readback import speak_house_number, speak_place, speak_result
from ivr.addresses.types import GeocodeResult, MatchLevel, Place, no_match

WASHINGTON = Place(
    lat=42.3,
    lon=-71.07,
    house_number="1234",
    street="Washington Street",
    street_key="WASHINGTON ST",
    postal_code="02124",
    neighbourhood="Dorchester",
    source="gazetteer",
)


@pytest.mark.parametrize(
    ("number", "english", "spanish"),
    [
        ("1", "one", "uno"),
        ("7", "seven", "siete"),
        ("45", "forty five", "cuarenta y cinco"),
        ("100", "one hundred", "cien"),
        ("101", "one oh one", "ciento uno"),
        ("120", "one twenty", "ciento veinte"),
        ("123", "one twenty three", "ciento veintitrés"),
        ("420", "four twenty", "cuatrocientos veinte"),
        ("500", "five hundred", "quinientos"),
        ("1000", "one thousand", "mil"),
        ("1010", "ten ten", "mil diez"),
        ("1234", "twelve thirty four", "mil doscientos treinta y cuatro"),
        ("1500", "fifteen hundred", "mil quinientos"),
        ("1905", "nineteen oh five", "mil novecientos cinco"),
        ("2000", "two thousand", "dos mil"),
        ("2005", "twenty oh five", "dos mil cinco"),
        ("12345", "one twenty three forty five", "doce mil trescientos cuarenta y cinco"),
        ("12A", "twelve A", "doce A"),
        ("173b", "one seventy three B", "ciento setenta y tres B"),
        ("12-14", "twelve to fourteen", "doce a catorce"),
        ("27,29", "twenty seven and twenty nine", "veintisiete y veintinueve"),
        ("22;28", "twenty two and twenty eight", "veintidós y veintiocho"),
    ],
)
def test_house_numbers_are_said_as_people_say_them(number: str, english: str, spanish: str) -> None:
    assert speak_house_number(number) == english
    assert speak_house_number(number, language="es") == spanish


def test_an_address_is_read_with_its_neighbourhood() -> None:
    assert speak_place(WASHINGTON) == "twelve thirty four Washington Street, in Dorchester"
    assert (
        speak_place(WASHINGTON, language="es")
        == "mil doscientos treinta y cuatro Washington Street, en Dorchester"
    )


def test_without_a_neighbourhood_the_postal_code_is_said_digit_by_digit() -> None:
    place = replace(WASHINGTON, neighbourhood="")
    assert speak_place(place) == "twelve thirty four Washington Street, zero two one two four"
    assert speak_place(place, language="es-US").endswith(", cero dos uno dos cuatro")


def test_without_neighbourhood_or_postal_code_nothing_dangles() -> None:
    place = replace(WASHINGTON, neighbourhood="", postal_code="")
    assert speak_place(place) == "twelve thirty four Washington Street"


def test_the_street_is_said_from_its_key_when_no_display_form_is_known() -> None:
    place = Place(lat=40.7, lon=-74.0, house_number="1500", street_key="5TH AVE")
    assert speak_place(place) == "fifteen hundred Fifth Avenue"
    place = Place(lat=42.3, lon=-71.0, house_number="10", street="N. Beacon St")
    assert speak_place(place) == "ten North Beacon Street"


def test_a_street_without_a_house_number_says_so() -> None:
    place = replace(WASHINGTON, house_number=None)
    assert speak_place(place) == "Washington Street (no house number), in Dorchester"
    assert speak_place(place, language="es") == "Washington Street (sin número), en Dorchester"


def test_an_intersection_is_the_corner_of_two_streets() -> None:
    corner = Place(
        lat=42.35, lon=-71.06, street="Main Street", cross_street="5th Ave", postal_code="02129"
    )
    assert (
        speak_place(corner) == "the corner of Main Street and Fifth Avenue, zero two one two nine"
    )
    assert speak_place(corner, language="es").startswith(
        "la esquina de Main Street y Fifth Avenue, "
    )


def test_spanish_and_becomes_e_before_an_i_sound() -> None:
    corner = Place(lat=42.35, lon=-71.06, street="Main Street", cross_street="Ivy Street")
    assert speak_place(corner, language="es") == "la esquina de Main Street e Ivy Street"


def test_a_street_level_result_is_read_without_the_number_the_caller_said() -> None:
    result = GeocodeResult(level=MatchLevel.STREET, score=0.6, place=WASHINGTON)
    assert speak_result(result) == "Washington Street (no house number), in Dorchester"


def test_an_address_result_is_read_with_its_number() -> None:
    result = GeocodeResult(level=MatchLevel.INTERPOLATED, score=0.8, place=WASHINGTON)
    assert speak_result(result) == "twelve thirty four Washington Street, in Dorchester"


def test_an_intersection_result_is_read_as_a_corner() -> None:
    corner = replace(WASHINGTON, house_number=None, cross_street="Adams Street")
    result = GeocodeResult(level=MatchLevel.INTERSECTION, score=0.9, place=corner)
    assert speak_result(result) == "the corner of Washington Street and Adams Street, in Dorchester"


def test_no_match_is_said_in_words() -> None:
    assert speak_result(no_match("no street")) == "an address that could not be found"
    assert speak_result(no_match("no street"), language="es") == (
        "una dirección que no se encontró"
    )


_TEXT = st.text(alphabet="0123456789AB-,; .'Nnorth", max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    house=st.one_of(st.none(), _TEXT),
    street=_TEXT,
    key=_TEXT,
    cross=_TEXT,
    postal=_TEXT,
    area=st.sampled_from(["", "Dorchester", "  "]),
    language=st.sampled_from(["en", "es", "es-MX", "fr"]),
)
def test_no_none_or_empty_artefacts_ever(
    house: str | None, street: str, key: str, cross: str, postal: str, area: str, language: str
) -> None:
    place = Place(
        lat=0.0,
        lon=0.0,
        house_number=house,
        street=street,
        street_key=key,
        cross_street=cross,
        postal_code=postal,
        neighbourhood=area,
    )
    said = speak_place(place, language=language)
    assert said.strip() == said
    assert said
    assert "None" not in said
    assert "  " not in said
    assert ", ," not in said
    assert not said.endswith(",")


def test_a_house_number_with_a_run_of_spaces_is_said_with_single_spaces() -> None:
    assert speak_house_number("0  0") == "0 0"
    assert speak_house_number("12  A") == "twelve A"
