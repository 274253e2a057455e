"""The ``ivr`` command line: one group, with each concept's commands in its own module."""

from __future__ import annotations

import click

from ivr.cli_errors import SentencesGroup
from ivr.cli_settings import load_settings


@click.group(cls=SentencesGroup)
@click.version_option(package_name="voice311")
def main() -> None:
    """voice311: a 311 phone line in front of any Open311 GeoReport v2 endpoint."""


@main.command()
@click.option("--host", default=None, help="Overrides IVR_HOST.")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Overrides IVR_PORT.")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Overrides IVR_WEB_WORKERS."
)
@click.option(
    "--threads", type=click.IntRange(2, 512), default=None, help="Overrides IVR_WEB_THREADS."
)
def serve(host: str | None, port: int | None, workers: int | None, threads: int | None) -> None:
    """Run the gateway under gunicorn, on its embedded defaults unless settings say otherwise."""
    from ivr.logs import configure as configure_logging
    from ivr.serve import CannotServe, run

    settings = load_settings()
    settings = settings.replace(host=host or settings.host, port=port or settings.port)
    configure_logging(settings.log_level)
    try:
        run(settings, workers=workers, threads=threads)
    except CannotServe as error:
        from ivr.cli_errors import UnusableSettings

        raise UnusableSettings(str(error)) from None


def _register() -> None:
    from ivr.addresses.commands import gazetteer, geocode
    from ivr.dashboard.commands import staff
    from ivr.dialog.commands import flows
    from ivr.open311.commands import open311
    from ivr.outbox.commands import outbox, worker
    from ivr.recordings.commands import transcribe
    from ivr.simulator.commands import call
    from ivr.store.commands import db
    from speech.commands import models

    main.add_command(db)
    main.add_command(open311)
    main.add_command(outbox)
    main.add_command(worker)
    main.add_command(call)
    main.add_command(gazetteer)
    main.add_command(geocode)
    main.add_command(flows)
    main.add_command(staff)
    main.add_command(models)
    main.add_command(transcribe)


_register()
