"""The dashboard on a real two-worker gateway (`ivr serve --workers 2`, gunicorn, as the Docker
image runs it) with a shared `IVR_SECRET_KEY`, on SQLite and PostgreSQL: an account made with
`ivr staff add`, log-ins through the form, and page loads each on a fresh connection (so either
worker may answer any of them) never bounce to the log-in page; a log-out ends the session in
both workers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integration.test_dashboard import PASSWORD, csrf_of, on_login_page
from tests.support.serve_process import free_port, running_serve

PAGES = ("/staff/calls", "/staff/outbox", "/staff/calls.json", "/staff/flows")


@dataclass(frozen=True)
class Served:
    base: str
    env: dict[str, str]
    workdir: Path


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_PORT=str(port),
        IVR_DATABASE_URL=database_url,
        IVR_SECRET_KEY="a shared key for every worker of this gateway",
        IVR_RECOGNITION_WORKERS="0",
        IVR_WEB_THREADS="4",
        IVR_MODELS_DIR=os.environ["IVR_MODELS_DIR"],
    )
    with running_serve(tmp_path, port, env, workers=2) as base:
        yield Served(base, env, tmp_path)


def ivr(served: Served, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ivr", *args],
        cwd=served.workdir,
        env={**served.env, **extra},
        capture_output=True,
        text=True,
        timeout=120,
    )


def fresh_connections(base: str) -> httpx.Client:
    """A browser-like client that opens a new connection for every request."""
    return httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_keepalive_connections=0))


def log_in(http: httpx.Client, username: str) -> httpx.Response:
    token = csrf_of(http.get("/staff/login"))
    form = {"csrf_token": token, "username": username, "password": PASSWORD}
    return http.post("/staff/login", data=form)


def test_log_ins_and_page_loads_on_two_workers_never_bounce(served: Served) -> None:
    added = ivr(served, "staff", "add", "alice", "--role", "admin", IVR_STAFF_PASSWORD=PASSWORD)
    assert added.returncode == 0, added.stdout + added.stderr
    assert "added alice (admin)" in added.stdout

    browsers = [fresh_connections(served.base) for _ in range(4)]
    try:
        for http in browsers:
            welcomed = log_in(http, "alice")
            assert welcomed.status_code == 302, welcomed.text
            assert welcomed.headers["location"] == "/staff/calls"
        bounced = []
        for n in range(30):
            path = PAGES[n % len(PAGES)]
            page = browsers[n % len(browsers)].get(path)
            if page.status_code != 200:
                bounced.append((path, page.status_code))
        assert bounced == []

        leaving = browsers[0]
        kept = leaving.cookies["voice311_staff"]
        token = csrf_of(leaving.get("/staff/calls"))
        assert on_login_page(leaving.post("/staff/logout", data={"csrf_token": token}))
        for _ in range(6):  # whichever worker answers, the old cookie opens nothing
            leaving.cookies.set("voice311_staff", kept, domain="127.0.0.1")
            assert on_login_page(leaving.get("/staff/calls"))
        assert browsers[1].get("/staff/calls").status_code == 200
    finally:
        for http in browsers:
            http.close()
