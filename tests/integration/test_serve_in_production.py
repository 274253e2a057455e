"""`ivr serve` as a city's IT team meets it: what it logs, which URL it checks webhook
signatures over behind no proxy, how it stops, and when it refuses to start.

Every test runs a real `ivr serve` (gunicorn, its master and a web process) in a subprocess, in
one working folder (the sample gazetteer is loaded once), without recognition workers unless
the test is about them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.support.serve_process import free_port
from tests.support.served_gateway import ServedGateway, gateway_env, served

AUTH_TOKEN = "7" * 32
CALL_SID = "CA" + "0ddba11c" * 4
CALLER = "+16175550142"
STOP_DEADLINE = 10.0  # what `docker stop` waits before SIGKILL


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("production")


@pytest.fixture(scope="module")
def gateway(workdir: Path) -> Iterator[ServedGateway]:
    port = free_port()
    env = gateway_env(port, recognition_workers="0", twilio_auth_token=AUTH_TOKEN)
    with served(workdir, port, env) as running:
        yield running


def _webhook(base: str, *, signed_for: str, headers: dict[str, str]) -> httpx.Response:
    form = {"CallSid": CALL_SID, "AccountSid": "AC" + "0" * 32, "From": CALLER, "To": "+1311"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(signed_for, form)
    return httpx.post(
        f"{base}/twilio/voice",
        data=form,
        headers={"X-Twilio-Signature": signature, **headers},
        timeout=10,
    )


def test_every_line_is_json_in_one_shape(gateway: ServedGateway) -> None:
    httpx.get(f"{gateway.base}/open311/v2/services.json")
    gateway.wait_for_line(lambda e: e["logger"] == "ivr.access")
    entries = gateway.entries()  # fails on a line that is not JSON
    assert {"gunicorn.error", "ivr.serve", "ivr.access"} <= {e["logger"] for e in entries}
    for entry in entries:
        assert list(entry)[:4] == ["time", "level", "logger", "message"], entry


def test_listening_is_said_once_the_port_is_bound(gateway: ServedGateway) -> None:
    messages = [e["message"] for e in gateway.entries()]
    port = gateway.base.rsplit(":", 1)[1]
    bound = next(i for i, m in enumerate(messages) if m.startswith("Listening at:"))
    listening = messages.index(f"voice311 listening on http://127.0.0.1:{port}")
    assert listening > bound


def test_each_request_leaves_an_access_line_without_its_query_string(
    gateway: ServedGateway,
) -> None:
    response = httpx.get(
        f"{gateway.base}/open311/v2/requests.json?phone=%2B16175550199&q=12+Elm+St",
        headers={"X-Request-Id": "lb-7f3e9a"},
    )
    assert response.headers["X-Request-Id"] == "lb-7f3e9a"
    line = gateway.wait_for_line(lambda e: e.get("request_id") == "lb-7f3e9a")
    assert line["logger"] == "ivr.access"
    assert (line["method"], line["path"], line["status"]) == (
        "GET",
        "/open311/v2/requests.json",
        200,
    )
    assert line["bytes"] == len(response.content)
    assert isinstance(line["duration_ms"], float)
    log_text = gateway.output.read_text()
    assert "6175550199" not in log_text
    assert "Elm" not in log_text


def test_a_webhooks_lines_carry_its_call_sid_and_request_id(gateway: ServedGateway) -> None:
    answered = _webhook(
        gateway.base, signed_for=f"{gateway.base}/twilio/voice", headers={"X-Request-Id": "wh-1"}
    )
    refused = _webhook(gateway.base, signed_for="https://elsewhere/", headers={})
    assert answered.status_code == 200
    assert refused.status_code == 403
    ids = ("wh-1", refused.headers["X-Request-Id"])
    for rid in ids:  # the access line, written once the response has gone, comes last
        gateway.wait_for_line(
            lambda e, rid=rid: (e["logger"], e.get("request_id")) == ("ivr.access", rid)
        )
    of_request = {rid: [e for e in gateway.entries() if e.get("request_id") == rid] for rid in ids}
    for lines in of_request.values():
        assert {e.get("call_sid") for e in lines} == {CALL_SID}
    refusal = of_request[refused.headers["X-Request-Id"]]
    assert [e["message"].split(" for ")[0] for e in refusal] == [
        "webhook refused: bad signature",
        "POST /twilio/voice 403",
    ]
    assert CALLER.removeprefix("+1") not in gateway.output.read_text()


def test_forwarded_proto_is_not_trusted_unless_told(gateway: ServedGateway) -> None:
    """A request from 127.0.0.1 saying X-Forwarded-Proto: https is checked over the URL it
    arrived on (gunicorn, left to itself, would make it https)."""
    as_sent = f"{gateway.base}/twilio/voice"
    claimed = as_sent.replace("http://", "https://")
    forwarded = {"X-Forwarded-Proto": "https"}
    assert _webhook(gateway.base, signed_for=as_sent, headers=forwarded).status_code == 200
    assert _webhook(gateway.base, signed_for=claimed, headers=forwarded).status_code == 403


def test_forwarded_proto_is_trusted_when_told(workdir: Path) -> None:
    port = free_port()
    env = gateway_env(
        port, recognition_workers="0", twilio_auth_token=AUTH_TOKEN, trust_proxy_headers="true"
    )
    with served(workdir, port, env) as proxied:
        claimed = f"https://127.0.0.1:{port}/twilio/voice"
        forwarded = {"X-Forwarded-Proto": "https"}
        assert _webhook(proxied.base, signed_for=claimed, headers=forwarded).status_code == 200


def test_sigterm_stops_every_process_within_dockers_ten_seconds_with_a_stream_open(
    workdir: Path,
) -> None:
    port = free_port()
    env = gateway_env(port, recognition_workers="1", twilio_auth_token=AUTH_TOKEN)
    with served(workdir, port, env) as running:
        opened = threading.Event()
        ended = threading.Event()

        def listen() -> None:
            with httpx.stream(
                "GET", f"{running.base}/open311/v2/requests/events", timeout=30
            ) as stream:
                for _ in stream.iter_lines():
                    opened.set()
            ended.set()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert opened.wait(10), "the event stream did not open"
        running.wait_for_line(lambda e: e["message"] == "recognition workers started")

        started = time.monotonic()
        running.process.send_signal(signal.SIGTERM)
        running.process.wait(timeout=STOP_DEADLINE)
        while running.processes_left() and time.monotonic() - started < STOP_DEADLINE:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        print(f"ivr serve and its processes stopped {elapsed:.2f} s after SIGTERM")
        assert not running.processes_left(), "a process outlived Docker's 10 s"
        assert ended.wait(1), "the event stream was not ended"
        assert running.process.returncode == 0
        assert "Shutting down: Master" in [e["message"] for e in running.entries()]


@pytest.mark.parametrize(
    ("args", "settings"),
    [(["--workers", "2"], {}), ([], {"IVR_WEB_WORKERS": "3"})],
)
def test_several_web_processes_without_a_secret_key_refuse_to_start(
    tmp_path: Path, args: list[str], settings: dict[str, str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")} | settings
    result = subprocess.run(
        [sys.executable, "-m", "ivr", "serve", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "IVR_SECRET_KEY must be set to run" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "voice311.db").exists(), "nothing is started or created"


def _serve_refused(folder: Path, settings: dict[str, str], command: str = "serve") -> str:
    """What `ivr serve` (or `ivr worker --once`) printed when it refused to start (exit 2, no
    traceback)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")} | settings
    env.setdefault("IVR_PORT", str(free_port()))
    arguments = ["serve"] if command == "serve" else [command, "--once"]
    result = subprocess.run(
        [sys.executable, "-m", "ivr", *arguments],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    return result.stderr


def test_a_services_file_that_is_no_service_list_is_one_line_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    services = tmp_path / "services.json"
    services.write_text('{"services": [', encoding="utf-8")
    said = _serve_refused(tmp_path, {"IVR_SERVICES_FILE": str(services)})
    assert "the city's service list (IVR_SERVICES_FILE)" in said
    assert "not valid JSON" in said
    assert not (tmp_path / "voice311.db").exists()


def test_a_bad_neighbourhoods_file_is_named_as_itself(tmp_path: Path) -> None:
    neighbourhoods = tmp_path / "neighbourhoods.csv"
    neighbourhoods.write_text("zip;name\n02135;Brighton\n", encoding="utf-8")
    said = _serve_refused(tmp_path, {"IVR_GAZETTEER_NEIGHBOURHOODS_FILE": str(neighbourhoods)})
    assert "(IVR_GAZETTEER_NEIGHBOURHOODS_FILE)" in said
    assert "IVR_GAZETTEER_FILE)" not in said


def test_a_whisper_model_that_is_no_model_is_one_line_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    said = _serve_refused(tmp_path, {"IVR_WHISPER_MODEL": str(tmp_path / "faster-whisper-tiny")})
    assert "IVR_WHISPER_MODEL must be tiny.en, base or the directory of a downloaded model" in said
    assert not (tmp_path / "voice311.db").exists()


def test_a_whisper_model_that_is_no_model_stops_ivr_worker_too(tmp_path: Path) -> None:
    """`ivr worker` on another machine used to hear every recording with the fallback model."""
    said = _serve_refused(
        tmp_path,
        {
            "IVR_WHISPER_MODEL": str(tmp_path / "faster-whisper-tiny"),
            "IVR_DATABASE_URL": f"sqlite:///{tmp_path / 'voice311.db'}",
        },
        command="worker",
    )
    assert "IVR_WHISPER_MODEL must be tiny.en, base or the directory of a downloaded model" in said


def test_a_port_another_program_holds_is_one_line_and_nothing_is_created(tmp_path: Path) -> None:
    """gunicorn used to meet it after the store was migrated, logging an error a second for
    five seconds."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        said = _serve_refused(tmp_path, {"IVR_HOST": "127.0.0.1", "IVR_PORT": str(port)})
    assert said.endswith(
        f"voice311: cannot listen on 127.0.0.1:{port}: another program is listening on port "
        f"{port} (IVR_PORT); stop it, or choose another port\n"
    )
    assert not (tmp_path / "voice311.db").exists()


def test_an_address_not_of_this_machine_is_one_line_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    said = _serve_refused(tmp_path, {"IVR_HOST": "192.0.2.77"})  # TEST-NET-1
    assert "192.0.2.77 is not an address of this machine (IVR_HOST)" in said
    assert not (tmp_path / "voice311.db").exists()
