"""The evaluation's caller answers the location path's questions as a caller would: the ZIP-code
question with their ZIP code when the street named is theirs, with star when it is not; every
keypad question the flows ask, whatever its wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.eval_callers import PROBLEMS, Address, Condition, EvalCaller, Voice, names_street
from flows.catalogue import load_catalogues
from ivr.simulator import Press, Turn


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


@pytest.mark.parametrize("prompt", ["location.house_number", "location.chosen_street_number"])
def test_every_house_number_question_is_answered_with_the_callers_number(
    prompt: str, tmp_path: Path
) -> None:
    address = Address("438", "Washington St", "02135", 42.35, -71.15)
    voice = Voice("flite:slt", Condition("clean"), tmp_path)
    caller = EvalCaller(address, PROBLEMS[0], voice, "", seed=1)
    text = load_catalogues()["en"].prompts[prompt]
    assert caller(Turn(heard=(text,), verb="gather", keys=True)) == Press("438#")


def test_a_caller_says_yes_to_the_thing_they_call_about(tmp_path: Path) -> None:
    """Someone reporting a dumped mattress says yes to "a mattress" whatever their luck, so
    the storm's callers never leave a required list empty by chance."""
    address = Address("438", "Washington St", "02135", 42.35, -71.15)
    dumping = next(p for p in PROBLEMS if p.thing == "mattress")
    asked = "Is it a mattress? Press 1 for yes, 2 for no."
    for seed in range(20):
        caller = EvalCaller(
            address, dumping, Voice("flite:slt", Condition("clean"), tmp_path), "", seed=seed
        )
        assert caller(Turn(heard=(asked,), verb="gather", keys=True)) == Press("1")
