"""The storm's second yardstick, the floor: the least any gateway must do per webhook, and
nothing more, under the same server as the gateway and the bare app.

The bare app (``bare_server``) answers fixed TwiML and touches nothing, so "2x the bare app"
compares the gateway with a server that checks no signature, reads no form and keeps no call.
The floor app does what the issue itself requires of every step, with the least code a
library allows: it checks Twilio's signature (``twilio.request_validator.RequestValidator``,
the check the gateway makes), reads the form, and keeps the call's state in one transaction on
the same database the storm's gateway used — a read of the call's row under the write lock
(``BEGIN IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` on PostgreSQL), its JSON state
(about a kilobyte: the form of the step and the step count, as big as the gateway's state at
a call's end) decoded and written back with a version check, and the commit, on the driver
directly (no ORM, no SQLAlchemy Core statements) and on PostgreSQL without waiting for the
disk, as the gateway's steps that file nothing. It answers the bare app's fixed TwiML: no
dialog, no TwiML building, no metrics, no access log.

What it leaves out is what the gateway adds above the floor: the dialog engine, the lookups,
the jobs and the report rows, the TwiML of the step, logging and metrics.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

from benchmarks.bare_server import FIXED_TWIML
from ivr.store.db import make_engine

FLOOR_TABLE = "storm_floor_calls"


def floor_app(database_url: str, auth_token: str, threads: int = 8) -> Flask:
    """Checks the signature, reads the form, keeps the call's state on ``database_url``
    (the table ``storm_floor_calls``, created if missing) and answers the fixed TwiML."""
    engine = make_engine(database_url, connections=threads)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} "
            "(call_sid VARCHAR(64) PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL)"
        )
    mark = "%s" if postgres else "?"
    read = f"SELECT state, version FROM {FLOOR_TABLE} WHERE call_sid = {mark}"
    read += " FOR UPDATE" if postgres else ""
    insert = f"INSERT INTO {FLOOR_TABLE} (call_sid, state, version) VALUES ({mark}, {mark}, 1)"
    update = (
        f"UPDATE {FLOOR_TABLE} SET state = {mark}, version = version + 1 "
        f"WHERE call_sid = {mark} AND version = {mark}"
    )
    validator = RequestValidator(auth_token)
    app = Flask("floor")

    def keep_step(call_sid: str, form: dict[str, str]) -> None:
        """One transaction: the call's row read under the write lock, its state written back."""
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            if postgres:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            else:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(read, (call_sid,))
            row = cursor.fetchone()
            state: dict[str, Any] = json.loads(row[0]) if row else {"steps": 0}
            state["steps"] += 1
            state["form"] = form
            written = json.dumps(state, separators=(",", ":"))
            if row is None:
                cursor.execute(insert, (call_sid, written))
            else:
                cursor.execute(update, (written, call_sid, row[1]))
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()  # back to the pool

    @app.post("/", defaults={"path": ""})
    @app.post("/<path:path>")
    def answer(path: str) -> Response:
        form = request.form.to_dict()
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(request.url, form, signature):
            abort(403)
        call_sid = form.get("CallSid", "")
        if not call_sid:
            abort(400)
        keep_step(call_sid, form)
        return Response(FIXED_TWIML, mimetype="text/xml")

    return app
