"""What an operator reads when an ``ivr`` command cannot do its work: a sentence, never a
traceback.

The command group runs every command through :class:`SentencesGroup`, the one place that turns
the errors of operating the gateway into sentences and exit codes:

- settings that cannot be used: ``voice311: settings are not valid:`` and every problem, one a
  line, exit code 2 (as for a command line that cannot be used);
- a database never migrated, or migrated by an older voice311: the database named, its
  password hidden, and ``ivr db upgrade`` to run; a SQLite file that does not exist (which a
  command other than ``ivr db upgrade`` and ``ivr serve`` does not create): its path, and
  ``ivr db upgrade`` to run; a SQLite file that cannot be written (the file, or its folder,
  read-only to this user): its path, and what must be writable; a PostgreSQL database that
  takes no writes (a standby): that it must be a primary; a database that cannot be
  reached: why, in the driver's words; a migration asked for that does not exist; exit code 1;
- anything else unexpected: its kind and message in a sentence, exit code 1; the traceback
  goes to standard error only with ``IVR_LOG_LEVEL=DEBUG``, for whoever is debugging.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy.exc import ArgumentError, DBAPIError

from ivr.settings import Settings, SettingsError
from ivr.settings_checks import env_name, shown_database_url
from ivr.store.db import DatabaseFileMissing, MigrationError, sqlite_file

# SQLSTATEs of PostgreSQL meaning the schema is older than the code: undefined table, column.
NOT_MIGRATED_STATES = ("42P01", "42703")
NOT_MIGRATED_SQLITE = ("no such table", "no such column")
READ_ONLY_STATE = "25006"  # PostgreSQL's read_only_sql_transaction: a standby, or set so


class OperatorError(click.ClickException):
    """A command that cannot do its work, for a reason the operator can act on."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"voice311: {self.format_message()}", err=True)


class UnusableSettings(OperatorError):
    """Settings each valid alone that the command finds it cannot work with (several web
    processes without a shared key, an address file it cannot read): exit code 2, as for
    settings that are not valid."""

    exit_code = 2


class SettingsNotValid(click.ClickException):
    """Settings that cannot be used: every problem listed, exit code 2."""

    exit_code = 2

    def __init__(self, error: SettingsError) -> None:
        super().__init__(str(error))
        self.problems = error.problems

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo("voice311: settings are not valid:", err=True)
        for problem in self.problems:
            click.echo(f"  {problem}", err=True)


class SentencesGroup(click.Group):
    """A command group whose commands end in a sentence when they cannot do their work."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except SettingsError as error:
            raise SettingsNotValid(error) from None
        except MigrationError as error:
            raise OperatorError(f"the database cannot be migrated: {error}") from None
        except DatabaseFileMissing as error:
            raise OperatorError(
                f"the database file {error.path} does not exist: run `ivr db upgrade` to "
                f"create it ({env_name('database_url')} is {_database_shown()})"
            ) from None
        except DBAPIError as error:
            raise OperatorError(database_sentence(error)) from None
        except OSError as error:
            raise OperatorError(os_sentence(error)) from None
        except Exception as error:
            if _debugging():
                traceback.print_exc()
            raise OperatorError(
                f"the command stopped on an unexpected {type(error).__name__}: {_first_line(error)}"
            ) from None


def database_sentence(error: DBAPIError, url: str | None = None) -> str:
    """What went wrong with the database at ``url`` (by default ``IVR_DATABASE_URL``'s), naming
    it (without its password)."""
    where = f"the database at {_database_shown(url)}"
    state = getattr(error.orig, "sqlstate", None)
    reason = _first_line(error.orig) if error.orig is not None else _first_line(error)
    if state in NOT_MIGRATED_STATES or any(s in reason for s in NOT_MIGRATED_SQLITE):
        return (
            f"{where} is not migrated to this version of voice311 ({reason}): run `ivr db upgrade`"
        )
    if state == READ_ONLY_STATE:
        return (
            f"{where} is read-only ({reason}): voice311 writes every call to it, so it must be "
            "a primary server, not a standby, with default_transaction_read_only off"
        )
    path = _sqlite_file(url)
    if path is not None and _is_read_only(error):
        return _read_only_sentence(error, path, reason)
    if error.connection_invalidated or _is_connection_failure(error):
        return f"{where} cannot be reached: {reason}"
    return f"{where} refused the command: {reason}"


def os_sentence(error: OSError) -> str:
    what = error.strerror or _first_line(error)
    return f"{what}: {error.filename}" if error.filename else what


def _is_connection_failure(error: DBAPIError) -> bool:
    from sqlalchemy.exc import OperationalError

    # PostgreSQL's class 08 is "connection exception"; a psycopg connection that never opened
    # carries no SQLSTATE at all. SQLite's OperationalError is a file that cannot be opened.
    state = getattr(error.orig, "sqlstate", None)
    return isinstance(error, OperationalError) and (state is None or state.startswith("08"))


def _is_read_only(error: DBAPIError) -> bool:
    """SQLite's "attempt to write a readonly database": the file, its -wal or -shm file, or
    the folder they are in cannot be written by this user (SQLITE_READONLY and its kinds)."""
    name = str(getattr(error.orig, "sqlite_errorname", ""))
    return name.startswith("SQLITE_READONLY") or "readonly database" in str(error.orig)


def _read_only_sentence(error: DBAPIError, path: Path, reason: str) -> str:
    if getattr(error.orig, "sqlite_errorname", "") == "SQLITE_READONLY_DIRECTORY":
        return (
            f"the database file {path} cannot be written: its folder {path.parent} is "
            f"read-only to the user running voice311, and SQLite writes its -wal and -shm "
            f"files there ({reason})"
        )
    return (
        f"the database file {path} is read-only ({reason}): the user running voice311 must "
        f"be able to write it, its -wal and -shm files and its folder {path.parent}"
    )


def _database_url(url: str | None) -> str | None:
    if url is not None:
        return url
    try:
        return Settings.from_env().database_url
    except SettingsError:
        return None


def _database_shown(url: str | None = None) -> str:
    url = _database_url(url)
    return "IVR_DATABASE_URL" if url is None else shown_database_url(url)


def _sqlite_file(url: str | None) -> Path | None:
    url = _database_url(url)
    try:
        return None if url is None else sqlite_file(url)
    except ArgumentError:
        return None


def _debugging() -> bool:
    return os.environ.get("IVR_LOG_LEVEL", "").upper() == "DEBUG"


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
