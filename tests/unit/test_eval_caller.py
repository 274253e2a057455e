"""The evaluation's caller answers the ZIP-code question as a caller would: with their ZIP code
when the street named is theirs, with star when it is not."""

from __future__ import annotations

import pytest

from benchmarks.eval_callers import names_street


@pytest.mark.parametrize(
    ("heard", "street"),
    [
        ("twenty two Wabon Street", "Wabon St"),
        ("two Wabon Street", "Wabon St"),  # their street, a wrong number: the read-back catches it
        ("Wabon Street (no house number)", "Wabon St"),
        ("twenty nine eleven Southwest Twenty-First Terrace", "SW 21st Ter"),
        ("nineteen oh one Northwest Thirty-First Avenue", "NW 31st Ave"),
    ],
)
def test_the_callers_own_street_gets_their_zip_code(heard: str, street: str) -> None:
    assert names_street(heard, street)


@pytest.mark.parametrize(
    ("heard", "street"),
    [
        ("twenty nine eleven Southwest Twenty-Third Street", "SW 21st Ter"),
        ("eighteen West Seventh Street", "7th St"),  # another street ending in the same words
        ("seven Manley Street", "Evandale Ter"),
    ],
)
def test_another_street_gets_star(heard: str, street: str) -> None:
    assert not names_street(heard, street)
