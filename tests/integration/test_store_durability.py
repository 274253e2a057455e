"""What the gateway tells someone is kept is on the disk before they hear it: a caller's report
taken, a request filed on the embedded endpoint; and an outbox attempt is before its POST. The
call's steps in between do not each wait for the disk (SQLite's ``synchronous=NORMAL`` in WAL
mode; PostgreSQL's ``synchronous_commit`` off for a step that files nothing): ivr/store/db.py
and docs/serving.md."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Request, Response

from flows.loader import flow_from_document
from ivr.dialog.context import DialogContext
from ivr.dialog.events import Event
from ivr.dialog.flow_library import load_flow_library
from ivr.open311.client import Open311Client
from ivr.outbox.queue import Report, enqueue
from ivr.outbox.worker import deliver_due
from ivr.settings import Settings
from ivr.store.db import make_engine, make_sessionmaker
from ivr.webhooks.calls import CallDesk
from tests.integration.open311_city import City, as_json
from tests.support.embedded_endpoint import POTHOLE_FORM, live_endpoints
from tests.support.live_server import serve_wsgi
from tests.support.note_flow import note_flow

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SERVICES = [{"service_code": "pothole", "service_name": "Pothole", "type": "realtime"}]
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"
FLOW = note_flow(attempts=2, files=True)


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the gateway fsyncs, by name, in order (each still synced for real)."""
    names: list[str] = []
    fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        names.append(os.readlink(f"/proc/self/fd/{fd}"))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    return names


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_sqlite_commits_wait_for_the_next_checkpoint_not_each_for_the_disk(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    finally:
        engine.dispose()


# PostgreSQL: every transaction that writes a call's row notes, as it commits, whether its
# commit waits for the disk. A deferred constraint trigger runs just before the commit, in the
# transaction, however it was begun (a session's, the driver's, or one statement in autocommit).
NOTE_COMMIT_SETTING = """
CREATE TABLE commit_settings_seen (id serial PRIMARY KEY, xid bigint, setting text);
CREATE FUNCTION note_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO commit_settings_seen (xid, setting)
  VALUES (txid_current(), current_setting('synchronous_commit'));
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER note_commit_setting AFTER INSERT OR UPDATE ON calls
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION note_commit_setting();
"""


def commit_settings(engine: Engine) -> list[str]:
    """``synchronous_commit`` as each transaction that wrote a call found it at its commit:
    "on", the commit waited for the disk; "off", it did not."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT xid, setting FROM commit_settings_seen ORDER BY id")
        ).all()
        connection.execute(text("DELETE FROM commit_settings_seen"))
        connection.commit()
    return list({xid: setting for xid, setting in rows}.values())


def test_the_step_that_files_a_report_is_on_the_disk_before_the_caller_hears_it(
    sessions: sessionmaker[Session], synced: list[str]
) -> None:
    engine = sessions.kw["bind"]
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        with engine.begin() as connection:
            connection.exec_driver_sql(NOTE_COMMIT_SETTING)
    library = load_flow_library(Settings())
    flow = flow_from_document(FLOW, "test")
    desk = CallDesk(sessions, flow, DialogContext(catalogues=library.catalogues), city="Boston")

    desk.advance("CA1", Event.start())  # the call's row inserted: nothing filed
    desk.advance("CA1", Event.no_input(step=1))  # asked again, on the row as read: nothing filed
    assert synced == []
    stepped = commit_settings(engine) if postgres else []
    answer = desk.advance("CA1", Event.recording(RECORDING, 4.0, step=2))

    assert answer.filed
    if engine.dialect.name == "sqlite":
        assert synced == [f"{engine.url.database}-wal"]
    else:  # PostgreSQL: the filing step's commit waits for the disk, the questions' did not
        assert synced == []
        assert stepped == ["off", "off"]
        assert commit_settings(engine) == ["on"]


def test_a_request_filed_on_the_embedded_endpoint_is_on_the_disk_before_its_answer(
    sqlite_url: str, tmp_path: Path, synced: list[str]
) -> None:
    with live_endpoints(sqlite_url, tmp_path) as make:
        endpoint = make()
        services = endpoint.http.get("/services.json")
        assert services.status_code == 200 and synced == []  # reading syncs nothing
        filed = endpoint.http.post("/requests.json", data=POTHOLE_FORM)

    assert filed.status_code == 200, filed.text
    assert "service_request_id" in filed.json()[0]
    database = sqlite_url.removeprefix("sqlite:///")
    assert f"{database}-wal" in synced


def test_an_outbox_attempt_is_on_the_disk_before_its_post_reaches_the_city(
    sqlite_url: str, synced: list[str]
) -> None:
    """After a power cut, a report whose POST may have reached the city comes back as an
    attempt of unknown outcome (looked up at the city first), never as one never sent."""
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    wal = f"{engine.url.database}-wal"
    synced_when_posted: list[list[str]] = []

    def post(_request: Request) -> Response:
        synced_when_posted.append(list(synced))
        body = json.dumps([{"service_request_id": "311-1"}])
        return Response(body, 201, mimetype="application/json")

    routes = {("GET", "/services.json"): as_json(SERVICES), ("POST", "/requests.json"): post}
    city = City(routes=routes)
    with sessions() as session, session.begin():
        enqueue(
            session.connection(), Report(service_code="pothole", lat=42.35, long=-71.05), now=NOW
        )
    try:
        with serve_wsgi(city) as base:
            client = Open311Client(httpx.Client(timeout=5), base + "/")
            assert deliver_due(sessions, client, clock=lambda: NOW).filed == 1
    finally:
        engine.dispose()

    assert synced_when_posted == [[wal]]
