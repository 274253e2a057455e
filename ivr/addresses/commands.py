"""``ivr gazetteer import|stats`` and ``ivr geocode``: addresses from the command line.

``ivr geocode`` looks words up with the resolver ``IVR_GEOCODER`` names, built by the runtime
as in service: the gazetteer, or a remote geocoder.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from sqlalchemy.engine import Engine

from ivr.addresses.types import GeocodeResult, Place


def _engine() -> Engine:
    from ivr.cli_settings import load_runtime

    return load_runtime().engine


@click.group()
def gazetteer() -> None:
    """The city's address points."""


@gazetteer.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Swap the dataset's points for the file's.")
@click.option("--dataset", default=None, help="Name of the dataset (default: the file's name).")
def import_command(file: Path, replace: bool, dataset: str | None) -> None:
    """Load the address points of FILE (AddressData or OpenAddresses CSV), all or nothing."""
    from ivr.addresses.address_files import AddressFileError
    from ivr.addresses.gazetteer import GazetteerError, import_file, neighbourhoods_of
    from ivr.cli_settings import load_settings

    settings = load_settings()
    engine = _engine()
    try:
        report = import_file(
            engine,
            file,
            dataset=dataset,
            replace=replace,
            neighbourhoods=neighbourhoods_of(settings),
        )
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
    from ivr.addresses.scoring import CONFIDENT_SCORE
    from ivr.cli_settings import load_runtime

    rt = load_runtime()
    try:
        resolver = rt.resolver
        if resolver.remote:
            click.echo(f"geocoder: {resolver.source}")
        else:  # the gazetteer: its index is built now, so that the lookup is timed alone
            started = time.perf_counter()
            streets = len(rt.gazetteer.index.streets)
            loaded = time.perf_counter() - started
            click.echo(f"index: {streets} streets loaded in {loaded:.2f} s")
        started = time.perf_counter()
        results = resolver.resolve(words, postal_code=postal_code)
        took = (time.perf_counter() - started) * 1000
    finally:
        rt.engine.dispose()
    click.echo(f"lookup: {took:.1f} ms; confident at score >= {CONFIDENT_SCORE}")
    for rank, result in enumerate(results, start=1):
        _echo_result(rank, result)


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
