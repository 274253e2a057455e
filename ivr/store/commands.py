"""``ivr db …``: where the gateway's database stands among the migrations, and moving it.

Every command names the revision the database is at when it is done, read from the database
itself, so that what is printed is what happened.
"""

from __future__ import annotations

import click

from ivr.cli_settings import load_settings
from ivr.store import db as store


@click.group("db")
def db() -> None:
    """The gateway's database and its migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Revision to migrate to.")
def db_upgrade(revision: str) -> None:
    """Create or migrate the database named by IVR_DATABASE_URL (under a lock on PostgreSQL,
    so that several gateways starting at once migrate it once)."""
    url = load_settings().database_url
    at = store.upgrade(url, revision)
    _say_where(at)
    if at != revision and revision in _shipped():
        click.echo(f"({revision} is older: `ivr db downgrade {revision}` goes back to it)")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the database back to REVISION (`ivr db history` lists them; `base`: no tables).
    Tables and columns added after it are dropped, with their data."""
    url = load_settings().database_url
    store.current_revision(url, create_file=False)  # a SQLite file that is missing: named
    at = store.downgrade(url, revision)
    _say_where(at)


@db.command("current")
def db_current() -> None:
    """The revision the database is at, and whether it is the newest this voice311 ships."""
    at = store.current_revision(load_settings().database_url, create_file=False)
    _say_where(at)
    head = store.head_revision()
    if at == head:
        click.echo("it is the newest revision")
    else:
        click.echo(f"the newest revision is {head}: run `ivr db upgrade`")


@db.command("history")
def db_history() -> None:
    """Every migration shipped, oldest first; the one the database is at is marked."""
    at = store.current_revision(load_settings().database_url, create_file=False)
    for revision, description in store.revisions():
        mark = "*" if revision == at else " "
        click.echo(f"{mark} {revision:<28} {description}")
    if at is None:
        click.echo("(the database is not migrated: run `ivr db upgrade`)")


def _say_where(revision: str | None) -> None:
    if revision is None:
        click.echo("database is not migrated (no revision)")
    else:
        click.echo(f"database is at revision {revision}")


def _shipped() -> set[str]:
    return {revision for revision, _ in store.revisions()}
