"""``/healthz`` and ``/readyz`` of an app made by ``create_app``: what a load balancer (or
Docker's HEALTHCHECK) would be told, and what the operator's log says."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.addresses.gazetteer import import_file
from ivr.app import create_app
from ivr.health import recognition_ready
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.store.db import upgrade
from tests.support.service_user import WITHOUT_ROOTS_OVERRIDE

POINTS = (
    "House number,Street name,Postal code,Latitude,Longitude\n"
    "438,Washington Street,02135,42.3483280,-71.1574380\n"
    "360,Newbury Street,02115,42.3480379,-71.0876524\n"
)


def app_on(url: str, **changes: object) -> Flask:
    settings = Settings(database_url=url, recognizer="twilio").replace(**changes)
    return create_app(settings)


def import_points(app: Flask, folder: Path) -> None:
    points = folder / "points.csv"
    points.write_text(POINTS, encoding="utf-8")
    rt: Runtime = app.extensions["voice311"]
    import_file(rt.engine, points)


def ready_when_probed(client: FlaskClient, tries: int = 200) -> dict[str, object]:
    """Probe as a load balancer does until ready (the gazetteer loads on a thread of its own);
    the last answer's body."""
    for _ in range(tries):
        answer = client.get("/readyz")
        if answer.status_code == 200:
            return dict(answer.json or {})
        time.sleep(0.05)
    pytest.fail(f"never ready: {answer.json}")


@pytest.fixture
def awaited_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory as ``ivr serve`` makes it for two recognition workers."""
    directory = tmp_path / "recognition"
    directory.mkdir()
    (directory / recognition_ready.EXPECTED).write_text("2", encoding="ascii")
    monkeypatch.setenv(recognition_ready.ENVIRONMENT, str(directory))
    yield directory


def test_liveness_answers_without_a_database(tmp_path: Path) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'never-migrated.db'}")
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok"}


def test_not_ready_on_a_database_never_migrated_then_ready_once_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    app = app_on(url)
    client = app.test_client()

    answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.json or {}
    assert body["status"] == "not ready"
    assert body["checks"]["database"]["state"] == "not migrated"
    assert "ivr db upgrade" in body["checks"]["database"]["detail"]

    upgrade(url)
    import_points(app, tmp_path)
    body = ready_when_probed(client)
    assert body["status"] == "ready"
    assert body["checks"]["database"]["state"] == "ok"
    assert body["checks"]["gazetteer"]["detail"] == "2 address points"
    assert body["checks"]["recognisers"]["state"] == "not needed"


def test_an_empty_gazetteer_is_not_ready(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    upgrade(url)
    client = app_on(url).test_client()
    for _ in range(200):
        body = client.get("/readyz").json or {}
        if body["checks"]["gazetteer"]["state"] != "loading":
            break
        time.sleep(0.05)
    assert client.get("/readyz").status_code == 503
    assert body["checks"]["gazetteer"]["state"] == "empty"


def test_a_remote_geocoder_needs_no_gazetteer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    upgrade(url)
    answer = app_on(url, geocoder="census").test_client().get("/readyz")
    assert answer.status_code == 200
    assert set((answer.json or {})["checks"]) == {"database", "recognisers"}


def test_an_unreachable_database_is_named_without_its_url(tmp_path: Path) -> None:
    url = "postgresql+psycopg://voice311:secret-password@127.0.0.1:1/voice311"
    answer = app_on(url, geocoder="census").test_client().get("/readyz")
    assert answer.status_code == 503
    database = (answer.json or {})["checks"]["database"]
    assert database["state"] == "unreachable"
    assert "secret-password" not in answer.get_data(as_text=True)


def test_readiness_waits_for_a_recognition_worker_to_announce_itself(
    tmp_path: Path, awaited_workers: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    upgrade(url)
    client = app_on(url, recognizer="whisper", geocoder="census").test_client()

    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert (answer.json or {})["checks"]["recognisers"] == {
        "ok": False,
        "state": "loading",
        "detail": "0 of 2 recognition workers warm",
    }

    recognition_ready.announce_warm(awaited_workers)  # this process stands in for a worker
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert (answer.json or {})["checks"]["recognisers"]["detail"] == (
        "1 of 2 recognition workers warm"
    )


def test_a_worker_that_died_after_announcing_itself_does_not_count(
    tmp_path: Path, awaited_workers: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    upgrade(url)
    client = app_on(url, recognizer="whisper", geocoder="census").test_client()
    dead = os.fork()
    if dead == 0:  # the child announces itself and dies at once, as a crashed worker would
        (awaited_workers / f"{os.getpid()}{recognition_ready.SUFFIX}").write_text("{}")
        os._exit(0)
    os.waitpid(dead, 0)
    assert (awaited_workers / f"{dead}{recognition_ready.SUFFIX}").exists()
    assert client.get("/readyz").status_code == 503


def test_without_recognition_workers_of_its_own_nothing_is_awaited(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    upgrade(url)
    # No directory named by ``ivr serve``: IVR_RECOGNITION_WORKERS=0, recognition elsewhere.
    assert recognition_ready.ENVIRONMENT not in os.environ
    answer = app_on(url, recognizer="whisper", geocoder="census").test_client().get("/readyz")
    assert answer.status_code == 200
    assert (answer.json or {})["checks"]["recognisers"]["state"] == "not needed"


def test_a_change_is_logged_once_however_often_it_is_probed(
    tmp_path: Path, awaited_workers: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    upgrade(url)
    client = app_on(url, recognizer="whisper", geocoder="census").test_client()
    with caplog.at_level(logging.INFO, logger="ivr.health.readiness"):
        for _ in range(5):
            client.get("/readyz")
        recognition_ready.announce_warm(awaited_workers)
        for _ in range(5):
            client.get("/readyz")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["readiness check not passing", "gateway ready to take calls"]


READINESS_OF = (
    "import sys\n"
    "from ivr.health.checks import DatabaseCheck\n"
    "from ivr.store.db import make_engine\n"
    "check = DatabaseCheck(make_engine(sys.argv[1]))()\n"
    "print(check.ok, check.state, check.detail, sep='|')\n"
)


def database_readiness_as_the_service_user(url: str) -> str:
    """The database check's answer in a process of the gateway's own user (not root's)."""
    ran = subprocess.run(
        [*WITHOUT_ROOTS_OVERRIDE, sys.executable, "-c", READINESS_OF, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return ran.stdout.strip()


def test_a_sqlite_store_the_gateway_cannot_write_is_not_ready(tmp_path: Path) -> None:
    """Reading a read-only file still works, so the revision check passed it as ready while
    every call failed at its first step."""
    database = tmp_path / "voice311.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    assert database_readiness_as_the_service_user(url).startswith("True|ok|")
    database.chmod(0o444)
    try:
        file_answer = database_readiness_as_the_service_user(url)
    finally:
        database.chmod(0o644)
    tmp_path.chmod(0o555)
    try:
        folder_answer = database_readiness_as_the_service_user(url)
    finally:
        tmp_path.chmod(0o755)
    assert file_answer == "False|read-only|the database file is read-only to the gateway's user"
    assert folder_answer == (
        "False|read-only|the database file's folder is read-only to the gateway's user "
        "(SQLite writes there)"
    )
