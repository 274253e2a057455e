"""Fixtures shared by every test: databases (SQLite and PostgreSQL) and a migrated store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.store.db import upgrade
from tests.support.databases import fresh_database
from tests.support.models_folder import models_folder

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True, scope="session")
def models_kept_out_of_the_checkout() -> Iterator[None]:
    """Gateways that read their settings from the environment (``ivr transcribe``, ``ivr
    serve`` in a subprocess, ``Settings.from_env``) keep the street models they build in the
    run's models folder, as the gateways of tests/support and tests/calls/phone.py do."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IVR_MODELS_DIR", models_folder())
        yield


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, once on SQLite and once on PostgreSQL."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """A database on each backend, migrated to the newest revision."""
    upgrade(database_url)
    return database_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database, for tests that need a store but not both backends."""
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    upgrade(url)
    return url
