"""Importing address points into the gazetteer on SQLite and PostgreSQL: both file formats,
bad rows counted by reason, all-or-nothing imports, replacing a dataset, and the CLI."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.engine import Engine

from ivr.addresses.address_files import AddressFileError
from ivr.addresses.gazetteer import (
    GazetteerError,
    gazetteer_stats,
    import_file,
    neighbourhoods_of,
)
from ivr.addresses.gazetteer_start import ensure_loaded
from ivr.addresses.geocoder import GazetteerGeocoder
from ivr.addresses.index_loading import IndexCache, load_index
from ivr.addresses.types import AddressCandidate, MatchLevel
from ivr.cli import main
from ivr.settings import PACKAGE_DATA, Settings
from ivr.store.db import make_engine
from ivr.store.gazetteer_tables import GazetteerPoint, GazetteerStreet

BOSTON_FILE = PACKAGE_DATA / "boston-addresses.csv"
BOSTON_HEADER = "House number,Street name,Postal code,Latitude,Longitude"
OA_HEADER = "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH"


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def points(engine: Engine) -> list[tuple[str, str, str, str, str]]:
    table = GazetteerPoint.__table__
    query = select(
        table.c.house_number,
        table.c.street_key,
        table.c.postal_code,
        table.c.neighbourhood,
        table.c.unit,
    ).order_by(table.c.street_key, table.c.house_number_int, table.c.house_number)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def find(engine: Engine, number: str, street: str) -> list[tuple[str, str, float, float]]:
    """What the geocoder answers for an address, from a freshly built index."""
    geocoder = GazetteerGeocoder(load_index(engine))
    result = geocoder.geocode([AddressCandidate(house_number=number, street=street)])[0]
    if result.level is not MatchLevel.ADDRESS or result.place is None:
        return []
    place = result.place
    return [(place.house_number or "", place.postal_code, place.lat, place.lon)]


BOSTON_ROWS = [
    "12,Elm Street,02130,42.3100000,-71.1100000",
    "14,Elm Street,02130,42.3101000,-71.1101000",
    "9-11,Beacon St,02108-1234,42.3580000,-71.0640000",
    "22;24,N. Washington Street,02114,42.3650000,-71.0590000",
    "5A,Newbury Street 2nd Floor,02116,42.3510000,-71.0770000",
    # bad rows, one per reason
    "7,Elm Street,02130,,-71.1100000",
    "8,Elm Street,02130,north,-71.1100000",
    "9,Elm Street,02130,142.31,-71.11",
    "10,,02130,42.31,-71.11",
    ",Elm Street,02130,42.31,-71.11",
    "34.5,Elm Street,02130,42.31,-71.11",
    "3,Elm Street",
]


def test_imports_the_addressdata_format_with_neighbourhoods_from_postal_codes(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path / "city.csv", BOSTON_HEADER, BOSTON_ROWS)
    report = import_file(engine, path, neighbourhoods=neighbourhoods_of(Settings()))

    assert (report.dataset, report.file_format) == ("city", "addressdata")
    assert report.rows == len(BOSTON_ROWS)
    assert report.points == 7  # 9-11 and 22;24 are two numbers each
    assert dict(report.bad) == {
        "missing coordinates": 1,
        "coordinates not numbers": 1,
        "coordinates out of range": 1,
        "no street name": 1,
        "no house number": 1,
        "house number not understood": 1,
        "wrong number of columns": 1,
    }
    assert points(engine) == [
        ("9", "BEACON ST", "02108", "Beacon Hill", ""),
        ("11", "BEACON ST", "02108", "Beacon Hill", ""),
        ("12", "ELM ST", "02130", "Jamaica Plain", ""),
        ("14", "ELM ST", "02130", "Jamaica Plain", ""),
        ("22", "N WASHINGTON ST", "02114", "West End", ""),
        ("24", "N WASHINGTON ST", "02114", "West End", ""),
        ("5A", "NEWBURY ST", "02116", "Back Bay", ""),
    ]
    assert find(engine, "11", "BEACON ST") == [("11", "02108", 42.358, -71.064)]


def test_imports_the_openaddresses_format_with_units_and_districts(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        "-71.0589,42.3601,1,City Hall Plaza,,BOSTON,Government Center,MA,02201,a1,h1",
        "-71.0610,42.3555,100,Tremont St,Apt 4,BOSTON,,MA,02108,a2,h2",
        "-71.0611,42.3556,102,Tremont St,,BOSTON,,MA,,,h3",
        "-71.0611,,104,Tremont St,,BOSTON,,MA,02108,a4,h4",
        "-191.0,42.3,106,Tremont St,,BOSTON,,MA,02108,a5,h5",
    ]
    path = write(tmp_path / "oa.csv", OA_HEADER, rows)
    report = import_file(
        engine, path, dataset="boston-oa", neighbourhoods=neighbourhoods_of(Settings())
    )

    assert (report.file_format, report.rows, report.points) == ("openaddresses", 5, 3)
    assert dict(report.bad) == {"missing coordinates": 1, "coordinates out of range": 1}
    assert points(engine) == [
        ("1", "CITY HALL PLZ", "02201", "Government Center", ""),
        ("100", "TREMONT ST", "02108", "Beacon Hill", "Apt 4"),
        ("102", "TREMONT ST", "", "", ""),
    ]
    stats = gazetteer_stats(engine)
    assert (stats.points, stats.streets, stats.datasets) == (3, 2, (("boston-oa", 3),))


def test_an_unknown_header_is_refused_and_nothing_is_loaded(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "odd.csv", "x,y,address", ["1,2,12 Elm St"])
    with pytest.raises(AddressFileError, match="header not recognised"):
        import_file(engine, path)
    assert gazetteer_stats(engine).points == 0


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ([], "no address point could be read from its 0 rows"),
        (BOSTON_ROWS[5:8], "from its 3 rows (1 missing coordinates, 1 coordinates not numbers"),
    ],
)
def test_a_file_with_no_usable_point_is_refused_and_replaces_nothing(
    engine: Engine, tmp_path: Path, rows: list[str], said: str
) -> None:
    import_file(engine, write(tmp_path / "city.csv", BOSTON_HEADER, BOSTON_ROWS[:5]))
    before = points(engine)
    empty = write(tmp_path / "city-next.csv", BOSTON_HEADER, rows)
    with pytest.raises(AddressFileError, match=re.escape(said)):
        import_file(engine, empty, dataset="city", replace=True)
    assert points(engine) == before


def test_a_failing_import_loses_nothing_already_loaded(engine: Engine, tmp_path: Path) -> None:
    first = write(tmp_path / "city.csv", BOSTON_HEADER, BOSTON_ROWS[:5])
    import_file(engine, first)
    before = points(engine)
    good = [f"{n},Elm Street,02130,42.31,-71.11" for n in range(100, 20_000, 2)]
    broken = tmp_path / "city-next.csv"
    # A byte that is not UTF-8, long after the first batches have been inserted.
    broken.write_bytes(
        "\n".join([BOSTON_HEADER, *good]).encode() + b"\n13,Elm \xff Street,02130,42.3,-71.1\n"
    )

    with pytest.raises(AddressFileError, match="not UTF-8"):
        import_file(engine, broken, dataset="city", replace=True)

    assert points(engine) == before
    assert find(engine, "12", "ELM ST") != []
    assert find(engine, "19998", "ELM ST") == []


def test_replace_swaps_the_dataset_in_one_import(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, write(tmp_path / "city.csv", BOSTON_HEADER, BOSTON_ROWS[:2]))
    import_file(engine, write(tmp_path / "other.csv", BOSTON_HEADER, BOSTON_ROWS[2:3]))
    newer = write(tmp_path / "newer.csv", BOSTON_HEADER, ["30,Elm Street,02130,42.32,-71.12"])

    with pytest.raises(GazetteerError, match="already loaded"):
        import_file(engine, newer, dataset="city")
    report = import_file(engine, newer, dataset="city", replace=True)

    assert (report.replaced, report.points) == (2, 1)
    assert points(engine) == [
        ("9", "BEACON ST", "02108", "", ""),
        ("11", "BEACON ST", "02108", "", ""),
        ("30", "ELM ST", "02130", "", ""),
    ]
    assert find(engine, "12", "ELM ST") == []
    assert find(engine, "30", "ELM ST") == [("30", "02130", 42.32, -71.12)]
    with engine.connect() as connection:
        streets = connection.execute(
            select(GazetteerStreet.street_key, GazetteerStreet.point_count).order_by(
                GazetteerStreet.street_key
            )
        ).all()
    assert [tuple(s) for s in streets] == [("BEACON ST", 2), ("ELM ST", 1)]


def test_the_whole_boston_file_imports(engine: Engine) -> None:
    with BOSTON_FILE.open(encoding="utf-8", newline="") as stream:
        data_rows = sum(1 for _ in csv.reader(stream)) - 1
    report = import_file(engine, BOSTON_FILE, neighbourhoods=neighbourhoods_of(Settings()))

    assert report.rows == data_rows
    assert report.points > data_rows - report.bad_rows  # ranges give several numbers
    assert report.bad_rows < data_rows / 1000
    assert {reason for reason, _ in report.bad} <= {"house number not understood"}
    stats = gazetteer_stats(engine)
    assert stats.points == report.points
    assert "Dorchester" in dict(stats.neighbourhoods)
    result = GazetteerGeocoder(load_index(engine)).geocode(
        [AddressCandidate(house_number="438", street="WASHINGTON ST")]
    )[0]
    assert result.place is not None
    assert (result.level, result.place.postal_code) == (MatchLevel.ADDRESS, "02135")


def test_ensure_loaded_fills_an_empty_gazetteer_once(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "sample.csv", BOSTON_HEADER, BOSTON_ROWS[:2])
    settings = Settings(gazetteer_file=str(path))

    first = ensure_loaded(settings, engine=engine)
    second = ensure_loaded(settings, engine=engine)

    assert first is not None and first.points == 2
    assert second is None
    assert gazetteer_stats(engine).points == 2


def test_an_index_cache_picks_up_a_newer_import(engine: Engine, tmp_path: Path) -> None:
    now = [0.0]
    cache = IndexCache(engine, check_every=30.0, clock=lambda: now[0])
    import_file(engine, write(tmp_path / "city.csv", BOSTON_HEADER, BOSTON_ROWS[:1]))
    assert cache.current().knows("ELM ST")
    assert not cache.current().knows("BEACON ST")

    import_file(engine, write(tmp_path / "more.csv", BOSTON_HEADER, BOSTON_ROWS[2:3]))
    assert not cache.current().knows("BEACON ST")  # not checked again yet
    now[0] = 31.0
    assert cache.current().knows("BEACON ST")


def test_a_geocoder_on_the_database_answers_after_an_import(engine: Engine, tmp_path: Path) -> None:
    geocoder = GazetteerGeocoder.from_engine(engine, check_every=0.0)
    assert geocoder.geocode([AddressCandidate("12", "ELM ST")])[0].level is MatchLevel.NONE

    import_file(engine, write(tmp_path / "city.csv", BOSTON_HEADER, BOSTON_ROWS[:1]))

    assert geocoder.resolve("twelve elm street")[0].level is MatchLevel.ADDRESS


def test_cli_import_prints_what_it_loaded_and_stats_agree(
    migrated_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "city.csv", BOSTON_HEADER, BOSTON_ROWS)
    runner = CliRunner()
    env = {"IVR_DATABASE_URL": migrated_url}

    imported = runner.invoke(main, ["gazetteer", "import", str(path)], env=env)
    again = runner.invoke(main, ["gazetteer", "import", str(path)], env=env)
    replaced = runner.invoke(main, ["gazetteer", "import", str(path), "--replace"], env=env)
    stats = runner.invoke(main, ["gazetteer", "stats"], env=env)

    assert imported.exit_code == 0, imported.output
    assert "12 rows read, 7 points loaded" in imported.output
    assert "bad rows: 7" in imported.output
    assert "1  coordinates out of range" in imported.output
    assert again.exit_code != 0 and "already loaded" in again.output
    assert replaced.exit_code == 0 and "replaced 7 points" in replaced.output
    assert "7 points on 4 streets" in stats.output


def test_cli_geocode_prints_ranked_results_with_the_read_back(
    migrated_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "city.csv", BOSTON_HEADER, BOSTON_ROWS[:5])
    runner = CliRunner()
    env = {"IVR_DATABASE_URL": migrated_url}
    runner.invoke(main, ["gazetteer", "import", str(path)], env=env)

    found = runner.invoke(main, ["geocode", "um twelve elm street"], env=env)
    missing = runner.invoke(main, ["geocode", "twelve zzyzx boulevard"], env=env)

    assert found.exit_code == 0, found.output
    assert "1. address score=1.000 confident" in found.output
    assert "twelve Elm Street, in Jamaica Plain" in found.output
    assert "lat 42.310000 lon -71.110000 02130" in found.output
    assert missing.exit_code == 0 and "1. none score=0.000" in missing.output
