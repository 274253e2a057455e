"""Which of the gazetteer's datasets geocoding uses: two cities are never mixed unless asked.

The rule, in order:

1. ``IVR_GAZETTEER_DATASETS`` names them (comma-separated): those, and only those. Several
   names are used together, as one gazetteer (a city and its neighbours, say): a street that
   is in two of them is ambiguous, and the caller is asked which area, as for two streets of
   one name in one city.
2. Else ``IVR_GAZETTEER_FILE`` is set: the dataset that file was imported as (its file name
   without the extension).
3. Else the one dataset there is (none: an empty gazetteer, nothing is found).
4. Else — several datasets and no choice — there is no answer: ``ivr serve`` refuses to start,
   with a sentence naming the datasets and the setting. A process already running keeps the
   datasets it used (a city imported beside them is not mixed in until a choice is made).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ivr.addresses.datasets import held
from ivr.addresses.gazetteer import GazetteerError, dataset_name_of
from ivr.settings import Settings

log = logging.getLogger(__name__)


class DatasetChoiceError(GazetteerError):
    """The settings choose no dataset, or one the gazetteer does not hold."""


@dataclass(frozen=True)
class DatasetChoice:
    """What the settings say about the datasets to geocode with."""

    named: tuple[str, ...] = ()  # IVR_GAZETTEER_DATASETS
    city_file: str = ""  # the dataset IVR_GAZETTEER_FILE is imported as; "" when unset

    @classmethod
    def from_settings(cls, settings: Settings) -> DatasetChoice:
        names = tuple(dict.fromkeys(n.strip() for n in settings.gazetteer_datasets.split(",")))
        city_file = (
            dataset_name_of(Path(settings.gazetteer_file)) if settings.gazetteer_file else ""
        )
        return cls(named=tuple(name for name in names if name), city_file=city_file)

    def resolve(
        self, present: Sequence[str], *, previous: tuple[str, ...] | None = None
    ) -> tuple[str, ...]:
        """The datasets to build the index from, given the names the store holds now.

        ``previous``: the datasets a running process uses; kept when the store has come to
        hold several and nothing chooses among them."""
        if self.named:
            return self.named
        if self.city_file:
            return (self.city_file,)
        if len(present) <= 1:
            return tuple(present)
        if previous is not None:
            log.warning(
                "the gazetteer holds several datasets and IVR_GAZETTEER_DATASETS chooses none: "
                "geocoding keeps the ones it used; the next start will refuse",
                extra={"datasets": ",".join(present), "used": ",".join(previous)},
            )
            return previous
        raise DatasetChoiceError(several_datasets(present))

    def check(self, present: Sequence[str]) -> tuple[str, ...]:
        """:meth:`resolve` for a start: a named dataset the store lacks is an error too."""
        chosen = self.resolve(present)
        missing = [name for name in chosen if name not in present]
        if missing and self.named:
            raise DatasetChoiceError(
                f"IVR_GAZETTEER_DATASETS names {', '.join(missing)}, which the gazetteer does "
                f"not hold; it holds {held(present)} (see `ivr gazetteer list`)"
            )
        if missing:
            raise DatasetChoiceError(
                f"the dataset of IVR_GAZETTEER_FILE ({self.city_file}) is not in the gazetteer, "
                f"which holds {held(present)}: `ivr serve` imports it, or "
                f"`ivr gazetteer import FILE --name {self.city_file}`"
            )
        return chosen


def several_datasets(present: Sequence[str]) -> str:
    """The sentence for a gazetteer of several datasets and no choice."""
    return (
        f"the gazetteer holds {len(present)} datasets ({held(present)}) and geocoding never "
        "mixes them unless told: set IVR_GAZETTEER_DATASETS to the one to use (or to several, "
        "comma-separated, to use them together), or drop the others with "
        "`ivr gazetteer drop NAME`"
    )
