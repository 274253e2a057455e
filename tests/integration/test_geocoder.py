"""The gazetteer geocoder on the real Boston address points (imported once into SQLite):
what a caller's words resolve to, how sure the geocoder is, and what it asks when unsure."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ivr.addresses.gazetteer import import_file, neighbourhoods_of
from ivr.addresses.geocoder import CONFIDENT_SCORE, GazetteerGeocoder
from ivr.addresses.geometry import distance_m
from ivr.addresses.index_loading import load_index
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, Place
from ivr.settings import PACKAGE_DATA, Settings
from ivr.store.db import make_engine, upgrade

BOSTON_FILE = PACKAGE_DATA / "boston-addresses.csv"


@dataclass(frozen=True)
class Row:
    number: str
    street: str
    postal_code: str
    lat: float
    lon: float


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    with BOSTON_FILE.open(encoding="utf-8", newline="") as stream:
        return [
            Row(
                r["House number"],
                r["Street name"],
                r["Postal code"],
                float(r["Latitude"]),
                float(r["Longitude"]),
            )
            for r in csv.DictReader(stream)
        ]


@pytest.fixture(scope="module")
def geocoder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GazetteerGeocoder]:
    url = f"sqlite:///{tmp_path_factory.mktemp('gazetteer') / 'boston.db'}"
    upgrade(url)
    engine = make_engine(url)
    import_file(engine, BOSTON_FILE, neighbourhoods=neighbourhoods_of(Settings()))
    yield GazetteerGeocoder(load_index(engine))
    engine.dispose()


def metres(place: Place | None, lat: float, lon: float) -> float:
    assert place is not None
    return distance_m(place.lat, place.lon, lat, lon)


def confident(result: GeocodeResult) -> bool:
    return result.matched and not result.ambiguous and result.score >= CONFIDENT_SCORE


def numbered(rows: list[Row], street: str) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        if row.street == street and row.number.isdigit():
            found[int(row.number)].append(row)
    return found


def test_an_address_said_in_pairs_is_found_exactly(
    geocoder: GazetteerGeocoder, rows: list[Row]
) -> None:
    truth = next(r for r in rows if (r.number, r.street) == ("438", "Washington Street"))

    results = geocoder.resolve("um it's at four thirty eight washington street")
    best = results[0]

    assert best.level is MatchLevel.ADDRESS and confident(best)
    assert best.place is not None
    assert (best.place.house_number, best.place.street_key) == ("438", "WASHINGTON ST")
    assert (best.place.postal_code, best.place.neighbourhood) == ("02135", "Brighton")
    assert metres(best.place, truth.lat, truth.lon) < 1
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def test_a_missing_number_is_interpolated_between_its_neighbours(
    geocoder: GazetteerGeocoder, rows: list[Row]
) -> None:
    by_street: dict[str, dict[int, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.number.isdigit():
            by_street[row.street][int(row.number)].append(row)
    low, high = next(
        (numbers[n][0], numbers[n + 4][0])
        for street, numbers in by_street.items()
        if len({r.postal_code for rs in numbers.values() for r in rs}) == 1
        for n in sorted(numbers)
        if n > 10
        and n + 2 not in numbers
        and n + 4 in numbers
        and 20 < distance_m(numbers[n][0].lat, numbers[n][0].lon, *_at(numbers[n + 4][0])) < 60
    )
    number = int(low.number) + 2

    best = geocoder.geocode([AddressCandidate(house_number=str(number), street=low.street)])[0]

    assert best.level is MatchLevel.INTERPOLATED
    assert best.place is not None and best.place.house_number == str(number)
    ends = [
        _mean(by_street[low.street][int(low.number)]),
        _mean(by_street[high.street][int(high.number)]),
    ]
    middle = ((ends[0][0] + ends[1][0]) / 2, (ends[0][1] + ends[1][1]) / 2)
    assert metres(best.place, *middle) < 2
    assert best.score < geocoder.geocode([AddressCandidate(low.number, low.street)])[0].score


def _at(row: Row) -> tuple[float, float]:
    return row.lat, row.lon


def _mean(same_number: list[Row]) -> tuple[float, float]:
    count = len(same_number)
    return sum(r.lat for r in same_number) / count, sum(r.lon for r in same_number) / count


def test_a_street_without_a_number_is_street_level_and_not_confident(
    geocoder: GazetteerGeocoder, rows: list[Row]
) -> None:
    newbury = [r for r in rows if r.street == "Newbury Street"]

    best = geocoder.resolve("newbury street")[0]

    assert best.level is MatchLevel.STREET and not confident(best)
    assert best.place is not None and best.place.street_key == "NEWBURY ST"
    assert min(metres(best.place, r.lat, r.lon) for r in newbury) < 1


def test_an_intersection_is_where_the_two_streets_meet(
    geocoder: GazetteerGeocoder, rows: list[Row]
) -> None:
    best = geocoder.resolve("the corner of massachusetts avenue and columbus avenue")[0]

    assert best.level is MatchLevel.INTERSECTION and best.place is not None
    assert (best.place.street, best.place.cross_street) == (
        "Massachusetts Avenue",
        "Columbus Avenue",
    )
    for street in ("Massachusetts Avenue", "Columbus Avenue"):
        nearest = min(metres(best.place, r.lat, r.lon) for r in rows if r.street == street)
        assert nearest < 60
    assert metres(best.place, 42.3405, -71.0813) < 150  # the corner on any map


def test_streets_that_never_meet_give_no_intersection(geocoder: GazetteerGeocoder) -> None:
    results = geocoder.resolve("corner of newbury street and gallivan boulevard")

    assert results[0].level is MatchLevel.NONE
    assert "do not meet" in results[0].reason


def test_a_number_on_several_washington_streets_asks_for_the_postal_code(
    geocoder: GazetteerGeocoder, rows: list[Row]
) -> None:
    numbers = numbered(rows, "Washington Street")
    number, places = next(
        (n, found)
        for n, found in sorted(numbers.items())
        if len({r.postal_code for r in found}) == 2
        and distance_m(*_at(found[0]), *_at(found[-1])) > 2000
    )

    best = geocoder.geocode([AddressCandidate(house_number=str(number), street="WASHINGTON ST")])[0]

    assert best.ambiguous and not confident(best)
    assert {r.postal_code for r in places} <= set(best.ask_about)
    offered = [best.place, *best.alternatives]
    for row in places:
        assert min(metres(p, row.lat, row.lon) for p in offered) < 1


def test_a_number_on_only_one_washington_street_is_not_ambiguous(
    geocoder: GazetteerGeocoder, rows: list[Row]
) -> None:
    numbers = numbered(rows, "Washington Street")
    only = [r for r in numbers[438]]
    assert len({r.postal_code for r in only}) == 1

    best = geocoder.geocode([AddressCandidate(house_number="438", street="WASHINGTON ST")])[0]

    assert not best.ambiguous and confident(best)


def test_the_postal_code_or_neighbourhood_picks_one_washington_street(
    geocoder: GazetteerGeocoder, rows: list[Row]
) -> None:
    numbers = numbered(rows, "Washington Street")
    number, found = next(
        (n, f)
        for n, f in sorted(numbers.items())
        if {r.postal_code for r in f} >= {"02135", "02136"}
    )
    hyde_park = next(r for r in found if r.postal_code == "02136")
    spoken = f"{number} washington street"

    keyed = geocoder.resolve(spoken, postal_code="02136")[0]
    candidate = geocoder.geocode(
        [AddressCandidate(house_number=str(number), street="WASHINGTON ST", postal_code="02136")]
    )[0]
    said = geocoder.resolve(f"{spoken} in hyde park")[0]

    for best in (keyed, candidate, said):
        assert confident(best) and best.place is not None
        assert best.place.postal_code == "02136"
        assert metres(best.place, hyde_park.lat, hyde_park.lon) < 1


def test_a_misrecognised_street_name_still_finds_the_address_but_scores_lower(
    geocoder: GazetteerGeocoder, rows: list[Row]
) -> None:
    truth = next(r for r in rows if (r.number, r.street) == ("145", "Dartmouth Street"))

    heard = geocoder.resolve("one forty five dartmuth street")[0]
    right = geocoder.resolve("one forty five dartmouth street")[0]

    assert heard.level is MatchLevel.ADDRESS and heard.place is not None
    assert heard.place.street_key == "DARTMOUTH ST"
    assert metres(heard.place, truth.lat, truth.lon) < 100
    assert heard.score < right.score


def test_a_shortened_street_name_is_found(geocoder: GazetteerGeocoder) -> None:
    best = geocoder.resolve("the corner of mass ave and columbus avenue")[0]

    assert best.level is MatchLevel.INTERSECTION and best.place is not None
    assert best.place.street_key == "MASSACHUSETTS AVE"


@pytest.mark.parametrize(
    "words",
    [
        "",
        "   ",
        "um uh er",
        "yeah okay please",
        "twelve",
        "x" * 10_000,
        " ".join(["washington"] * 2_000),
        "twelve thirty four nowhere-at-all boulevard",
        "\x00\ufffd\u202e",
    ],
)
def test_bad_input_gives_no_match_with_a_reason_never_an_exception(
    geocoder: GazetteerGeocoder, words: str
) -> None:
    results = geocoder.resolve(words)

    assert results, "never empty"
    best = results[0]
    if best.level is MatchLevel.NONE:
        assert best.reason and best.place is None and best.score == 0.0
    else:
        assert not confident(best)


def test_a_street_that_does_not_exist_is_no_match(geocoder: GazetteerGeocoder) -> None:
    results = geocoder.geocode(
        [AddressCandidate(house_number="12", street="ZZYZX QUORTLEBAUM PKWY")]
    )

    assert [r.level for r in results] == [MatchLevel.NONE]
    assert "no street" in results[0].reason


def test_odd_candidates_never_raise(geocoder: GazetteerGeocoder) -> None:
    odd = [
        AddressCandidate(house_number="abc", street="WASHINGTON ST"),
        AddressCandidate(house_number="99999999", street="WASHINGTON ST"),
        AddressCandidate(street="ELM ST", cross_street="ELM ST"),
        AddressCandidate(street="", cross_street=""),
        AddressCandidate(house_number="12", street="---"),
        AddressCandidate(house_number="12", street="ELM ST", weight=0.0),
    ]
    for candidate in odd:
        results = geocoder.geocode([candidate])
        assert results and all(0.0 <= r.score <= 1.0 for r in results)
    assert geocoder.geocode([])[0].level is MatchLevel.NONE


def test_results_hide_the_address_in_their_repr(geocoder: GazetteerGeocoder) -> None:
    best = geocoder.resolve("four thirty eight washington street")[0]

    assert "Washington" not in repr(best) and "house_number" not in repr(best)


def test_stray_characters_around_an_address_are_ignored(geocoder: GazetteerGeocoder) -> None:
    best = geocoder.resolve("\x00\ufffd\u202e four thirty eight washington st")[0]

    assert best.level is MatchLevel.ADDRESS and best.place is not None
    assert (best.place.house_number, best.place.street_key) == ("438", "WASHINGTON ST")


def test_a_module_scoped_index_answers_many_lookups(
    geocoder: GazetteerGeocoder, rows: list[Row], tmp_path: Path
) -> None:
    """A sample of real points said plainly: every one found within 50 m or offered."""
    sample = [r for r in rows[::997] if r.number.isdigit()]
    for row in sample:
        best = geocoder.geocode([AddressCandidate(row.number, _key(row.street))])[0]
        offered = [best.place, *best.alternatives] if best.ambiguous else [best.place]
        assert min(metres(p, row.lat, row.lon) for p in offered) <= 50, row


def _key(street: str) -> str:
    from ivr.addresses.streets import street_key

    return street_key(street)
