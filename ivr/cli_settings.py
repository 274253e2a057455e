"""The settings of an ``ivr`` command: read from the environment, or a clear error and exit 2.

Every command module loads its settings here rather than from ``ivr.cli``, so the command
group can import the commands without a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.cli_errors import SettingsNotValid
from ivr.settings import Settings, SettingsError

if TYPE_CHECKING:
    from ivr.runtime import Runtime


def load_settings() -> Settings:
    """The settings, or every problem with them and exit code 2."""
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise SettingsNotValid(error) from None


def load_runtime() -> Runtime:
    """The gateway's runtime for a command: its collaborators are built as in service, and
    only those the command uses. Its store is one made before: a SQLite file that does not
    exist is not created (:class:`~ivr.store.db.DatabaseFileMissing` when the command first
    uses it); ``ivr db upgrade`` and ``ivr serve`` make it."""
    from ivr.runtime import Runtime, store_engine

    settings = load_settings()
    return Runtime(settings, engine=store_engine(settings, create_file=False))
