"""The street found by its first letters keyed on the phone pad: letters → keys, the prefix
match, and the ranking (streets with the keyed house number first)."""

from __future__ import annotations

import pytest

from ivr.addresses.index import PointRecord, build_index
from ivr.addresses.keyed_streets import KeyedStreets, keys_of


def _points(street: str, numbers: list[int], postal_code: str, area: str) -> list[PointRecord]:
    key = street.upper().replace(" STREET", " ST").replace(" AVENUE", " AVE")
    return [
        PointRecord(key, street, str(n), n, postal_code, area, 42.3 + n * 1e-5, -71.1)
        for n in numbers
    ]


@pytest.fixture(scope="module")
def streets() -> KeyedStreets:
    records = (
        _points("Washington Street", [10, 438, 440], "02135", "Brighton")
        + _points("Washington Street", [438, 500], "02121", "Dorchester")
        + _points("Warren Street", list(range(2, 80, 2)), "02119", "Roxbury")
        + _points("Yarmouth Street", [1, 3], "02116", "Back Bay")
        + _points("W 7th Street", [10, 12], "02127", "South Boston")
        + _points("Beacon Street", [1, 438], "02108", "Beacon Hill")
    )
    index = build_index(records)
    return KeyedStreets(lambda: index)


@pytest.mark.parametrize(
    ("text", "keys"),
    [("WAS", "927"), ("washington", "9274464866"), ("7th", "784"), ("O'Brien Ct", "62743628")],
)
def test_letters_become_the_keys_that_type_them(text: str, keys: str) -> None:
    assert keys_of(text) == keys


def test_streets_starting_with_the_keys_are_offered_with_the_number_first(
    streets: KeyedStreets,
) -> None:
    choices = streets.choices("927", "438")
    # 927 is WAS, WAR and YAR: Washington Street has 438 in two parts of the city, each named
    assert [(c.spoken, c.postal_code, c.has_number) for c in choices] == [
        ("Washington Street, Dorchester", "02121", True),
        ("Washington Street, Brighton", "02135", True),
        ("Warren Street", "", False),
        ("Yarmouth Street", "", False),
    ]


def test_without_a_number_bigger_streets_come_first(streets: KeyedStreets) -> None:
    assert [c.spoken for c in streets.choices("927")] == [
        "Warren Street",
        "Washington Street",
        "Yarmouth Street",
    ]


def test_a_numbered_street_is_found_by_its_digits_and_by_its_spoken_name(
    streets: KeyedStreets,
) -> None:
    assert [c.spoken for c in streets.choices("784")] == ["West Seventh Street"]  # 7-T-H
    assert [c.spoken for c in streets.choices("738")] == ["West Seventh Street"]  # S-E-V


def test_keys_that_start_no_street_find_nothing(streets: KeyedStreets) -> None:
    assert streets.choices("555") == []


def test_too_few_keys_and_stray_keys(streets: KeyedStreets) -> None:
    assert streets.choices("9") == []  # one key matches too many streets to offer
    assert [c.spoken for c in streets.choices("2*3#2")] == ["Beacon Street"]  # only digits count


def test_at_most_the_limit(streets: KeyedStreets) -> None:
    assert len(streets.choices("9", limit=2)) == 0
    assert len(streets.choices("92", limit=2)) == 2
