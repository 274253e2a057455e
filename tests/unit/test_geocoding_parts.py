"""The pure parts of the gazetteer: reading address rows, interpolation, scoring, street
matching, where streets meet, and the area a caller names."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import pytest

from ivr.addresses import scoring
from ivr.addresses.address_files import (
    AddressFileError,
    BadRow,
    ReadTally,
    detect_format,
    load_neighbourhoods,
    normalise_postal_code,
    parse_house_numbers,
    read_points,
)
from ivr.addresses.area_words import split_area
from ivr.addresses.crossings import find_crossings
from ivr.addresses.geocoder import GazetteerGeocoder
from ivr.addresses.geometry import Interpolation, NumberedPoint, distance_m, interpolate
from ivr.addresses.index import PointRecord, build_index
from ivr.addresses.number_streets import StreetsByNumber, numbered_addresses, streets_placing
from ivr.addresses.resolution import resolve_with
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, no_match

# ~ 1 m in degrees of latitude; and of longitude at 42.35° N
LAT_M = 1 / 110_574.0
LON_M = 1 / (111_320.0 * math.cos(math.radians(42.35)))


def street(key: str, points: list[tuple[str, float, float]], postal: str = "02130") -> list:
    """Point records of one street: (number, metres north, metres east) from a fixed origin."""
    return [
        PointRecord(
            street_key=key,
            street=key.title(),
            house_number=number,
            house_number_int=int("".join(c for c in number if c.isdigit())),
            postal_code=postal,
            neighbourhood="Jamaica Plain" if postal == "02130" else "Dorchester",
            lat=42.35 + north * LAT_M,
            lon=-71.1 + east * LON_M,
        )
        for number, north, east in points
    ]


# --- distance and interpolation ---------------------------------------------------------------


def test_distance_agrees_with_the_great_circle_within_a_city() -> None:
    lat1, lon1, lat2, lon2 = 42.3483280, -71.1574380, 42.2675657, -71.0924273
    p1, p2, dl = map(math.radians, (lat1, lat2, lon2 - lon1))
    haversine = (
        2
        * 6_371_008.8
        * math.asin(
            math.sqrt(
                math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
            )
        )
    )
    assert distance_m(lat1, lon1, lat2, lon2) == pytest.approx(haversine, rel=0.005)


def run(numbers: list[int]) -> list[NumberedPoint]:
    """Points 10 m apart per house number step along a straight street."""
    return [NumberedPoint(n, 42.35 + n * 5 * LAT_M, -71.1) for n in numbers]


def test_a_number_is_placed_in_proportion_between_its_neighbours() -> None:
    both = run([10, 12, 20])
    placed = interpolate(16, [p for p in both if p.number % 2 == 0], both, reach=10)

    assert placed is not None
    assert (placed.low, placed.high, placed.same_parity, placed.beyond_range) == (
        12,
        20,
        True,
        False,
    )
    assert distance_m(placed.lat, placed.lon, 42.35 + 16 * 5 * LAT_M, -71.1) < 0.01
    assert placed.span_m == pytest.approx(40, abs=0.1)


def test_the_same_side_of_the_street_is_preferred() -> None:
    both = run([10, 13, 17, 20])
    even = [p for p in both if p.number % 2 == 0]

    placed = interpolate(14, even, both, reach=10)

    assert placed is not None and (placed.low, placed.high, placed.same_parity) == (10, 20, True)


def test_the_other_side_is_used_when_this_side_does_not_bracket() -> None:
    both = run([9, 13, 20])
    odd = [p for p in both if p.number % 2 == 1]

    placed = interpolate(15, odd, both, reach=10)

    assert placed is not None and (placed.low, placed.high, placed.same_parity) == (13, 20, False)


def test_beyond_the_known_numbers_only_within_reach() -> None:
    both = run([10, 12, 14])

    near = interpolate(20, both, both, reach=10)
    far = interpolate(40, both, both, reach=10)

    assert near is not None and near.beyond_range and (near.low, near.high) == (14, 14)
    assert far is None
    assert interpolate(5, [], [], reach=10) is None


# --- scores ------------------------------------------------------------------------------------


def placed(span: float, *, same: bool = True, beyond: bool = False) -> Interpolation:
    return Interpolation(0.0, 0.0, 1, 3, 2, span, same, beyond)


def test_interpolation_is_trusted_less_as_neighbours_are_further_apart() -> None:
    spans = [20, 80, 150, 300, 900]
    qualities = [scoring.interpolation_quality(placed(s)) for s in spans]

    assert qualities == sorted(qualities, reverse=True) and qualities[0] > qualities[-1]
    assert scoring.interpolation_quality(placed(20, same=False)) < qualities[0]
    assert scoring.interpolation_quality(placed(0, beyond=True)) < qualities[0]
    assert qualities[0] < scoring.address_quality(same_text=True)


def test_only_a_tight_same_side_interpolation_on_the_heard_street_is_confident() -> None:
    tight = scoring.combine(1.0, scoring.interpolation_quality(placed(40)))
    across = scoring.combine(1.0, scoring.interpolation_quality(placed(40, same=False)))
    loose = scoring.combine(1.0, scoring.interpolation_quality(placed(250)))
    fuzzy = scoring.combine(0.8, scoring.interpolation_quality(placed(40)))

    assert tight >= scoring.CONFIDENT_SCORE
    assert max(across, loose, fuzzy) < scoring.CONFIDENT_SCORE
    assert scoring.combine(1.0, scoring.STREET_QUALITY) < scoring.CONFIDENT_SCORE
    assert scoring.AMBIGUOUS_CAP < scoring.CONFIDENT_SCORE


def test_a_less_likely_reading_scores_lower_and_scores_stay_in_range() -> None:
    assert scoring.reading_factor(0.9, 0.9) == 1.0
    assert scoring.reading_factor(0.45, 0.9) < 1.0
    assert scoring.reading_factor(0.0, 0.9) > 0.0
    assert scoring.combine(2.0, 2.0) == 1.0 and scoring.combine(-1.0, 0.5) == 0.0


# --- reading address files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "numbers"),
    [
        ("12", [("12", 12)]),
        ("12a", [("12A", 12)]),
        ("225-B", [("225B", 225)]),
        ("9-11", [("9", 9), ("11", 11)]),
        ("22;24", [("22", 22), ("24", 24)]),
        ("8, 9, 10", [("8", 8), ("9", 9), ("10", 10)]),
        ("15,15A", [("15", 15), ("15A", 15)]),
        ("37-12", [("37-12", 37)]),
        ("47½", [("47 1/2", 47)]),
        ("3480-", [("3480", 3480)]),
        ("", []),
        ("Ryder", None),
        ("34.5", None),
    ],
)
def test_house_numbers_as_cities_write_them(
    written: str, numbers: list[tuple[str, int]] | None
) -> None:
    assert parse_house_numbers(written) == numbers


def test_postal_codes_are_normalised() -> None:
    assert normalise_postal_code("02134-1307") == "02134"
    assert normalise_postal_code("02467;02135") == "02467"
    assert normalise_postal_code(" sw1a 1aa ") == "SW1A 1AA"


def test_the_format_is_told_from_the_header() -> None:
    assert detect_format(["House number", "Street name", "Postal code", "Latitude", "Longitude"])[
        0
    ].value == ("addressdata")
    assert detect_format(["\ufeffLON", "LAT", "NUMBER", "STREET"])[0].value == "openaddresses"
    with pytest.raises(AddressFileError, match="header not recognised"):
        detect_format(["lat", "lng", "addr"])


def test_rows_are_validated_one_by_one() -> None:
    text = (
        "LON,LAT,NUMBER,STREET,POSTCODE,DISTRICT\n"
        "-71.1,42.3,12,Elm St,02130,\n"
        "-71.1,42.3,14,Elm St,02130,Forest Hills\n"
        "nan,42.3,16,Elm St,02130,\n"
        "-71.1,42.3,18,   ,02130,\n"
    )
    tally = ReadTally()

    points = list(read_points(io.StringIO(text), neighbourhoods={"02130": "JP"}, tally=tally))

    assert [(p.house_number, p.street_key, p.neighbourhood) for p in points] == [
        ("12", "ELM ST", "JP"),
        ("14", "ELM ST", "Forest Hills"),
    ]
    assert (tally.rows, tally.points) == (4, 2)
    assert tally.bad == {BadRow.INVALID_COORDINATES: 1, BadRow.NO_STREET: 1}
    assert "Elm" not in repr(points[0])


def test_a_neighbourhoods_file_needs_its_header() -> None:
    good = load_neighbourhoods(io.StringIO("postal_code,neighbourhood\n02124-1234, Dorchester \n"))
    assert good == {"02124": "Dorchester"}
    with pytest.raises(AddressFileError, match="header"):
        load_neighbourhoods(io.StringIO("zip,name\n02124,Dorchester\n"))


# --- matching streets, crossings and areas ----------------------------------------------------

INDEX = build_index(
    [
        *street("MAPLE ST", [("10", 0, 0), ("12", 10, 0), ("14", 20, 0), ("20", 50, 0)]),
        *street("MAPLE ST", [("10", 5000, 5000), ("12", 5010, 5000)], postal="02124"),
        *street("N MAPLE ST", [("7", 900, 900)]),
        *street("ELM AVE", [("5", 0, 100), ("7", 0, 130)]),
        # Oak crosses Maple near 14. Pine runs beside Birch, 40 m east of it, for 300 m.
        *street("OAK ST", [("1", 20, 15), ("3", 20, 60), ("2", 20, -15)]),
        *street("BIRCH ST", [(str(n), 2000 + n * 10, 2000) for n in range(2, 60, 2)]),
        *street("PINE ST", [(str(n), 2000 + n * 10, 2040) for n in range(1, 60, 2)]),
        *street("MASSACHUSETTS AVE", [("1", 3000, 3000)]),
    ]
)


def test_streets_match_from_exact_to_fuzzy() -> None:
    def how(key: str) -> list[tuple[str, str]]:
        return [(m.street.key, m.how) for m in INDEX.match_street(key)][:2]

    assert how("MAPLE ST")[0] == ("MAPLE ST", "key")
    assert how("MAPLE")[0][0] == "MAPLE ST"  # no suffix said: the name core
    assert how("MAPEL ST")[0] == ("MAPLE ST", "phonetic")
    assert how("MASS AVE")[0] == ("MASSACHUSETTS AVE", "prefix")
    assert INDEX.match_street("ZZYZX RD") == ()
    similarity = {key: INDEX.match_street(key)[0].similarity for key in ("MAPLE ST", "MAPEL ST")}
    assert similarity["MAPLE ST"] > similarity["MAPEL ST"]


def test_streets_meet_where_their_points_are_close_but_parallel_streets_do_not() -> None:
    maple, oak, birch, pine = (
        INDEX.streets[k] for k in ("MAPLE ST", "OAK ST", "BIRCH ST", "PINE ST")
    )

    crossings = find_crossings(maple, oak)

    assert len(crossings) == 1
    assert distance_m(crossings[0].lat, crossings[0].lon, 42.35 + 20 * LAT_M, -71.1) < 15
    assert find_crossings(birch, pine) == []


def test_the_geocoder_on_a_small_index() -> None:
    geocoder = GazetteerGeocoder(INDEX)

    exact = geocoder.geocode([AddressCandidate("14", "MAPLE ST")])[0]
    between = geocoder.geocode([AddressCandidate("16", "MAPLE ST", postal_code="02130")])[0]
    twice = geocoder.geocode([AddressCandidate("10", "MAPLE ST")])[0]
    corner = geocoder.geocode([AddressCandidate(street="MAPLE ST", cross_street="OAK ST")])[0]

    assert (exact.level, exact.ambiguous) == (MatchLevel.ADDRESS, False)
    assert between.level is MatchLevel.INTERPOLATED and between.place is not None
    assert distance_m(between.place.lat, between.place.lon, 42.35 + 30 * LAT_M, -71.1) < 1
    assert twice.ambiguous and set(twice.ask_about) == {"02130", "02124"}
    assert twice.score < scoring.CONFIDENT_SCORE
    assert corner.level is MatchLevel.INTERSECTION


def test_a_neighbourhood_after_in_is_taken_out_of_the_words() -> None:
    assert split_area("12 maple street in jamaica plain", INDEX) == (
        "12 maple street",
        frozenset({"02130"}),
    )
    assert split_area("12 dorchester avenue", INDEX) == ("12 dorchester avenue", None)
    assert split_area("I'm in Dorchester Avenue at 12", INDEX)[1] is None
    assert split_area("", INDEX) == ("", None)


class RecordingGeocoder:
    """A geocoder that answers every reading with nothing, remembering what it was asked."""

    def __init__(self, *, fail: bool = False) -> None:
        self.asked: list[AddressCandidate] = []
        self.fail = fail

    def geocode(self, candidates: Sequence[AddressCandidate]) -> list[GeocodeResult]:
        if self.fail:
            raise RuntimeError("service down")
        self.asked.extend(candidates)
        return [no_match("not found")]


def test_resolve_hands_any_geocoder_the_parsed_candidates_with_the_keyed_postal_code() -> None:
    recording = RecordingGeocoder()

    results = resolve_with(
        recording.geocode, "twelve thirty four elm street", postal_code=" 02130 "
    )

    assert [r.level for r in results] == [MatchLevel.NONE]
    assert recording.asked and recording.asked[0].house_number == "1234"
    assert {c.postal_code for c in recording.asked} == {"02130"}


def test_resolve_never_raises() -> None:
    failing = RecordingGeocoder(fail=True)
    assert resolve_with(failing.geocode, "12 elm street")[0].level is MatchLevel.NONE
    assert resolve_with(RecordingGeocoder().geocode, "")[0].reason
    gazetteer = GazetteerGeocoder(INDEX)
    assert gazetteer.resolve("twelve maple street")[0].level is MatchLevel.ADDRESS
    assert gazetteer.resolve("")[0].reason == "nothing was said"


def test_a_keyed_number_narrows_the_streets_to_those_that_place_it() -> None:
    # Maple's points run 10-20: 16 falls between them, 30 is within reach of 20 (ten numbers
    # beyond the last known one), 40 is not. Birch (2-58 even) and Pine (1-59 odd) place 40.
    assert streets_placing(INDEX, 16) == (
        "Birch St",
        "Elm Ave",
        "Maple St",
        "N Maple St",
        "Pine St",
    )
    assert "Maple St" in streets_placing(INDEX, 30)
    assert streets_placing(INDEX, 40) == ("Birch St", "Pine St")
    assert streets_placing(INDEX, 9000) == ()
    cached = StreetsByNumber()
    assert cached(INDEX, 40) == ("Birch St", "Pine St") == cached(INDEX, 40)


def test_every_numbered_address_is_listed_once() -> None:
    pairs = list(numbered_addresses(INDEX))
    assert (14, "Maple St") in pairs and (7, "N Maple St") in pairs
    assert len(pairs) == len(set(pairs))
