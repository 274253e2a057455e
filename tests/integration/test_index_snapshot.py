"""The gazetteer index kept on disk between starts, on SQLite and PostgreSQL: a second start
reads the snapshot and answers exactly as the store does; a new import, or a damaged file, is
never answered from an old snapshot."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from ivr.addresses import index_loading
from ivr.addresses.dataset_digest import dataset_digest
from ivr.addresses.gazetteer import import_file
from ivr.addresses.geocoder import GazetteerGeocoder
from ivr.addresses.index import GazetteerIndex
from ivr.addresses.index_loading import load_index
from ivr.addresses.types import AddressCandidate
from ivr.settings import PACKAGE_DATA
from ivr.store.db import make_engine

BOSTON_FILE = PACKAGE_DATA / "boston-addresses.csv"


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def snapshot_every_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_loading, "MIN_POINTS", 0)


def some_of_boston(path: Path, rows: int) -> tuple[Path, list[tuple[str, str]]]:
    """The first ``rows`` rows of the Boston file, and (number, street) of every tenth."""
    with BOSTON_FILE.open(encoding="utf-8-sig", newline="") as stream:
        lines = stream.read().splitlines()[: rows + 1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    said = [(row[0], row[1]) for row in list(csv.reader(lines[1:]))[::10] if row[0]]
    return path, said


def answers(index: GazetteerIndex, said: list[tuple[str, str]]) -> list[object]:
    geocoder = GazetteerGeocoder(index)
    found = []
    for number, street in said:
        for result in geocoder.geocode([AddressCandidate(house_number=number, street=street)]):
            place = result.place
            where = None if place is None else (place.lat, place.lon, place.postal_code)
            found.append((result.level, result.score, where, result.alternatives))
    return found


def sources(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        str(getattr(r, "source", ""))
        for r in caplog.records
        if r.getMessage() == "gazetteer index built"
    ]


def test_a_second_start_reads_the_snapshot_and_answers_the_same(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, said = some_of_boston(tmp_path / "city.csv", 3000)
    import_file(engine, path)
    caplog.set_level(logging.INFO, logger="ivr.addresses.index_loading")

    first = load_index(engine, snapshots=tmp_path / "snapshots")
    second = load_index(engine, snapshots=tmp_path / "snapshots")

    assert sources(caplog) == ["database", "snapshot"]
    assert len(list((tmp_path / "snapshots").glob("*.npz"))) == 1
    assert second.digest == first.digest == dataset_digest_of(engine)
    assert second.street_names() == first.street_names()
    assert answers(second, said) == answers(first, said)
    assert any(level.value == "address" for level, *_ in answers(second, said))


def test_a_new_import_is_read_from_the_store_not_an_old_snapshot(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, _ = some_of_boston(tmp_path / "city.csv", 200)
    import_file(engine, path)
    before = load_index(engine, snapshots=tmp_path / "snapshots")
    (tmp_path / "more.csv").write_text(
        "House number,Street name,Postal code,Latitude,Longitude\n"
        "7,Zephyr Lane,02130,42.31,-71.11\n",
        encoding="utf-8",
    )
    import_file(engine, tmp_path / "more.csv")
    caplog.set_level(logging.INFO, logger="ivr.addresses.index_loading")

    after = load_index(engine, snapshots=tmp_path / "snapshots")

    assert sources(caplog) == ["database"]
    assert after.digest != before.digest
    assert after.knows("ZEPHYR LN") and not before.knows("ZEPHYR LN")


def test_a_damaged_snapshot_is_removed_and_the_index_built_from_the_store(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, said = some_of_boston(tmp_path / "city.csv", 500)
    import_file(engine, path)
    first = load_index(engine, snapshots=tmp_path / "snapshots")
    (snapshot,) = (tmp_path / "snapshots").glob("*.npz")
    data = bytearray(snapshot.read_bytes())
    data[len(data) // 2] ^= 0xFF
    snapshot.write_bytes(bytes(data))
    caplog.set_level(logging.INFO, logger="ivr.addresses")

    again = load_index(engine, snapshots=tmp_path / "snapshots")

    assert "gazetteer index snapshot stale: removed" in caplog.messages
    assert sources(caplog) == ["database"]
    assert answers(again, said) == answers(first, said)
    assert load_index(engine, snapshots=tmp_path / "snapshots").street_names()  # rewritten


def dataset_digest_of(engine: Engine) -> str:
    with engine.connect() as connection:
        return dataset_digest(connection)
