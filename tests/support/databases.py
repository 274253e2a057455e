"""Fresh databases for tests: a SQLite file, or a new database on the real PostgreSQL.

PostgreSQL is named by ``IVR_TEST_POSTGRES_URL`` (a URL to a server where the user may create
databases). CI always sets it (``scripts/test`` starts the server); without it a PostgreSQL
test fails in CI and is skipped, with the reason, on a developer's machine.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

POSTGRES_ENV = "IVR_TEST_POSTGRES_URL"


def postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        message = f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of ``kind`` ("sqlite" or "postgres"), removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'voice311-test.db'}"
        return
    base = make_url(postgres_base_url())
    name = f"voice311_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            drop_database(admin, name)
        finally:
            admin.dispose()


def drop_database(admin: Engine, name: str, *, attempts: int = 20) -> None:
    """Drops ``name``, ending any session still in it.

    ``WITH (FORCE)`` also ends an autovacuum worker that has just started on the database; a
    role without pg_signal_backend is refused that, and a worker may start between two tries,
    so a refused or busy drop is tried again for a few seconds before it fails the test.
    """
    statement = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for attempt in range(attempts):
        try:
            with admin.connect() as connection:
                connection.execute(statement)
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
