"""``ivr gazetteer list|import|drop|stats`` and ``ivr geocode``: addresses from the command line.

A gazetteer holds named datasets (one per city, or per file); ``IVR_GAZETTEER_DATASETS``
chooses the ones geocoding uses (:mod:`ivr.addresses.dataset_choice`). ``ivr geocode`` looks
words up with the resolver ``IVR_GEOCODER`` names, built by the runtime as in service: the
gazetteer, or a remote geocoder.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.engine import Engine

from ivr.addresses.types import GeocodeResult, Place

if TYPE_CHECKING:
    from ivr.runtime import Runtime


def _engine() -> Engine:
    from ivr.cli_settings import load_runtime

    return load_runtime().engine


@click.group()
def gazetteer() -> None:
    """The city's address points, in named datasets."""


@gazetteer.command("list")
def list_command() -> None:
    """Every dataset: points, streets, when and from which file it was imported, its digest,
    and which ones geocoding uses."""
    from ivr.addresses.dataset_choice import DatasetChoice, DatasetChoiceError
    from ivr.addresses.datasets import list_datasets
    from ivr.cli_settings import load_settings

    choice = DatasetChoice.from_settings(load_settings())
    engine = _engine()
    try:
        datasets = list_datasets(engine)
    finally:
        engine.dispose()
    if not datasets:
        click.echo("the gazetteer holds no dataset (`ivr gazetteer import FILE --name NAME`)")
        return
    names = tuple(info.name for info in datasets)
    try:
        used = set(choice.check(names))
        using = f"geocoding uses: {', '.join(sorted(used))}"
    except DatasetChoiceError as error:
        used, using = set(), f"geocoding uses none: {error}"
    click.echo(f"  {'dataset':<24} {'points':>9} {'streets':>7}  {'imported (UTC)':<16}  source")
    for info in datasets:
        when = _utc(info.imported_at)
        mark = "*" if info.name in used else " "
        click.echo(
            f"{mark} {info.name:<24} {info.points:>9} {info.streets:>7}  {when:<16}  "
            f"{info.source or '-'}  digest {info.digest[:12]}"
        )
    click.echo(using)


@gazetteer.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--name",
    "--dataset",
    "name",
    default=None,
    help="Name of the dataset (default: the file's name without its extension).",
)
@click.option("--replace", is_flag=True, help="Swap the points of the dataset of that name.")
def import_command(file: Path, name: str | None, replace: bool) -> None:
    """Load the address points of FILE (AddressData or OpenAddresses CSV) as one dataset, all
    or nothing. A name the gazetteer holds already is refused unless --replace."""
    from ivr.addresses.address_files import AddressFileError
    from ivr.addresses.dataset_choice import DatasetChoice, DatasetChoiceError
    from ivr.addresses.datasets import dataset_names
    from ivr.addresses.gazetteer import GazetteerError, import_file, neighbourhoods_of
    from ivr.cli_settings import load_settings

    settings = load_settings()
    engine = _engine()
    try:
        report = import_file(
            engine,
            file,
            dataset=name,
            replace=replace,
            neighbourhoods=neighbourhoods_of(settings),
        )
        with engine.connect() as connection:
            present = dataset_names(connection)
    except (AddressFileError, GazetteerError) as error:
        raise click.ClickException(f"{error} (nothing was imported)") from None
    finally:
        engine.dispose()
    click.echo(
        f"dataset {report.dataset} ({report.file_format}): {report.rows} rows read, "
        f"{report.points} points loaded in {report.seconds:.2f} s"
    )
    if report.replaced:
        click.echo(f"replaced {report.replaced} points of the previous import")
    click.echo(f"bad rows: {report.bad_rows}")
    for reason, count in report.bad:
        click.echo(f"  {count:>7}  {reason}")
    try:
        used = DatasetChoice.from_settings(settings).check(present)
    except DatasetChoiceError as error:
        click.echo(f"note: {error}")
        return
    if report.dataset not in used:
        click.echo(
            f"note: geocoding uses {', '.join(used)}, not {report.dataset}; to use it, set "
            f"IVR_GAZETTEER_DATASETS={report.dataset}"
        )


@gazetteer.command("drop")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Drop without asking.")
def drop_command(name: str, yes: bool) -> None:
    """Delete the dataset NAME: its points and its imports."""
    from ivr.addresses.dataset_choice import DatasetChoice
    from ivr.addresses.datasets import UnknownDatasetError, list_datasets
    from ivr.addresses.datasets import drop_dataset as drop
    from ivr.cli_settings import load_settings

    choice = DatasetChoice.from_settings(load_settings())
    engine = _engine()
    try:
        found = {info.name: info for info in list_datasets(engine)}
        if name not in found:
            held = ", ".join(found) or "no dataset"
            raise click.ClickException(
                f"there is no dataset named {name!r}; the gazetteer holds {held}"
            )
        if not yes:
            click.confirm(
                f"Drop dataset {name} ({found[name].points} points)?", abort=True, err=True
            )
        try:
            points = drop(engine, name)
        except UnknownDatasetError as error:  # dropped meanwhile by someone else
            raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(f"dropped dataset {name}: {points} points")
    if name in choice.named:
        click.echo(
            f"note: IVR_GAZETTEER_DATASETS still names {name}: `ivr serve` refuses to start "
            "until it does not"
        )
    elif name == choice.city_file:
        click.echo(
            f"note: IVR_GAZETTEER_FILE names the file of {name}: the next `ivr serve` imports "
            "it again"
        )


@gazetteer.command("stats")
def stats_command() -> None:
    """What the gazetteer holds: points, streets, datasets, neighbourhoods."""
    from ivr.addresses.gazetteer import gazetteer_stats

    engine = _engine()
    try:
        stats = gazetteer_stats(engine)
    finally:
        engine.dispose()
    click.echo(
        f"{stats.points} points on {stats.streets} streets in {stats.postal_codes} postal codes"
    )
    for name, count in stats.datasets:
        click.echo(f"  dataset {name}: {count} points")
    for name, count in stats.neighbourhoods:
        click.echo(f"  {name or '(no neighbourhood)'}: {count} points")


@click.command()
@click.argument("words")
@click.option("--postal-code", default=None, help="A postal code the caller keyed in.")
def geocode(words: str, postal_code: str | None) -> None:
    """Print the ranked places for spoken WORDS, from the geocoder IVR_GEOCODER names."""
    from ivr.addresses.dataset_choice import DatasetChoiceError
    from ivr.addresses.scoring import CONFIDENT_SCORE
    from ivr.cli_settings import load_runtime

    rt = load_runtime()
    try:
        resolver = rt.resolver
        if resolver.remote:
            click.echo(f"geocoder: {resolver.source}")
        else:  # the gazetteer: its index is built now, so that the lookup is timed alone
            _check_choice(rt)
            started = time.perf_counter()
            streets = len(rt.gazetteer.index.streets)
            loaded = time.perf_counter() - started
            click.echo(f"index: {streets} streets loaded in {loaded:.2f} s")
        started = time.perf_counter()
        results = resolver.resolve(words, postal_code=postal_code)
        took = (time.perf_counter() - started) * 1000
    except DatasetChoiceError as error:
        raise click.ClickException(str(error)) from None
    finally:
        rt.engine.dispose()
    click.echo(f"lookup: {took:.1f} ms; confident at score >= {CONFIDENT_SCORE}")
    for rank, result in enumerate(results, start=1):
        _echo_result(rank, result)


def _check_choice(rt: Runtime) -> None:
    """A choice of datasets that ``ivr serve`` would refuse is an error here too."""
    from ivr.addresses.dataset_choice import DatasetChoice
    from ivr.addresses.datasets import dataset_names

    with rt.engine.connect() as connection:
        present = dataset_names(connection)
    DatasetChoice.from_settings(rt.settings).check(present)


def _utc(moment: datetime | None) -> str:
    """An import time in UTC to the minute (SQLite gives back the UTC time without a zone)."""
    if moment is None:
        return "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


def _echo_result(rank: int, result: GeocodeResult) -> None:
    from ivr.addresses.readback import speak_place

    confident = " confident" if _confident(result) else ""
    click.echo(f"{rank}. {result.level.value} score={result.score:.3f}{confident}")
    if result.place is None:
        click.echo(f"   {result.reason}")
        return
    click.echo(f"   {speak_place(result.place)}")
    click.echo(f"   {_where(result.place)}")
    if result.reason:
        click.echo(f"   note: {result.reason}")
    if result.ambiguous:
        asked = ", ".join(result.ask_about) or "which one"
        click.echo(f"   ambiguous: ask about {asked}")
    for place in result.alternatives:
        click.echo(f"   or: {speak_place(place)} ({_where(place)})")


def _where(place: Place) -> str:
    return f"lat {place.lat:.6f} lon {place.lon:.6f} {place.postal_code}".strip()


def _confident(result: GeocodeResult) -> bool:
    from ivr.addresses.scoring import CONFIDENT_SCORE

    return result.matched and not result.ambiguous and result.score >= CONFIDENT_SCORE
