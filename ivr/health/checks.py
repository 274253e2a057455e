"""The checks of ``/readyz``: each answers, cheaply, whether one thing a call needs is there.

- ``database``: reachable, and migrated to the newest revision the package ships (Alembic's
  current revision against the scripts' head); a SQLite file this process cannot write (the
  file, or its folder, where SQLite writes its ``-wal`` and ``-shm``) is ``read-only``: every
  call would fail at its first step, while reading it still works. A good answer is kept for
  a few seconds, so a load balancer probing every second costs a query every few seconds; a
  bad one is asked again at the next probe, so recovery shows at once. Only one probe at a
  time queries (a database that hangs holds one web thread, not all of them); the others
  answer with the last result.
- ``gazetteer`` (``IVR_GEOCODER=gazetteer``): the address index is built and holds points.
  A probe starts loading it on a thread of its own (it waits behind a load already under way,
  then returns at once); a probe never waits for it. Empty or failed, it is looked at again
  at the next probe (after an import).
- ``recognisers``: the recognition workers ``ivr serve`` started have loaded their models
  (:mod:`ivr.health.recognition_ready`). With Twilio's speech, or no workers started here
  (``IVR_RECOGNITION_WORKERS=0``, ``IVR_OUTBOX_WORKER=off``), there is nothing to wait for.

A check's ``detail`` says what an operator needs (a revision, a count, an error's kind), never
a URL, a password or anything of a caller's.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from ivr.health import recognition_ready
from ivr.settings import Settings
from ivr.store.db import sqlite_file

DATABASE_CACHE_SECONDS = 5.0
VERSION_TABLE = "alembic_version"  # where Alembic records the revision a database is at


@dataclass(frozen=True)
class Check:
    """One check's answer: ``state`` a word or two (``ok``, ``loading``, ``unreachable``…)."""

    name: str
    ok: bool
    state: str
    detail: str = ""


def _unwritable_sqlite(engine: Engine) -> str:
    """What of a SQLite store this process cannot write ("" when it can, when the file does
    not exist yet, or for another database); no path, as every detail."""
    path = sqlite_file(engine.url.render_as_string())
    if path is None or not path.exists():
        return ""
    if not os.access(path, os.W_OK):
        return "the database file is read-only to the gateway's user"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return "the database file's folder is read-only to the gateway's user (SQLite writes there)"
    return ""


class DatabaseCheck:
    """Reachable and migrated to head (see the module's docstring)."""

    name = "database"

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], float] = time.monotonic,
        cache_seconds: float = DATABASE_CACHE_SECONDS,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._heads: frozenset[str] | None = None
        self._last: Check | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> Check:
        last = self._last
        if last is not None and last.ok and self._clock() - self._checked_at < self._cache_seconds:
            return last
        if not self._lock.acquire(blocking=False):  # another probe is asking the database
            return last or Check(self.name, False, "checking")
        try:
            self._last, self._checked_at = self._ask(), self._clock()
            return self._last
        finally:
            self._lock.release()

    def _ask(self) -> Check:
        heads = self._script_heads()
        unwritable = _unwritable_sqlite(self._engine)
        if unwritable:
            return Check(self.name, False, "read-only", unwritable)
        try:
            with self._engine.connect() as connection:
                current = _current_revisions(connection)
        except Exception as error:
            return Check(self.name, False, "unreachable", type(error).__name__)
        if current == heads:
            return Check(self.name, True, "ok", f"at revision {_names(current)}")
        if not current:
            return Check(self.name, False, "not migrated", "no revision: run `ivr db upgrade`")
        return Check(
            self.name,
            False,
            "not migrated",
            f"at revision {_names(current)}, the newest is {_names(heads)}",
        )

    def _script_heads(self) -> frozenset[str]:
        """The newest revision(s) of the migrations shipped in the package (read once)."""
        if self._heads is None:
            from alembic.script import ScriptDirectory

            from ivr.store.db import alembic_config

            config = alembic_config("sqlite://")  # the scripts only; no database is opened
            self._heads = frozenset(ScriptDirectory.from_config(config).get_heads())
        return self._heads


class GazetteerCheck:
    """The address index is built and holds points (see the module's docstring)."""

    name = "gazetteer"

    def __init__(self, index: Callable[[], Any]) -> None:
        self._index = index  # returns the index (building it on first use); has point_count
        self._state = Check(self.name, False, "loading", "the address index is being built")
        self._loading: threading.Thread | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Check:
        with self._lock:
            idle = self._loading is None or not self._loading.is_alive()
            if idle and not self._state.ok:  # the first probe, or an empty or failed load
                self._loading = threading.Thread(
                    target=self._load, name="voice311-gazetteer-check", daemon=True
                )
                self._loading.start()
        return self._state

    def _load(self) -> None:
        try:
            points = int(self._index().point_count)
        except Exception as error:
            self._state = Check(self.name, False, "failed", type(error).__name__)
            return
        if points <= 0:
            self._state = Check(
                self.name, False, "empty", "no address points: run `ivr gazetteer import`"
            )
        else:
            self._state = Check(self.name, True, "ok", f"{points} address points")


class RecognisersCheck:
    """The recognition workers of this ``ivr serve`` are warm (see the module's docstring)."""

    name = "recognisers"

    def __init__(self, settings: Settings) -> None:
        self._twilio = settings.recognizer == "twilio"

    def __call__(self) -> Check:
        if self._twilio:
            return Check(self.name, True, "not needed", "Twilio recognises the speech")
        directory = recognition_ready.awaited_directory()
        if directory is None:
            return Check(self.name, True, "not needed", "no recognition workers were started here")
        warmth = recognition_ready.warmth(directory)
        detail = f"{warmth.warm} of {warmth.expected} recognition workers warm"
        return Check(self.name, warmth.ready, "ok" if warmth.ready else "loading", detail)


def _current_revisions(connection: Connection) -> frozenset[str]:
    """The revisions Alembic recorded in the database (none before the first migration)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    return frozenset(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def _names(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "none"
