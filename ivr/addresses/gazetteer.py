"""The gazetteer: a city's address points in the store — importing them and saying what is loaded.

An import is one transaction: the points of the file go in batches (bulk ``INSERT`` with lists
of rows, executemany on both SQLite and PostgreSQL), the derived streets table is rebuilt, and
the import is recorded, all committed together or not at all. Bad rows are skipped whole and
counted by reason. Each import names its dataset (:mod:`ivr.addresses.datasets`); a name the
gazetteer already holds is refused unless ``replace`` swaps that dataset's points inside the
same transaction, so a reader sees the old points or the new ones, never a mix and never none.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast

import jellyfish
from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from ivr.addresses.address_files import (
    AddressFileError,
    ReadTally,
    load_neighbourhoods,
    read_points,
)
from ivr.addresses.streets import parse_street
from ivr.settings import Settings
from ivr.store.gazetteer_tables import GazetteerImport, GazetteerPoint, GazetteerStreet

log = logging.getLogger(__name__)

BATCH_SIZE = 5000
MAX_NAME = 100  # characters of a dataset name (the column's width)
_POINTS = cast(Table, GazetteerPoint.__table__)
_STREETS = cast(Table, GazetteerStreet.__table__)
_IMPORTS = cast(Table, GazetteerImport.__table__)


class GazetteerError(RuntimeError):
    """An import that cannot go ahead (the dataset is already loaded, the file is unreadable)."""


@dataclass(frozen=True)
class ImportReport:
    """What one committed import did."""

    dataset: str
    file_format: str
    rows: int
    points: int
    bad: tuple[tuple[str, int], ...]  # (reason, rows), most frequent first
    replaced: int  # points of the dataset that the import replaced
    seconds: float

    @property
    def bad_rows(self) -> int:
        return sum(count for _reason, count in self.bad)


@dataclass(frozen=True)
class GazetteerStats:
    points: int
    streets: int
    postal_codes: int
    datasets: tuple[tuple[str, int], ...]  # (dataset, points)
    neighbourhoods: tuple[tuple[str, int], ...]  # (neighbourhood, points), most first
    last_import: int  # id of the newest import; 0 when none


def import_points(
    engine: Engine,
    stream: TextIO,
    *,
    dataset: str,
    replace: bool = False,
    neighbourhoods: Mapping[str, str] | None = None,
    source: str = "",
    clock: Callable[[], float] = time.perf_counter,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Load the points read from ``stream`` as ``dataset``, all of them or none."""
    started = clock()
    dataset = dataset.strip()
    problem = dataset_name_problem(dataset)
    if problem:
        raise GazetteerError(problem)
    tally = ReadTally()
    with engine.begin() as connection:
        existing = _dataset_points(connection, dataset)
        if not replace and _dataset_imported(connection, dataset):
            raise GazetteerError(
                f"dataset {dataset!r} is already loaded ({existing} points); "
                "import it with --replace to swap it, or give another --name"
            )
        if existing:
            connection.execute(delete(_POINTS).where(_POINTS.c.dataset == dataset))
        batch: list[dict[str, Any]] = []
        try:
            for point in read_points(stream, neighbourhoods=neighbourhoods or {}, tally=tally):
                row = point.__dict__.copy()
                row["dataset"] = dataset
                batch.append(row)
                if len(batch) >= batch_size:
                    connection.execute(insert(_POINTS), batch)
                    batch = []
        except UnicodeDecodeError as error:
            raise AddressFileError(f"the file is not UTF-8 text (row {tally.rows + 1})") from error
        except OSError as error:
            raise AddressFileError(f"the file could not be read: {error}") from error
        if not tally.points:
            # A city with no addresses would place no caller; a replaced dataset stays as it was.
            reasons = ", ".join(f"{n} {why}" for why, n in tally.bad.most_common())
            raise AddressFileError(
                f"no address point could be read from its {tally.rows} rows"
                + (f" ({reasons})" if reasons else "")
            )
        if batch:
            connection.execute(insert(_POINTS), batch)
        rebuild_streets(connection)
        connection.execute(
            insert(_IMPORTS).values(
                dataset=dataset,
                file_format=tally.file_format,
                source=source[:300],
                rows=tally.rows,
                points=tally.points,
                bad_rows=sum(tally.bad.values()),
                replaced=existing,
                imported_at=now(),
            )
        )
    report = ImportReport(
        dataset=dataset,
        file_format=tally.file_format,
        rows=tally.rows,
        points=tally.points,
        bad=tuple(tally.bad.most_common()),
        replaced=existing,
        seconds=clock() - started,
    )
    log.info(
        "gazetteer import committed",
        extra={"dataset": dataset, "points": report.points, "bad_rows": report.bad_rows},
    )
    return report


def import_file(
    engine: Engine,
    path: Path,
    *,
    dataset: str | None = None,
    replace: bool = False,
    neighbourhoods: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> ImportReport:
    """Import an address file; the dataset is named after the file unless told otherwise."""
    try:
        stream = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise AddressFileError(f"{path}: cannot be opened ({error.strerror})") from None
    with stream:
        return import_points(
            engine,
            stream,
            dataset=dataset or dataset_name_of(path),
            replace=replace,
            neighbourhoods=neighbourhoods,
            source=path.name,
            clock=clock,
        )


class NeighbourhoodsFileError(AddressFileError):
    """The neighbourhoods file (``IVR_GAZETTEER_NEIGHBOURHOODS_FILE``) cannot be used."""


def neighbourhoods_of(settings: Settings) -> dict[str, str]:
    """The postal-code → neighbourhood mapping the settings name."""
    path = settings.gazetteer_neighbourhoods_path
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return load_neighbourhoods(stream)
    except OSError as error:
        raise NeighbourhoodsFileError(f"{path}: cannot be opened ({error.strerror})") from None
    except AddressFileError as error:
        raise NeighbourhoodsFileError(f"{path}: {error}") from None


def rebuild_streets(connection: Connection) -> None:
    """Recompute the streets table from the points (inside the caller's transaction)."""
    rows = connection.execute(
        select(
            _POINTS.c.street_key, _POINTS.c.street, _POINTS.c.postal_code, func.count()
        ).group_by(_POINTS.c.street_key, _POINTS.c.street, _POINTS.c.postal_code)
    ).all()
    displays: dict[str, Counter[str]] = defaultdict(Counter)
    postal_codes: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for key, display, postal_code, count in rows:
        displays[key][display] += count
        if postal_code:
            postal_codes[key].add(postal_code)
        counts[key] += count
    connection.execute(delete(_STREETS))
    streets = []
    for key, forms in displays.items():
        core = parse_street(key).name or key
        streets.append(
            {
                "street_key": key,
                "display": forms.most_common(1)[0][0],
                "name_core": core[:120],
                "core_metaphone": jellyfish.metaphone(core)[:120],
                "postal_codes": " ".join(sorted(postal_codes[key])),
                "point_count": counts[key],
            }
        )
    if streets:
        connection.execute(insert(_STREETS), streets)


def point_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(_POINTS)).scalar_one())


def last_import_id(connection: Connection) -> int:
    """Id of the newest committed import (0 when none): changes with every import."""
    return int(connection.execute(select(func.coalesce(func.max(_IMPORTS.c.id), 0))).scalar_one())


def gazetteer_stats(engine: Engine) -> GazetteerStats:
    with engine.connect() as connection:

        def grouped(column: Any) -> tuple[tuple[str, int], ...]:
            query = select(column, func.count()).group_by(column).order_by(func.count().desc())
            return tuple((str(name), int(count)) for name, count in connection.execute(query))

        points = connection.execute(select(func.count()).select_from(_POINTS)).scalar_one()
        streets = connection.execute(select(func.count()).select_from(_STREETS)).scalar_one()
        postal = connection.execute(
            select(func.count(func.distinct(_POINTS.c.postal_code)))
        ).scalar_one()
        return GazetteerStats(
            points=int(points),
            streets=int(streets),
            postal_codes=int(postal),
            datasets=grouped(_POINTS.c.dataset),
            neighbourhoods=grouped(_POINTS.c.neighbourhood),
            last_import=last_import_id(connection),
        )


def _dataset_points(connection: Connection, dataset: str) -> int:
    query = select(func.count()).select_from(_POINTS).where(_POINTS.c.dataset == dataset)
    return int(connection.execute(query).scalar_one())


def _dataset_imported(connection: Connection, dataset: str) -> bool:
    query = select(func.count()).select_from(_IMPORTS).where(_IMPORTS.c.dataset == dataset)
    return bool(connection.execute(query).scalar_one())


def dataset_name_of(path: Path) -> str:
    """The dataset name an import of ``path`` takes by default: the file's name without its
    extension, commas and blanks made dashes (names are listed comma-separated in a setting)."""
    return "-".join(path.stem.replace(",", " ").split())[:MAX_NAME] or "addresses"


def dataset_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a dataset, or None."""
    if not name:
        return "a dataset name is needed"
    if "," in name:
        return f"a dataset name cannot hold a comma ({name!r}): IVR_GAZETTEER_DATASETS lists them"
    if len(name) > MAX_NAME:
        return f"a dataset name has at most {MAX_NAME} characters ({name[:20]!r}… has {len(name)})"
    return None
