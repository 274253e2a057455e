"""The ``ivr`` command line: one group, with each concept's commands in its own module."""

from __future__ import annotations

import click

from ivr.cli_settings import load_settings


@click.group()
@click.version_option(package_name="voice311")
def main() -> None:
    """voice311: a 311 phone line in front of any Open311 GeoReport v2 endpoint."""


@main.group()
def db() -> None:
    """The gateway's database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or migrate the database named by IVR_DATABASE_URL."""
    from ivr.store.db import upgrade

    settings = load_settings()
    upgrade(settings.database_url, revision)
    click.echo(f"database is at revision {revision}")


@main.command()
@click.option("--host", default=None, help="Overrides IVR_HOST.")
@click.option("--port", type=int, default=None, help="Overrides IVR_PORT.")
@click.option("--workers", type=int, default=1, show_default=True, help="Web processes.")
@click.option("--threads", type=int, default=None, help="Overrides IVR_WEB_THREADS.")
def serve(host: str | None, port: int | None, workers: int, threads: int | None) -> None:
    """Run the gateway under gunicorn, on its embedded defaults unless settings say otherwise."""
    from ivr.logs import configure as configure_logging
    from ivr.serve import run

    settings = load_settings()
    settings = settings.replace(host=host or settings.host, port=port or settings.port)
    configure_logging(settings.log_level)
    run(settings, workers=workers, threads=threads)


def _register() -> None:
    from ivr.addresses.commands import gazetteer, geocode
    from ivr.dashboard.commands import staff
    from ivr.dialog.commands import flows
    from ivr.open311.commands import open311
    from ivr.outbox.commands import outbox, worker
    from ivr.recordings.commands import transcribe
    from ivr.simulator.commands import call
    from speech.commands import models

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
