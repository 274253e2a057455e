"""An ``ivr`` command that cannot do its work says why in a sentence: bad settings (all of them,
exit code 2), a database never migrated or out of reach, a report that does not exist (exit
code 1). Never a traceback (issue 13, findings 5 and 6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ivr.cli import main
from ivr.store.db import current_revision, head_revision, sqlite_file
from tests.support.databases import fresh_database
from tests.support.service_user import WITHOUT_ROOTS_OVERRIDE

IVR = Path(sys.executable).parent / "ivr"


def run_ivr(
    args: list[str], *, cwd: Path | None = None, as_service_user: bool = False, **settings: str
) -> subprocess.CompletedProcess[str]:
    """The installed ``ivr`` console command, with only the given ``IVR_`` variables set;
    ``as_service_user``: by a user that file modes apply to (tests/support/service_user.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")} | settings
    prefix = WITHOUT_ROOTS_OVERRIDE if as_service_user else []
    return subprocess.run(
        [*prefix, str(IVR), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_bad_setting_is_listed_and_the_command_exits_2(tmp_path: Path) -> None:
    ran = run_ivr(
        ["outbox", "list"],
        IVR_DATABASE_URL=f"sqlite:///{tmp_path / 'voice311.db'}",
        IVR_PORT="99999",
        IVR_FLOW="nope",
        IVR_SERVICES_FILE=str(tmp_path / "missing.json"),
        IVR_PUBLIC_BASE_URL="311.example.gov",
        IVR_OPEN311_ENDPOINT="not-a-url",
        IVR_FILING_WAIT="-3",
        IVR_SERVCES_FILE="services.json",
    )
    assert ran.returncode == 2
    assert "Traceback" not in ran.stderr
    lines = ran.stderr.splitlines()
    assert lines[0] == "voice311: settings are not valid:"
    assert sorted(lines[1:]) == sorted(
        [
            "  IVR_SERVCES_FILE is not a voice311 setting (did you mean IVR_SERVICES_FILE?)",
            "  IVR_PUBLIC_BASE_URL must be an http:// or https:// URL with a host "
            "(it is '311.example.gov')",
            "  IVR_OPEN311_ENDPOINT must be an http:// or https:// URL with a host "
            "(it is 'not-a-url')",
            "  IVR_PORT must be from 1 to 65535 (it is 99999)",
            "  IVR_FILING_WAIT must be from 0 to 60 (it is -3)",
            f"  IVR_SERVICES_FILE names {tmp_path / 'missing.json'}, which does not exist",
            "  IVR_FLOW must name a flow: intake or bike_rack (it is 'nope')",
        ]
    )
    assert not (tmp_path / "voice311.db").exists()  # nothing was done


@pytest.mark.postgres
def test_a_postgres_url_as_hosting_providers_write_it_is_used(tmp_path: Path) -> None:
    """``postgres://`` (Heroku, Render…) reaches the same database as ``postgresql+psycopg``."""
    with fresh_database("postgres", tmp_path) as url:
        short = url.replace("postgresql+psycopg://", "postgres://", 1)
        assert short.startswith("postgres://")
        ran = run_ivr(["db", "upgrade"], IVR_DATABASE_URL=short)
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout == f"database is at revision {head_revision()}\n"
        assert current_revision(url) == head_revision()


@pytest.mark.postgres
def test_a_read_only_postgresql_database_is_named_as_read_only(tmp_path: Path) -> None:
    """A standby, or a database set read-only, used to have "refused the command"."""
    with fresh_database("postgres", tmp_path) as url:
        assert run_ivr(["db", "upgrade"], IVR_DATABASE_URL=url).returncode == 0
        name = make_url(url).database
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(
                    text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
                )
            ran = run_ivr(
                ["staff", "add", "ada"],
                IVR_DATABASE_URL=url,
                IVR_STAFF_PASSWORD="correct horse battery",
            )
            listed = run_ivr(["outbox", "list"], IVR_DATABASE_URL=url)
        finally:
            admin.dispose()  # its connection began before the setting: it could still write
    shown = make_url(url).render_as_string(hide_password=True)
    assert ran.returncode == 1
    assert ran.stderr.startswith(f"voice311: the database at {shown} is read-only (")
    assert ran.stderr.endswith(
        "voice311 writes every call to it, so it must be a primary server, not a standby, with "
        "default_transaction_read_only off\n"
    )
    assert (listed.returncode, listed.stdout) == (0, "nothing here\n")


def test_a_database_never_migrated_says_to_run_db_upgrade(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if (path := sqlite_file(database_url)) is not None:
        path.touch()  # an empty SQLite database (a file that is missing is said so: below)
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["gazetteer", "stats"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    shown = make_url(database_url).render_as_string(hide_password=True)
    assert result.output.startswith(
        f"voice311: the database at {shown} is not migrated to this version of voice311 ("
    )
    assert result.output.rstrip().endswith("): run `ivr db upgrade`")


def test_the_real_command_on_an_unmigrated_file_prints_a_sentence(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    (tmp_path / "voice311.db").touch()
    ran = run_ivr(["gazetteer", "stats"], IVR_DATABASE_URL=url)
    assert ran.returncode == 1
    assert ran.stderr == (
        f"voice311: the database at {url} is not migrated to this version of voice311 "
        "(no such table: gazetteer_points): run `ivr db upgrade`\n"
    )


# Commands that use a store made before: each reads it, or changes a row that must be there.
STORE_COMMANDS = [
    ["outbox", "list"],
    ["outbox", "failures"],
    ["outbox", "show", "1"],
    ["outbox", "retry", "1"],
    ["db", "current"],
    ["db", "history"],
    ["gazetteer", "list"],
    ["gazetteer", "stats"],
    ["staff", "list"],
    ["staff", "sessions"],
    ["open311", "status", "1", "closed"],
]


def missing_file_sentence(folder: Path) -> str:
    return (
        f"voice311: the database file {folder / 'voice311.db'} does not exist: run "
        "`ivr db upgrade` to create it (IVR_DATABASE_URL is sqlite:///voice311.db)\n"
    )


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=" ".join)
def test_a_database_file_that_does_not_exist_is_named_and_not_created(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite makes the file it is asked to open: the command used to leave an empty
    voice311.db behind and call it not migrated."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert result.output == missing_file_sentence(Path.cwd())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command", [["outbox", "list"], ["worker", "--once"], ["db", "downgrade", "base"]], ids=" ".join
)
def test_the_real_command_names_the_missing_file_on_standard_error(
    command: list[str], tmp_path: Path
) -> None:
    """In a process of its own: ``ivr worker`` sets up the process's logging."""
    ran = run_ivr(command, cwd=tmp_path)
    assert (ran.returncode, ran.stdout) == (1, "")
    assert ran.stderr == missing_file_sentence(tmp_path.resolve())
    assert list(tmp_path.iterdir()) == []


def test_db_upgrade_still_creates_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    made = CliRunner().invoke(main, ["db", "upgrade"])
    assert made.output == f"database is at revision {head_revision()}\n"
    assert CliRunner().invoke(main, ["outbox", "list"]).output == "nothing here\n"


def as_the_gateway_user(args: list[str], url: str) -> subprocess.CompletedProcess[str]:
    """``ivr ARGS`` on the store at ``url``, by a user that file modes apply to."""
    password = "correct horse battery"
    return run_ivr(args, as_service_user=True, IVR_DATABASE_URL=url, IVR_STAFF_PASSWORD=password)


def test_a_read_only_database_file_is_named_as_read_only(sqlite_url: str) -> None:
    """It used to be a database that "cannot be reached"; reading it still works."""
    database = sqlite_file(sqlite_url)
    assert database is not None
    database.chmod(0o444)
    try:
        added = as_the_gateway_user(["staff", "add", "ada"], sqlite_url)
        listed = as_the_gateway_user(["outbox", "list"], sqlite_url)
    finally:
        database.chmod(0o644)
    assert added.returncode == 1, added.stderr
    assert added.stderr == (
        f"voice311: the database file {database} is read-only (attempt to write a readonly "
        f"database): the user running voice311 must be able to write it, its -wal and -shm "
        f"files and its folder {database.parent}\n"
    )
    assert (listed.returncode, listed.stdout) == (0, "nothing here\n")


def test_a_database_in_a_read_only_folder_names_the_folder(sqlite_url: str) -> None:
    database = sqlite_file(sqlite_url)
    assert database is not None
    database.parent.chmod(0o555)
    try:
        added = as_the_gateway_user(["staff", "add", "ada"], sqlite_url)
    finally:
        database.parent.chmod(0o755)
    assert added.returncode == 1, added.stderr
    assert added.stderr == (
        f"voice311: the database file {database} cannot be written: its folder "
        f"{database.parent} is read-only to the user running voice311, and SQLite writes its "
        "-wal and -shm files there (attempt to write a readonly database)\n"
    )


def test_a_database_out_of_reach_is_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", "postgresql://voice311:secret@127.0.0.1:9/voice311")
    result = CliRunner().invoke(main, ["outbox", "list"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "voice311: the database at postgresql+psycopg://voice311:***@127.0.0.1:9/voice311 "
        "cannot be reached: "
    )
    assert "secret" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", ["retry", "show"])
@pytest.mark.parametrize("outbox_id", ["99999999999999999999", "0"])
def test_a_report_that_cannot_exist_is_no_such_report(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch, command: str, outbox_id: str
) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", migrated_url)
    result = CliRunner().invoke(main, ["outbox", command, outbox_id])
    assert result.exit_code == 1
    assert result.output == f"Error: no such report: there is no outbox row {outbox_id}\n"


def test_an_unexpected_error_is_a_sentence_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault nobody foresaw still ends in one line naming it, not a traceback."""
    from ivr.store import commands

    def broken(url: str, **_options: object) -> str:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(commands.store, "current_revision", broken)
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 1
    assert result.output == (
        "voice311: the command stopped on an unexpected OverflowError: "
        "Python int too large to convert to SQLite INTEGER\n"
    )


@pytest.mark.parametrize("threads", ["0", "1", "-5", "513"])
def test_serve_threads_out_of_range_is_refused_before_anything_starts(
    threads: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--threads", threads])
    assert result.exit_code == 2
    assert "--threads" in result.output and "2<=x<=512" in result.output
    assert not (tmp_path / "voice311.db").exists()
