"""The gazetteer as a start leaves it (``ivr serve``, before it serves): the city loaded, the
datasets geocoding uses chosen, and the Boston sample only where no city was configured.

- ``IVR_GAZETTEER_FILE`` set: the file is imported as the dataset named after it, unless the
  gazetteer holds that dataset already (a newer file is brought in with
  ``ivr gazetteer import FILE --name NAME --replace``). The Boston sample, if an earlier start
  loaded it, is dropped: it is a copy of a file shipped with voice311 (nothing is lost; an
  import brings it back), and left in place it would be a second city in the store, one
  ``IVR_GAZETTEER_DATASETS`` mistake away from being mixed in.
- ``IVR_GAZETTEER_FILE`` empty and the gazetteer empty: the sample is imported as
  ``sample-boston``. Every start that geocodes with the sample says so in a WARNING line.
- Then the choice of datasets (:mod:`ivr.addresses.dataset_choice`) is checked: a gazetteer of
  several datasets with none chosen, or a choice naming a dataset that is not there, stops the
  start with a sentence that says what to set.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ivr.addresses.dataset_choice import DatasetChoice
from ivr.addresses.datasets import SAMPLE_DATASET, dataset_names, drop_dataset
from ivr.addresses.gazetteer import ImportReport, dataset_name_of, import_file, neighbourhoods_of
from ivr.settings import Settings

log = logging.getLogger(__name__)

SAMPLE_WARNING = (
    "no city gazetteer configured: using the Boston sample addresses (dataset sample-boston), "
    "so callers' addresses are placed in Boston. Set IVR_GAZETTEER_FILE to the city's address "
    "points, or import them with `ivr gazetteer import FILE --name NAME` and choose them with "
    "IVR_GAZETTEER_DATASETS"
)


@dataclass(frozen=True)
class GazetteerStart:
    """What a start did to the gazetteer and what geocoding will use."""

    datasets: tuple[str, ...]  # the datasets geocoding uses
    imported: ImportReport | None  # the import this start made, if any
    sample_dropped: int  # points of the sample dataset this start dropped

    @property
    def uses_sample(self) -> bool:
        return self.datasets == (SAMPLE_DATASET,)


def prepare_gazetteer(settings: Settings, *, engine: Engine | None = None) -> GazetteerStart:
    """Load what the settings name, drop the sample when a city is configured, and check the
    choice of datasets. ``GazetteerError`` (its ``DatasetChoiceError``) or ``AddressFileError``
    say, in a sentence, why the gateway cannot start."""
    with _engine(settings, engine) as store:
        choice = DatasetChoice.from_settings(settings)
        imported = ensure_loaded(settings, engine=store)
        dropped = 0
        with store.connect() as connection:
            present = dataset_names(connection)
        sample_unwanted = SAMPLE_DATASET in present and SAMPLE_DATASET not in choice.named
        if settings.gazetteer_file and sample_unwanted:
            dropped = drop_dataset(store, SAMPLE_DATASET)
            present = tuple(name for name in present if name != SAMPLE_DATASET)
            log.info(
                "the Boston sample dataset was dropped: IVR_GAZETTEER_FILE names the city's "
                "address points",
                extra={"dataset": SAMPLE_DATASET, "points": dropped},
            )
        started = GazetteerStart(choice.check(present), imported, dropped)
    if started.uses_sample:
        log.warning(SAMPLE_WARNING)
    log.info("gazetteer datasets chosen", extra={"datasets": ",".join(started.datasets)})
    return started


def check_dataset_choice(settings: Settings, *, engine: Engine | None = None) -> tuple[str, ...]:
    """The datasets geocoding will use, for a process that does not prepare the gazetteer
    itself (``ivr worker``): ``DatasetChoiceError`` when the store holds several and nothing
    chooses, or the chosen ones are missing, as ``ivr serve`` would refuse."""
    with _engine(settings, engine) as store, store.connect() as connection:
        present = dataset_names(connection)
    return DatasetChoice.from_settings(settings).check(present)


def ensure_loaded(settings: Settings, *, engine: Engine | None = None) -> ImportReport | None:
    """Import ``IVR_GAZETTEER_FILE`` unless its dataset is loaded; with no file, the sample
    when the gazetteer holds no dataset at all. The import made, or None."""
    with _engine(settings, engine) as store:
        with store.connect() as connection:
            present = dataset_names(connection)
        if settings.gazetteer_file:
            dataset = dataset_name_of(settings.gazetteer_path)
        elif not present:
            dataset = SAMPLE_DATASET
        else:
            return None
        if dataset in present:
            return None
        return import_file(
            store,
            settings.gazetteer_path,
            dataset=dataset,
            neighbourhoods=neighbourhoods_of(settings),
        )


@contextmanager
def _engine(settings: Settings, engine: Engine | None) -> Iterator[Engine]:
    """``engine`` when given, else one on the settings' database, disposed of afterwards."""
    if engine is not None:
        yield engine
        return
    from ivr.store.db import make_engine

    own = make_engine(settings.database_url)
    try:
        yield own
    finally:
        own.dispose()
