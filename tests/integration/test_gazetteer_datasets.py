"""A gazetteer of named datasets, as a city's IT team meets it: the first start loads the Boston
sample (and says so), a second city imported beside it stops the next start until one is chosen,
the city chosen answers for itself ("four thirty eight washington street" is not "in Brighton"),
and a dropped dataset is gone from the list and from geocoding.

The stores are SQLite files made once for the module (the sample as ``ivr serve`` loads it, and
Miami's 75,000 points beside it) and copied for each test.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.addresses.dataset_choice import DatasetChoice
from ivr.addresses.datasets import SAMPLE_DATASET, drop_dataset, list_datasets
from ivr.addresses.gazetteer import import_file
from ivr.addresses.gazetteer_start import prepare_gazetteer
from ivr.addresses.geocoder import GazetteerGeocoder
from ivr.addresses.readback import speak_place
from ivr.addresses.scoring import CONFIDENT_SCORE
from ivr.addresses.types import GeocodeResult, MatchLevel
from ivr.cli import main
from ivr.runtime import Runtime
from ivr.serve import CannotServe, prepare
from ivr.settings import PACKAGE_DATA, Settings
from ivr.store.db import make_engine
from tests.support.models_folder import models_folder
from tests.support.serve_process import free_port

MIAMI_FILE = PACKAGE_DATA / "miami-addresses.csv"
BOSTON_ONLY = "four thirty eight washington street"  # 438 Washington St, Brighton (02135)
MIAMI_ONLY = "thirty seven ninety eight washington avenue"  # 3798 Washington Ave, 33133
HEADER = "House number,Street name,Postal code,Latitude,Longitude"


@dataclass(frozen=True)
class Stores:
    sample_only: Path  # the store after a first `ivr serve` on the defaults
    two_cities: Path  # the same, with Miami imported beside it as "miami"
    start_warnings: tuple[str, ...]  # what the first start logged at WARNING


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    folder = tmp_path_factory.mktemp("gazetteer-datasets")
    sample_only = folder / "sample-only.db"
    warnings = _Caught()
    logger = logging.getLogger("ivr.addresses.gazetteer_start")
    logger.addHandler(warnings)
    try:
        prepare(settings_for(sample_only))
    finally:
        logger.removeHandler(warnings)
    two_cities = copy_store(sample_only, folder / "two-cities.db")
    engine = make_engine(url_of(two_cities))
    try:
        import_file(engine, MIAMI_FILE, dataset="miami")
    finally:
        engine.dispose()
    return Stores(sample_only, two_cities, tuple(warnings.lines))


class _Caught(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def settings_for(path: Path, **values: str) -> Settings:
    return Settings(database_url=url_of(path), models_dir=models_folder(), **values)


def copy_store(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    return target


@pytest.fixture
def two_cities(stores: Stores, tmp_path: Path) -> Path:
    return copy_store(stores.two_cities, tmp_path / "voice311.db")


def first_answer(settings: Settings, words: str) -> GeocodeResult:
    """What the gateway's resolver, built as in service, answers first for ``words``."""
    rt = Runtime(settings)
    try:
        return rt.resolver.resolve(words)[0]
    finally:
        rt.engine.dispose()


def heard(result: GeocodeResult) -> str:
    """The read-back a caller would hear, with whether the gateway is sure of it."""
    sure = result.matched and not result.ambiguous and result.score >= CONFIDENT_SCORE
    place = speak_place(result.place) if result.place else "nothing"
    return f"{place} ({'confident' if sure else 'asks again'})"


def names(path: Path) -> list[str]:
    engine = make_engine(url_of(path))
    try:
        return [info.name for info in list_datasets(engine)]
    finally:
        engine.dispose()


def test_a_first_start_without_a_city_loads_the_sample_and_says_so(stores: Stores) -> None:
    engine = make_engine(url_of(stores.sample_only))
    try:
        (sample,) = list_datasets(engine)
    finally:
        engine.dispose()
    assert (sample.name, sample.source) == (SAMPLE_DATASET, "boston-addresses.csv")
    assert sample.points > 50_000 and sample.streets > 2_000
    assert any(
        line.startswith("no city gazetteer configured: using the Boston sample")
        and "IVR_GAZETTEER_FILE" in line
        for line in stores.start_warnings
    )
    assert "in Brighton (confident)" in heard(
        first_answer(settings_for(stores.sample_only), BOSTON_ONLY)
    )


def test_a_second_city_beside_the_sample_stops_the_start_with_a_sentence(two_cities: Path) -> None:
    with pytest.raises(CannotServe) as refused:
        prepare(settings_for(two_cities))
    sentence = str(refused.value)
    assert "2 datasets (miami, sample-boston)" in sentence
    assert "set IVR_GAZETTEER_DATASETS" in sentence


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"]], ids=["serve", "worker"])
def test_ivr_serve_and_worker_refuse_two_cities_with_exit_2_and_no_traceback(
    two_cities: Path, command: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env |= {"IVR_DATABASE_URL": url_of(two_cities), "IVR_PORT": str(free_port())}
    env["IVR_MODELS_DIR"] = models_folder()
    done = subprocess.run(
        [sys.executable, "-m", "ivr", *command],
        cwd=two_cities.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert "geocoding never mixes them" in said and "IVR_GAZETTEER_DATASETS" in said
    assert "Traceback" not in said


def test_the_city_chosen_does_not_answer_in_brighton(two_cities: Path) -> None:
    settings = settings_for(two_cities, gazetteer_datasets="miami")
    prepare(settings)  # the start goes ahead

    boston_words = heard(first_answer(settings, BOSTON_ONLY))
    miami_words = first_answer(settings, MIAMI_ONLY)

    assert "Brighton" not in boston_words
    assert boston_words.endswith("(asks again)")
    assert miami_words.level is MatchLevel.ADDRESS and miami_words.place is not None
    assert miami_words.place.postal_code == "33133"
    # The same store with Boston chosen still answers in Brighton: the choice is what differs.
    boston = settings_for(two_cities, gazetteer_datasets=SAMPLE_DATASET)
    assert "in Brighton (confident)" in heard(first_answer(boston, BOSTON_ONLY))


def test_both_chosen_are_used_together_as_one_gazetteer(two_cities: Path) -> None:
    settings = settings_for(two_cities, gazetteer_datasets=f"miami,{SAMPLE_DATASET}")
    prepare(settings)

    assert "in Brighton (confident)" in heard(first_answer(settings, BOSTON_ONLY))
    miami = first_answer(settings, MIAMI_ONLY)
    assert miami.place is not None and miami.place.postal_code == "33133"


def test_a_dropped_dataset_is_gone_from_the_list_and_from_geocoding(two_cities: Path) -> None:
    settings = settings_for(two_cities, gazetteer_datasets=f"miami,{SAMPLE_DATASET}")
    engine = make_engine(url_of(two_cities))
    try:
        running = GazetteerGeocoder.from_engine(
            engine, check_every=0.0, choice=DatasetChoice.from_settings(settings)
        )
        before = heard(running.resolve(BOSTON_ONLY)[0])
        dropped = drop_dataset(engine, SAMPLE_DATASET)
        after = heard(running.resolve(BOSTON_ONLY)[0])
    finally:
        engine.dispose()

    assert "in Brighton (confident)" in before
    assert dropped > 50_000
    assert "Brighton" not in after  # the running gateway reloaded without it
    assert names(two_cities) == ["miami"]
    defaults = settings_for(two_cities)
    prepare(defaults)  # one dataset again: no choice needed, and no sample loaded back
    assert names(two_cities) == ["miami"]
    assert "Brighton" not in heard(first_answer(defaults, BOSTON_ONLY))


def test_a_city_file_set_after_a_sample_start_loads_the_city_and_drops_the_sample(
    stores: Stores, tmp_path: Path
) -> None:
    store = copy_store(stores.sample_only, tmp_path / "voice311.db")
    lines = MIAMI_FILE.read_text(encoding="utf-8").splitlines()
    city_file = tmp_path / "miami-addresses.csv"
    city_file.write_text("\n".join(lines[:2001]) + "\n", encoding="utf-8")
    settings = settings_for(store, gazetteer_file=str(city_file))

    first = prepare_gazetteer(settings)
    again = prepare_gazetteer(settings)

    assert first.datasets == again.datasets == ("miami-addresses",)
    assert first.imported is not None and first.imported.rows == 2000
    assert first.sample_dropped > 50_000 and not first.uses_sample
    assert again.imported is None and again.sample_dropped == 0
    assert names(store) == ["miami-addresses"]


# -- the command line -----------------------------------------------------------------------


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def cli(migrated_url: str) -> Iterator[tuple[CliRunner, dict[str, str]]]:
    yield CliRunner(), {"IVR_DATABASE_URL": migrated_url, "IVR_GAZETTEER_DATASETS": ""}


def test_cli_imports_named_datasets_lists_them_and_refuses_a_name_twice(
    cli: tuple[CliRunner, dict[str, str]], tmp_path: Path
) -> None:
    runner, env = cli
    boston = write(tmp_path / "b.csv", ["12,Elm Street,02130,42.31,-71.11"])
    miami = write(tmp_path / "miami-addresses.csv", ["3798,Washington Avenue,33133,25.72,-80.25"])

    first = runner.invoke(main, ["gazetteer", "import", str(boston), "--name", "boston"], env=env)
    second = runner.invoke(main, ["gazetteer", "import", str(miami)], env=env)
    twice = runner.invoke(main, ["gazetteer", "import", str(miami)], env=env)
    listed = runner.invoke(main, ["gazetteer", "list"], env=env)
    chosen = runner.invoke(
        main, ["gazetteer", "list"], env=env | {"IVR_GAZETTEER_DATASETS": "boston"}
    )

    assert first.exit_code == 0 and "dataset boston (" in first.output, first.output
    assert second.exit_code == 0 and "dataset miami-addresses (" in second.output
    assert "note: the gazetteer holds 2 datasets" in second.output
    assert twice.exit_code == 1
    assert "dataset 'miami-addresses' is already loaded (1 points)" in twice.output
    assert "--replace" in twice.output and "Traceback" not in twice.output
    rows = [line.split() for line in listed.output.splitlines()[1:3]]
    assert [row[:3] for row in rows] == [["boston", "1", "1"], ["miami-addresses", "1", "1"]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row[3]) for row in rows)  # imported when
    assert "b.csv" in listed.output and "digest " in listed.output
    assert "geocoding uses none: the gazetteer holds 2 datasets" in listed.output
    assert "* boston" in chosen.output and "geocoding uses: boston" in chosen.output


def test_cli_drop_asks_then_drops_and_an_unknown_name_is_a_sentence(
    cli: tuple[CliRunner, dict[str, str]], tmp_path: Path
) -> None:
    runner, env = cli
    city = write(tmp_path / "city.csv", ["12,Elm Street,02130,42.31,-71.11"])
    runner.invoke(main, ["gazetteer", "import", str(city)], env=env)

    declined = runner.invoke(main, ["gazetteer", "drop", "city"], env=env, input="n\n")
    unknown = runner.invoke(main, ["gazetteer", "drop", "boston", "--yes"], env=env)
    dropped = runner.invoke(main, ["gazetteer", "drop", "city"], env=env, input="y\n")
    listed = runner.invoke(main, ["gazetteer", "list"], env=env)

    assert declined.exit_code == 1 and "Drop dataset city (1 points)?" in declined.output
    assert "city" in unknown.output  # still there after the answer "n"
    assert unknown.exit_code == 1
    assert "there is no dataset named 'boston'; the gazetteer holds city" in unknown.output
    assert "Traceback" not in unknown.output
    assert dropped.exit_code == 0 and "dropped dataset city: 1 points" in dropped.output
    assert "the gazetteer holds no dataset" in listed.output
