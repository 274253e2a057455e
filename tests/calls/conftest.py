"""Fixtures shared by the whole-call tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.calls.phone import prepared_store


@pytest.fixture
def own_store(tmp_path: Path) -> str:
    """A store of its own, for a test that runs its own gateway beside a module's gateway.

    Two gateways on one store both run its jobs: the module's gateway could take the other
    test's jobs (a status question, a transcription) and answer them with its own settings.
    """
    return prepared_store(f"sqlite:///{tmp_path / 'voice311.db'}")
