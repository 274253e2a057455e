"""What the storm runs against: a fresh store (a SQLite file, or a new PostgreSQL database),
``ivr serve`` started as a city starts it, and a sampler of the gateway's whole process tree.

The gateway is ``ivr serve --port P`` (the venv's console script, else ``python -m ivr``) in a
temporary working directory, with no ``IVR_*`` setting but the store, the auth token (every
webhook is signed), the public base URL that the signatures cover, and the media server's host
allowed for recordings: everything else is the embedded default (the embedded Open311
endpoint, ``IVR_RECOGNIZER=whisper``, the sample Boston gazetteer that ``ivr serve`` loads into
an empty store). Its log goes to ``serve.log`` in that directory.

CPU and memory are read from ``/proc`` (psutil is not in the venv): every process whose
ancestor is the ``ivr serve`` process counts, so recognition workers that it starts count too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from benchmarks.bare_server import wait_ready
from benchmarks.storm_stopping import held

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@contextmanager
def fresh_store(kind: str, folder: Path, postgres_url: str) -> Iterator[str]:
    """The URL of an empty store: a SQLite file in ``folder``, or a new database on the
    PostgreSQL server of ``postgres_url`` (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'voice311.db'}"
        return
    base = make_url(postgres_url)
    name = f"voice311_storm_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with held():
            _drop(admin, name)
            admin.dispose()


def _drop(admin: object, name: str) -> None:
    statement = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for attempt in range(20):
        try:
            with admin.connect() as connection:  # type: ignore[attr-defined]
                connection.execute(statement)
            return
        except DBAPIError:
            if attempt == 19:
                raise
            time.sleep(0.25)


def gateway_env(database_url: str, port: int, token: str, media_host: str) -> dict[str, str]:
    """The environment of ``ivr serve``: the caller's, without its ``IVR_*`` settings, plus
    the few a signed, recording gateway needs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_DATABASE_URL=database_url,
        IVR_TWILIO_AUTH_TOKEN=token,
        IVR_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        IVR_RECORDING_HOSTS=media_host,
    )
    return env


def serve_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("ivr")
    start = [str(script)] if script.exists() else [sys.executable, "-m", "ivr"]
    return [*start, "serve", "--port", str(port)]


@contextmanager
def running_gateway(env: dict[str, str], port: int, folder: Path) -> Iterator[int]:
    """``ivr serve`` on ``port``, answering ``/healthz``; yields its process id."""
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(
        serve_command(port), cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        try:
            wait_ready(f"http://127.0.0.1:{port}/healthz", process, seconds=300)
        except SystemExit:
            tail = (folder / "serve.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"ivr serve did not come up; the end of its log:\n{tail}") from None
        yield process.pid
    finally:
        with held():
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
            log.close()


@dataclass(frozen=True)
class TreeUsage:
    cpu_seconds: float  # user + system, every process of the tree, over the sampled span
    peak_rss_mib: float  # the largest sum of resident memory over the tree at one sample
    processes: int  # most processes seen in the tree at once
    threads: int  # most threads seen in the tree at once


def _stat(pid: int) -> tuple[int, float, int, int] | None:
    """(parent pid, CPU seconds, resident bytes, threads) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (name) "
    parent, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS
    return parent, cpu, int(fields[21]) * PAGE, int(fields[17])


def wait_idle(
    root: int, *, cpu_share: float = 0.1, span: float = 3.0, most: float = 300.0
) -> float:
    """Wait until the process tree of ``root`` uses less than ``cpu_share`` of a core over
    ``span`` seconds (models loaded, the store warm), ``most`` seconds at most; the seconds
    waited. Nothing of the gateway's internals is asked: only its CPU time."""
    began = time.monotonic()
    while time.monotonic() - began < most:
        sampler = TreeSampler(root)
        sampler.start()
        time.sleep(span)
        if sampler.stop().cpu_seconds < cpu_share * span:
            break
    return time.monotonic() - began


class TreeSampler:
    """Samples a process tree every ``interval`` seconds on a thread, from ``start()`` to
    ``stop()``. A child that ends between two samples loses its last interval's CPU."""

    def __init__(self, root: int, interval: float = 0.25) -> None:
        self._root, self._interval = root, interval
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._peak = self._processes = self._threads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._sample()
        self._first = dict(self._last)
        self._thread.start()

    def stop(self) -> TreeUsage:
        self._stop.set()
        self._thread.join()
        self._sample()
        cpu = sum(now - self._first.get(pid, 0.0) for pid, now in self._last.items())
        return TreeUsage(cpu, self._peak / 2**20, self._processes, self._threads)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def _sample(self) -> None:
        stats = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (stat := _stat(int(entry))) is not None:
                stats[int(entry)] = stat
        tree, grew = {self._root}, True
        while grew:
            children = {pid for pid, s in stats.items() if s[0] in tree} - tree
            tree |= children
            grew = bool(children)
        members = [(pid, stats[pid]) for pid in tree if pid in stats]
        for pid, (_parent, cpu, _rss, _threads) in members:
            self._last[pid] = cpu
        self._peak = max(self._peak, sum(s[2] for _, s in members))
        self._processes = max(self._processes, len(members))
        self._threads = max(self._threads, sum(s[3] for _, s in members))
