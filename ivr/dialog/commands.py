"""``ivr flows check | graph | generate``: the call flows from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from flows.catalogue import Catalogue, load_catalogues
from flows.check import check_catalogues, check_document, check_flow
from flows.graph import mermaid
from flows.loader import read_document, shipped_flow_paths
from flows.model import Flow, FlowError, Problem
from flows.yaml12 import dump_yaml
from ivr.cli_settings import load_settings

INTAKE = "intake"


@click.group("flows")
def flows() -> None:
    """Call flows: check them, draw them, write the generated intake."""


def _intake() -> Flow:
    from ivr.dialog.flow_library import intake_from_services
    from ivr.open311.catalogue import ServiceCatalogueError, load_service_catalogue

    settings = load_settings()
    try:
        return intake_from_services(load_service_catalogue(settings.services_path))
    except (ServiceCatalogueError, FlowError, ValueError) as error:
        raise click.ClickException(f"cannot generate the intake flow: {error}") from None


def _catalogues() -> dict[str, Catalogue]:
    try:
        return load_catalogues()
    except FlowError as error:
        raise click.ClickException(str(error)) from None


@flows.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Check flow documents: PATHS, or every shipped flow and the generated intake.

    Exits non-zero, with one line per problem naming the file, state and field, if any fails.
    """
    catalogues = _catalogues()
    problems: list[Problem] = list(check_catalogues(catalogues))
    for path in paths or tuple(shipped_flow_paths()):
        try:
            found = check_document(read_document(path), path.name, catalogues)
        except FlowError as error:
            found = error.problems
        _report(path.name, found)
        problems += found
    if not paths:
        found = check_flow(_intake(), catalogues)
        _report(f"{INTAKE} (generated from the configured services)", found)
        problems += found
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(1)


def _report(name: str, problems: list[Problem]) -> None:
    click.echo(f"{'ok' if not problems else 'FAILED':6} {name}")


@flows.command("graph")
@click.argument("name")
def graph_command(name: str) -> None:
    """Print the Mermaid flowchart of flow NAME (``intake``, a shipped flow, or a file)."""
    click.echo(mermaid(_find(name)), nl=False)


@flows.command("generate")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the YAML here instead of printing it.",
)
def generate_command(output: Path | None) -> None:
    """Write the intake flow generated from the configured services as YAML."""
    from flows.generate import generate_intake
    from ivr.open311.catalogue import ServiceCatalogueError, load_service_catalogue

    settings = load_settings()
    try:
        services = load_service_catalogue(settings.services_path)
    except ServiceCatalogueError as error:
        raise click.ClickException(str(error)) from None
    definitions = {d.service_code: d for d in services.definitions}
    intake = generate_intake(services.services, definitions, recognizer=settings.recognizer)
    text = dump_yaml(intake)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


def _find(name: str) -> Flow:
    from flows.loader import load_flow

    if name == INTAKE:
        return _intake()
    candidates = [Path(name)] if Path(name).is_file() else []
    candidates += [p for p in shipped_flow_paths() if p.stem == name]
    if not candidates:
        known = ", ".join([INTAKE, *(p.stem for p in shipped_flow_paths())])
        raise click.ClickException(f"no flow named {name!r} (known: {known})")
    try:
        return load_flow(candidates[0])
    except FlowError as error:
        raise click.ClickException(str(error)) from None
