"""``ivr db upgrade|downgrade|current|history`` say the revision the database is really at, and
migrations run under a lock so that two gateways starting at once on one PostgreSQL database
both come up (issue 13, findings 12 and "What to build" 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from ivr.cli import main
from ivr.store.db import (
    MIGRATION_LOCK_KEY,
    current_revision,
    head_revision,
    migration_lock,
    revisions,
    sqlite_file,
)
from tests.support.databases import fresh_database

IVR = Path(sys.executable).parent / "ivr"
OLDEST = "0001_embedded_requests"
THIRD = "0003_calls_outbox"


@pytest.fixture
def db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    return database_url


def ivr(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_upgrade_to_a_revision_prints_where_the_database_is(db: str) -> None:
    moved = ivr("db", "upgrade", "--revision", THIRD)
    assert (moved.exit_code, moved.output) == (0, f"database is at revision {THIRD}\n")
    older = ivr("db", "upgrade", "--revision", OLDEST)
    assert older.exit_code == 0
    assert older.output == (
        f"database is at revision {THIRD}\n"
        f"({OLDEST} is older: `ivr db downgrade {OLDEST}` goes back to it)\n"
    )
    assert current_revision(db) == THIRD


def test_an_unknown_revision_is_a_sentence(db: str) -> None:
    result = ivr("db", "upgrade", "--revision", "0099_nothing")
    assert result.exit_code == 1
    assert result.output == (
        "voice311: the database cannot be migrated: "
        "Can't locate revision identified by '0099_nothing'\n"
    )
    assert current_revision(db) is None


def test_current_says_whether_the_database_is_at_the_newest_revision(db: str) -> None:
    if (path := sqlite_file(db)) is not None:
        path.touch()  # an empty SQLite database: a missing file is not created (test_cli_errors)
    head = head_revision()
    assert ivr("db", "current").output == (
        f"database is not migrated (no revision)\nthe newest revision is {head}: run "
        "`ivr db upgrade`\n"
    )
    ivr("db", "upgrade")
    assert ivr("db", "current").output == (
        f"database is at revision {head}\nit is the newest revision\n"
    )


def test_history_lists_every_revision_and_marks_the_current_one(db: str) -> None:
    ivr("db", "upgrade", "--revision", THIRD)
    lines = ivr("db", "history").output.splitlines()
    assert len(lines) == len(revisions())
    marked = [line for line in lines if line.startswith("*")]
    assert marked == [f"* {THIRD:<28} calls, reports and the outbox"]
    assert lines[0].split()[0] == OLDEST
    assert lines[-1].split()[0] == head_revision()


def test_downgrade_goes_back_and_says_where_it_stopped(db: str) -> None:
    ivr("db", "upgrade")
    back = ivr("db", "downgrade", THIRD)
    assert (back.exit_code, back.output) == (0, f"database is at revision {THIRD}\n")
    assert current_revision(db) == THIRD
    assert ivr("db", "downgrade", "base").output == "database is not migrated (no revision)\n"
    again = ivr("db", "upgrade")
    assert again.output == f"database is at revision {head_revision()}\n"


@pytest.mark.postgres
def test_the_migration_lock_is_held_while_migrating(tmp_path: Path) -> None:
    with fresh_database("postgres", tmp_path) as url:
        other = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with other.connect() as connection:
                take = text("SELECT pg_try_advisory_lock(:key)")
                with migration_lock(url):
                    assert connection.execute(take, {"key": MIGRATION_LOCK_KEY}).scalar() is False
                assert connection.execute(take, {"key": MIGRATION_LOCK_KEY}).scalar() is True
        finally:
            other.dispose()


@pytest.mark.postgres
def test_two_gateways_migrating_one_new_database_at_once_both_succeed(tmp_path: Path) -> None:
    """Two containers start on one fresh PostgreSQL database, each running ``ivr db upgrade``."""
    with fresh_database("postgres", tmp_path) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
        env["IVR_DATABASE_URL"] = url
        starts = [
            subprocess.Popen(
                [str(IVR), "db", "upgrade"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        ended = [start.communicate(timeout=180) for start in starts]
        head = head_revision()
        assert [start.returncode for start in starts] == [0, 0, 0], [err for _, err in ended]
        assert [out for out, _ in ended] == [f"database is at revision {head}\n"] * 3
        assert current_revision(url) == head
