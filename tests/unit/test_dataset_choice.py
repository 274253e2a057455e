"""Which gazetteer datasets geocoding uses: what the settings name, else the city file's, else the
one there is; several and no choice is a sentence that says what to set, never a mix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.addresses.dataset_choice import DatasetChoice, DatasetChoiceError
from ivr.addresses.gazetteer import dataset_name_of, dataset_name_problem
from ivr.settings import Settings


def test_the_settings_name_the_datasets_in_order_without_blanks_or_repeats() -> None:
    settings = Settings(gazetteer_datasets=" miami , ,sample-boston,miami")
    assert DatasetChoice.from_settings(settings).named == ("miami", "sample-boston")


def test_the_city_file_names_its_dataset_after_the_file() -> None:
    settings = Settings(gazetteer_file="/srv/city/miami-addresses.csv")
    assert DatasetChoice.from_settings(settings).city_file == "miami-addresses"
    assert DatasetChoice.from_settings(Settings()).city_file == ""


def test_the_only_dataset_there_is_is_used_when_none_is_chosen() -> None:
    assert DatasetChoice().check(["sample-boston"]) == ("sample-boston",)
    assert DatasetChoice().check([]) == ()


def test_several_datasets_and_no_choice_is_refused_with_what_to_set() -> None:
    with pytest.raises(DatasetChoiceError) as refused:
        DatasetChoice().check(["miami", "sample-boston"])
    sentence = str(refused.value)
    assert "2 datasets (miami, sample-boston)" in sentence
    assert "IVR_GAZETTEER_DATASETS" in sentence
    assert "ivr gazetteer drop NAME" in sentence


def test_a_named_choice_wins_over_the_city_file_and_the_one_dataset_rule() -> None:
    choice = DatasetChoice(named=("miami",), city_file="boston")
    assert choice.check(["boston", "miami", "sample-boston"]) == ("miami",)


def test_the_city_file_chooses_its_dataset_among_several() -> None:
    choice = DatasetChoice(city_file="miami-addresses")
    assert choice.check(["miami-addresses", "old-test"]) == ("miami-addresses",)


def test_a_named_dataset_the_store_lacks_stops_a_start() -> None:
    with pytest.raises(DatasetChoiceError, match="names boston, which the gazetteer does not hold"):
        DatasetChoice(named=("miami", "boston")).check(["miami"])


def test_a_running_process_keeps_its_datasets_when_a_second_city_arrives() -> None:
    used = DatasetChoice().resolve(["sample-boston"])
    assert DatasetChoice().resolve(["miami", "sample-boston"], previous=used) == used


def test_dataset_names_from_files_and_names_refused() -> None:
    assert dataset_name_of(Path("Miami, FL addresses.csv")) == "Miami-FL-addresses"
    assert dataset_name_problem("") == "a dataset name is needed"
    assert "comma" in (dataset_name_problem("a,b") or "")
    assert dataset_name_problem("x" * 101) is not None
    assert dataset_name_problem("miami") is None
