"""``ivr call`` places a simulated call to a gateway over HTTP and prints what was heard."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from flask import Flask, request
from twilio.request_validator import RequestValidator

from ivr.cli import main
from tests.support.live_server import serve_wsgi

TOKEN = "fedcba9876543210fedcba9876543210"
PUBLIC = "https://311.example.gov"


def gateway(signed_over: list[bool]) -> Flask:
    app = Flask("gateway")

    @app.post("/twilio/voice")
    def voice() -> tuple[str, int, dict[str, str]]:
        url = PUBLIC + request.full_path.rstrip("?")
        signature = request.headers.get("X-Twilio-Signature", "")
        signed_over.append(RequestValidator(TOKEN).validate(url, request.form, signature))
        if "Digits" in request.form:
            body = f"<Response><Say>You pressed {request.form['Digits']}.</Say></Response>"
        else:
            body = '<Response><Gather numDigits="1"><Say>Press 1.</Say></Gather></Response>'
        return body, 200, {"Content-Type": "text/xml"}

    return app


def test_ivr_call_prints_the_transcript_of_a_signed_call(tmp_path: Path) -> None:
    script = tmp_path / "press-one.yaml"
    script.write_text('steps:\n  - press: "1"\n', encoding="utf-8")
    signed: list[bool] = []
    env = {"IVR_TWILIO_AUTH_TOKEN": TOKEN, "IVR_PUBLIC_BASE_URL": PUBLIC}
    with serve_wsgi(gateway(signed)) as base:
        result = CliRunner().invoke(
            main, ["call", f"{base}/twilio/voice", "--script", str(script)], env=env
        )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Heard: Press 1.",
        "Pressed 1",
        "Heard: You pressed 1.",
        "Call ended by the gateway",
    ]
    assert signed == [True, True]


def test_ivr_call_fails_when_the_gateway_fails(tmp_path: Path) -> None:
    script = tmp_path / "silent.yaml"
    script.write_text("steps: [silence]\n", encoding="utf-8")
    with serve_wsgi(Flask("empty")) as base:
        result = CliRunner().invoke(
            main, ["call", f"{base}/nowhere", "--script", str(script), "--auth-token", TOKEN]
        )
    assert result.exit_code == 1
    assert "Heard: We are sorry, an application error has occurred. Goodbye." in result.stdout


def test_a_bad_script_is_reported_by_step(tmp_path: Path) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text("steps:\n  - press: abc\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["call", "http://127.0.0.1:9/voice", "--script", str(script)])
    assert result.exit_code == 1
    assert "steps[0].press" in result.output
