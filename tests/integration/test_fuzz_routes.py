"""Generated requests across every route of the gateway (hypothesis, Flask's test client, a
real app on a real store): not one is answered with a server error.

Every rule of ``app.url_map`` is drawn, with the methods it allows and others, odd path
arguments, query strings, form and raw bodies, headers, webhooks signed right, wrong or not at
all, and staff pages as nobody, an agent or an admin (see :mod:`tests.support.route_fuzz`).
The store is seeded with a call, its report in the outbox and a recording, so that real ids
reach the views too. Derandomized: the same requests on every run, so a run in CI fails only
when the code changed.

Three answers of 5xx are deliberate and allowed: 502 from a recording the carrier would not
give (the gateway refuses to fetch the seeded recording's host), 503 from the event stream at
its cap of streams (``Retry-After``) and 503 from ``/readyz`` (this app's recognisers are not
warmed). Nothing else may be 500 or above.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import EnvironBuilder, FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from ivr.app import create_app
from ivr.clock import utc_now
from ivr.dashboard import accounts
from ivr.dashboard.accounts import add_user
from ivr.opendata import feeds
from ivr.outbox.queue import Report, enqueue
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.store.db import upgrade
from tests.support.databases import fresh_database
from tests.support.route_fuzz import Drawn, requests

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC_BASE = "https://voice.example.org"
PASSWORD = "correct horse battery"
CHEAP_HASH = "pbkdf2:sha256:1"
STAFF_USERS = {"agent": "agnes", "admin": "ada"}
LOGIN_ADDRESS = "10.99.99.99"  # the fixture's own log-ins; no generated request comes from it
CALL_SID = "CAfuzz0000000000000000000000000001"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REQUESTS_SQLITE = 2200
REQUESTS_POSTGRES = 600
# Deliberate server-side answers (see the module's docstring), by endpoint.
DELIBERATE = {"staff.calls.recording": 502, "open_data_feeds.events": 503, "readyz": 503}


class TracebackCatcher(logging.Handler):
    """Keeps every record of the gateway's loggers that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@dataclass
class FuzzedGateway:
    app: Flask
    rules: list[Rule]
    ids: list[str]
    clients: dict[str, FlaskClient]
    csrf: dict[str, str]
    sent: int = 0
    drawn: set[str] = field(default_factory=set)  # the endpoints requests were drawn for
    signed_through: int = 0  # signed webhooks answered past the signature check
    tracebacks: TracebackCatcher = field(default_factory=lambda: TracebackCatcher())

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.extensions["voice311"]
        return runtime


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def gateway(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FuzzedGateway]:
    # Log-ins are drawn too: a cheap password hash keeps their scrypt cost out of the run.
    monkeypatch.setattr(accounts, "HASH_METHOD", CHEAP_HASH)
    monkeypatch.setattr(accounts, "_UNKNOWN_USER_HASH", generate_password_hash("-", CHEAP_HASH))
    # An event stream is read until it would wait for its next poll (it has read the store).
    monkeypatch.setattr(feeds, "time", SimpleNamespace(sleep=pause_stream))
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        settings = Settings(
            database_url=url,
            secret_key="s" * 64,
            twilio_auth_token=AUTH_TOKEN,
            public_base_url=PUBLIC_BASE,
            recognizer="twilio",
            operator_number="+16175550100",
            operator_queue="",
            duplicate_radius_metres=0,
        )
        app = create_app(settings)
        rt: Runtime = app.extensions["voice311"]
        for role, username in STAFF_USERS.items():
            add_user(rt.sessions, username, PASSWORD, role, now=utc_now())
        gateway = FuzzedGateway(
            app=app,
            rules=list(app.url_map.iter_rules()),
            ids=[],
            clients={"nobody": app.test_client()},
            csrf={"nobody": ""},
        )
        _seed(gateway)
        for role in STAFF_USERS:
            gateway.clients[role] = app.test_client()
            _log_in(gateway, role)
        gateway_log = logging.getLogger("ivr")
        level = gateway_log.level
        gateway_log.addHandler(gateway.tracebacks)
        gateway_log.setLevel(logging.ERROR)  # thousands of refusals: only errors are looked at
        try:
            yield gateway
        finally:
            gateway_log.removeHandler(gateway.tracebacks)
            gateway_log.setLevel(level)
            rt.engine.dispose()


def _seed(gateway: FuzzedGateway) -> None:
    """A call started by its webhook, with a recording and a report in the outbox."""
    client = gateway.clients["nobody"]
    start = {"CallSid": CALL_SID, "From": "+16175550123", "To": "+16175550199"}
    assert _signed_post(gateway, client, "/twilio/voice", start).status_code == 200
    recording = {
        "CallSid": CALL_SID,
        "RecordingStatus": "completed",
        "RecordingUrl": "http://127.0.0.1:9/Recordings/RE1",
        "RecordingDuration": "3",
    }
    path = "/twilio/voice/step/1/recording_status"
    assert _signed_post(gateway, client, path, recording).status_code == 204
    rt = gateway.runtime
    with rt.sessions() as session, session.begin():
        row = enqueue(
            session.connection(), Report(service_code="001", call_sid=CALL_SID), now=utc_now()
        )
        outbox_id = row.outbox_id
    gateway.ids = [CALL_SID, str(outbox_id), "0", "1", "001", "intake", rt.settings.flow]


def _signed_post(
    gateway: FuzzedGateway, client: FlaskClient, path: str, form: dict[str, str]
) -> TestResponse:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def _log_in(gateway: FuzzedGateway, role: str) -> None:
    """Log ``role``'s client in through the form, and keep its session's CSRF token."""
    client, where = gateway.clients[role], {"REMOTE_ADDR": LOGIN_ADDRESS}
    page = client.get("/staff/login", environ_base=where)
    form = {"csrf_token": _csrf(page), "username": STAFF_USERS[role], "password": PASSWORD}
    assert client.post("/staff/login", data=form, environ_base=where).status_code == 302
    gateway.csrf[role] = _csrf(client.get("/staff/calls", environ_base=where))


def _csrf(page: TestResponse) -> str:
    found = CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token in the page ({page.status_code})"
    return found.group(1)


def send(gateway: FuzzedGateway, drawn: Drawn) -> TestResponse:
    """Send one generated request as its sender would, signing a webhook when it should be."""
    client = gateway.clients[drawn.staff]
    url = drawn.path + (f"?{drawn.query}" if drawn.query else "")
    headers = dict(drawn.headers)
    options: dict[str, object] = {"environ_base": {"REMOTE_ADDR": drawn.address}}
    csrf = gateway.csrf[drawn.staff] if drawn.with_csrf else ""
    if drawn.body is not None:
        options["data"], options["content_type"] = drawn.body, drawn.content_type
        if csrf:
            headers["X-CSRF-Token"] = csrf
    elif drawn.form or csrf:
        # The session's token first: a generated ``csrf_token`` field may follow it.
        options["data"] = MultiDict([("csrf_token", csrf)] if csrf else []) | MultiDict(drawn.form)
    if drawn.rule.startswith("/twilio/") and drawn.sender != "unsigned":
        token = AUTH_TOKEN if drawn.sender == "signed" else AUTH_TOKEN[::-1]
        headers["X-Twilio-Signature"] = _signature(gateway, token, url, drawn.method, options)
    return client.open(url, method=drawn.method, headers=headers, **options)  # type: ignore[arg-type]


def _signature(
    gateway: FuzzedGateway, token: str, url: str, method: str, options: dict[str, object]
) -> str:
    """Twilio's signature of the request as the gateway will see it (its URL and form)."""
    builder = EnvironBuilder(gateway.app, url, method=method, **options)  # type: ignore[arg-type]
    try:
        seen = builder.get_request()
        signed_url = gateway.runtime.signature_check.signed_url(seen)
        # A body signed by its hash (``bodySHA256``) leaves the signature over the URL alone.
        params = seen.form if method == "POST" and not seen.args.get("bodySHA256") else {}
        return RequestValidator(token).compute_signature(signed_url, params)  # type: ignore[arg-type]
    finally:
        builder.close()


class StreamPaused(Exception):
    """Raised where an event stream would sleep until its next poll: it has read the store."""


def pause_stream(_seconds: float) -> None:
    raise StreamPaused


def answered_well(gateway: FuzzedGateway, drawn: Drawn, response: TestResponse) -> str:
    """Why the answer is a server error, or "" when it is not: 5xx, a traceback in the body,
    or a traceback logged while it was answered (a stream's failure is only seen there)."""
    try:
        body = response.get_data(as_text=True)
    except StreamPaused:  # an event stream, read up to its first poll of the store
        body = ""
    response.close()
    status = response.status_code
    if "Traceback (most recent call last)" in body:
        return f"a traceback in the answer ({status})"
    if gateway.tracebacks.records:
        logged = gateway.tracebacks.records.pop()
        return f"a traceback logged ({status}): {logged.getMessage()} {logged.exc_info!r}"
    if status < 500:
        return ""
    if DELIBERATE.get(drawn.endpoint) == status and "internal error" not in body:
        return ""
    return f"{status}: {body[:300]!r}"


def fuzz(gateway: FuzzedGateway, examples: int) -> None:
    strategy = requests(gateway.rules, gateway.ids)

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one_request(data: st.DataObject) -> None:
        drawn = data.draw(strategy)
        response = send(gateway, drawn)
        gateway.sent += 1
        gateway.drawn.add(drawn.endpoint)
        if drawn.rule.startswith("/twilio/") and drawn.sender == "signed":
            gateway.signed_through += response.status_code != 403
        problem = answered_well(gateway, drawn, response)
        assert not problem, f"{drawn.method} {drawn.path}?{drawn.query[:80]} → {problem}\n{drawn}"
        ended = drawn.endpoint in ("staff.login", "staff.logout") and response.status_code == 302
        if ended and drawn.staff != "nobody":  # that request ended the client's session
            _log_in(gateway, drawn.staff)

    one_request()


def test_no_generated_request_gets_a_server_error(
    gateway: FuzzedGateway, request: pytest.FixtureRequest
) -> None:
    on_postgres = "postgres" in request.node.callspec.id
    examples = REQUESTS_POSTGRES if on_postgres else REQUESTS_SQLITE
    fuzz(gateway, examples)
    assert gateway.sent >= examples
    assert gateway.signed_through >= examples // 20  # the webhooks' views were reached
    if not on_postgres:  # the long run: every route of the app was drawn
        assert gateway.drawn == {rule.endpoint for rule in gateway.rules}
