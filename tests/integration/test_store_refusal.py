"""The webhooks when the store refuses them, one webhook at a time (Flask's test client, signed
as Twilio signs): a Spanish caller hears the sentence in Spanish and waits in the staff queue;
a caller waiting for a reference number whose store is gone hears that the report (committed
before) is on its way; the agents' line still takes the next caller; and an unexpected error
anywhere is answered without promising that nothing was lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree
import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr.app import create_app
from ivr.runtime import Runtime
from ivr.settings import Settings
from tests.support.refusing_store import RefusingStore

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC_BASE = "https://voice.example.org"
CALL_SID = "CA" + "5" * 32
QUEUE = "311-staff"
SPANISH_NOT_SAVED = (
    "Lo siento, nuestro sistema no pudo guardar su reporte. "
    "Le comunico con una persona que puede tomarlo."
)


@dataclass
class Line:
    app: Flask
    client: FlaskClient
    database: Path

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.extensions["voice311"]
        return runtime

    def post(self, path: str, **form: str) -> TestResponse:
        form = {"CallSid": CALL_SID, **form}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE + path, form)
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def line(sqlite_url: str) -> Iterator[Line]:
    settings = Settings(
        database_url=sqlite_url,
        twilio_auth_token=AUTH_TOKEN,
        public_base_url=PUBLIC_BASE,
        recognizer="twilio",
        operator_queue=QUEUE,
        duplicate_radius_metres=0,
    )
    app = create_app(settings)
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    yield Line(app, app.test_client(), database)
    app.extensions["voice311"].engine.dispose()


def verbs(response: TestResponse) -> list[tuple[str, str]]:
    """The TwiML's verbs as (tag, text), e.g. ("Say", "…"), ("Enqueue", "311-staff")."""
    assert response.status_code == 200 and response.mimetype == "text/xml"
    document = SafeElementTree.fromstring(response.get_data(as_text=True))
    return [(verb.tag, (verb.text or "").strip()) for verb in document]


def test_a_spanish_caller_hears_it_in_spanish_and_waits_for_staff(line: Line) -> None:
    assert line.post("/twilio/voice", From="+16175550123").status_code == 200
    assert line.post("/twilio/voice/step/1/gather", Digits="9").status_code == 200
    state = line.runtime.desk.state(CALL_SID)
    assert state is not None and state.language == "es"
    RefusingStore(line.runtime.engine).refuse()

    answered = verbs(line.post("/twilio/voice/step/2/gather", Digits="2"))

    assert answered == [("Say", SPANISH_NOT_SAVED), ("Enqueue", QUEUE)]
    after = verbs(line.post("/twilio/voice/unsaved/es", QueueResult="queue-full"))
    assert after == [
        (
            "Say",
            "Lo siento, nadie puede atender su llamada ahora. Por favor llame más tarde. Adiós.",
        ),
        ("Hangup", ""),
    ]


def test_with_the_store_gone_a_waiting_caller_hears_their_report_is_on_its_way(
    line: Line,
) -> None:
    # A caller is sent to the filing URL only once their report is committed; then the
    # database's volume goes (SQLite finds an empty file: "no such table").
    assert line.post("/twilio/voice", From="+16175550123").status_code == 200
    line.runtime.engine.dispose()
    line.database.rename(line.database.with_suffix(".gone"))

    waiting = verbs(line.post("/twilio/voice/filing/3"))
    agents = line.post("/twilio/voice/agent", From="+16175550100")

    assert waiting == [
        ("Say", "It will reach the city in the next few minutes."),
        ("Say", "Thank you for calling. Goodbye."),
        ("Hangup", ""),
    ]
    taken = SafeElementTree.fromstring(agents.get_data(as_text=True))
    assert [queue.text for queue in taken.iter("Queue")] == [QUEUE]


def test_an_unexpected_error_promises_nothing(line: Line) -> None:
    def broken() -> str:
        raise RuntimeError("a defect")

    line.app.add_url_rule("/broken", view_func=broken)
    answer = line.client.get("/broken")
    assert answer.status_code == 500
    assert "lost" not in answer.get_data(as_text=True)
    assert "a defect" not in answer.get_data(as_text=True)
