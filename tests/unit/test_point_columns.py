"""A street's points read back by house number from the index's columns: every point of a
number, in the order the rows came, as written and by its digits."""

from __future__ import annotations

from ivr.addresses.index import PointRecord, build_index
from ivr.addresses.number_streets import numbered_addresses


def record(number: str, value: int | None, code: str, lat: float) -> PointRecord:
    return PointRecord("ELM ST", "Elm St", number, value, code, "Jamaica Plain", lat, -71.1)


INDEX = build_index(
    [
        record("12", 12, "02130", 42.30),
        PointRecord("OAK ST", "Oak St", "12", 12, "02131", "Roslindale", 42.2, -71.2),
        record("12A", 12, "02130", 42.31),
        record("7", 7, "02130", 42.32),
        record("12", 12, "02131", 42.33),
        record("REAR", None, "02130", 42.34),
    ]
)
ELM = INDEX.streets["ELM ST"]


def test_points_of_a_number_come_in_the_order_of_their_rows() -> None:
    assert [p.lat for p in ELM.by_number["12"]] == [42.30, 42.33]
    assert [p.postal_code for p in ELM.by_number["12"]] == ["02130", "02131"]
    assert [p.number for p in ELM.by_int[12]] == ["12", "12A", "12"]


def test_numbers_are_listed_as_they_first_came_and_unknown_ones_are_absent() -> None:
    assert list(ELM.by_number) == ["12", "12A", "7", "REAR"]
    assert list(ELM.by_int) == [12, 7]
    assert "13" not in ELM.by_number and 13 not in ELM.by_int
    assert ELM.by_number.get("13") is None and ELM.by_int.get(-1) is None
    assert ELM.point_count == 5


def test_the_recogniser_learns_each_number_of_each_street_once() -> None:
    assert list(numbered_addresses(INDEX)) == [(12, "Elm St"), (7, "Elm St"), (12, "Oak St")]


def test_runs_hold_one_point_per_number_the_mean_of_several() -> None:
    (first, second) = ELM.runs
    assert first.postal_code == "02130" and second.postal_code == "02131"
    assert [(p.number, round(p.lat, 3)) for p in first.both] == [(7, 42.32), (12, 42.305)]
    assert [p.number for p in first.odd] == [7] and [p.number for p in first.even] == [12]
