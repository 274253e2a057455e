"""The sentence an ``ivr`` command ends in when SQLite refuses to write: the file named as
read-only, not as a database that "cannot be reached".

SQLite's own error is made here by opening a real file read-only (``mode=ro``): the tests may
run as root, whom a file's mode does not stop. tests/integration/test_cli_errors.py runs the
commands on a file and a folder made read-only with chmod, where chmod stops writes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from ivr.cli_errors import database_sentence


def refused_write(path: Path) -> DBAPIError:
    """The error of an INSERT into ``path`` opened read-only, as SQLAlchemy raises it."""
    with sqlite3.connect(path) as made:
        made.execute("CREATE TABLE staff_users (username TEXT)")
    made.close()
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with pytest.raises(DBAPIError) as refused, engine.begin() as connection:
            connection.execute(text("INSERT INTO staff_users VALUES ('ada')"))
    finally:
        engine.dispose()
    return refused.value


def test_a_read_only_sqlite_file_is_named_as_read_only(tmp_path: Path) -> None:
    database = tmp_path / "voice311.db"
    error = refused_write(database)
    assert "attempt to write a readonly database" in str(error.orig)

    said = database_sentence(error, f"sqlite:///{database}")

    assert said == (
        f"the database file {database} is read-only (attempt to write a readonly database): "
        f"the user running voice311 must be able to write it, its -wal and -shm files and its "
        f"folder {tmp_path}"
    )


def test_a_relative_sqlite_url_is_named_by_its_full_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    error = refused_write(tmp_path / "voice311.db")
    monkeypatch.setenv("IVR_DATABASE_URL", "sqlite:///voice311.db")

    said = database_sentence(error)

    assert said.startswith(f"the database file {Path.cwd() / 'voice311.db'} is read-only (")
    assert "cannot be reached" not in said
