"""The storm's floor app does the least a gateway must do per webhook, and does it: a webhook
with a wrong signature is refused and keeps nothing; a signed one keeps the call's state, one
version per step, on a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from benchmarks.bare_server import FIXED_TWIML
from benchmarks.floor_app import FLOOR_TABLE, floor_app

TOKEN = "12345678901234567890123456789012"
URL = "http://localhost/voice"
CALL = "CA" + "1" * 32


def post(client, form: dict[str, str], token: str = TOKEN):  # type: ignore[no-untyped-def]
    signature = RequestValidator(token).compute_signature(URL, form)
    return client.post(
        "/voice",
        data=urlencode(form),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


def kept(database: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT call_sid, state, version FROM {FLOOR_TABLE}").fetchall()


def test_a_wrong_signature_is_refused_and_keeps_nothing(tmp_path: Path) -> None:
    database = tmp_path / "floor.db"
    client = floor_app(f"sqlite:///{database}", TOKEN).test_client()

    answer = post(client, {"CallSid": CALL, "Digits": "1"}, token="0" * 32)

    assert answer.status_code == 403
    assert kept(database) == []


def test_each_signed_step_keeps_the_calls_state_with_a_new_version(tmp_path: Path) -> None:
    database = tmp_path / "floor.db"
    client = floor_app(f"sqlite:///{database}", TOKEN).test_client()

    first = post(client, {"CallSid": CALL, "Digits": "1"})
    second = post(client, {"CallSid": CALL, "Digits": "2"})
    unnamed = post(client, {"Digits": "3"})

    assert first.status_code == second.status_code == 200
    assert second.get_data(as_text=True) == FIXED_TWIML
    assert unnamed.status_code == 400  # no call to keep it for
    [(call_sid, state, version)] = kept(database)
    assert (call_sid, version) == (CALL, 2)
    assert json.loads(state) == {"steps": 2, "form": {"CallSid": CALL, "Digits": "2"}}
