"""`ivr serve` as a city runs it: readiness that waits for its recognition workers, and
``/metrics`` that adds up every process (two gunicorn workers) whichever one is scraped."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ivr.simulator import CallOptions, HangUp, Silence, place_call
from tests.support.serve_process import free_port
from tests.support.served_gateway import ServedGateway, gateway_env, served

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
CALLS = 12
SCRAPES = 8
ROUNDS = 10


def ready_within(gateway: ServedGateway, seconds: float) -> list[int]:
    """Probe ``/readyz`` as a load balancer does until it answers 200; every status seen."""
    seen: list[int] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.append(httpx.get(f"{gateway.base}/readyz", timeout=10).status_code)
        if seen[-1] == 200:
            return seen
        time.sleep(0.5)
    pytest.fail(f"not ready within {seconds} s: {httpx.get(f'{gateway.base}/readyz').text}")


def totals(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_serve_is_ready_only_once_its_recognition_worker_is_warm(tmp_path: Path) -> None:
    port = free_port()
    env = gateway_env(port, recognizer="pocketsphinx", recognition_workers="1")
    with served(tmp_path, port, env) as gateway:
        assert httpx.get(f"{gateway.base}/healthz").status_code == 200
        first = httpx.get(f"{gateway.base}/readyz", timeout=10)
        assert first.status_code == 503  # the worker is still loading its model
        assert first.json()["checks"]["recognisers"]["state"] == "loading"

        seen = ready_within(gateway, 600)
        assert seen[-1] == 200
        ready = httpx.get(f"{gateway.base}/readyz", timeout=10).json()
        assert ready["checks"]["recognisers"]["detail"] == "1 of 1 recognition workers warm"
        gateway.wait_for_line(lambda line: line.get("message") == "recognition worker warm")
        messages = [entry.get("message") for entry in gateway.entries()]
        assert messages.count("gateway ready to take calls") == 1


def test_metrics_of_two_web_workers_add_up_whichever_answers(tmp_path: Path) -> None:
    port = free_port()
    env = gateway_env(
        port,
        recognizer="twilio",
        secret_key="a-shared-secret-for-both-workers",
        twilio_auth_token=AUTH_TOKEN,
    )
    with served(tmp_path, port, env, ["--workers", "2"]) as gateway:
        options = CallOptions(
            voice_url=f"{gateway.base}/twilio/voice",
            auth_token=AUTH_TOKEN,
            status_callback=f"{gateway.base}/twilio/voice/status",
            pause_pace=0.01,
        )

        def hang_up_at_the_welcome(_: int) -> None:
            with httpx.Client() as http:  # a connection of its own: either worker may take it
                place_call(http, options, [Silence(), HangUp()])

        shared = gateway.wait_for_line(
            lambda line: line.get("message") == "metrics shared by every process of this server"
        )
        # The kernel hands each new connection to whichever worker accepts first; nothing makes
        # it share them out, so calls come in rounds until both workers have written values.
        calls = 0
        writers: set[str] = set()
        for _ in range(ROUNDS):
            with ThreadPoolExecutor(CALLS) as callers:
                list(callers.map(hang_up_at_the_welcome, range(CALLS)))
            calls += CALLS
            writers = {path.stem.split("_")[-1] for path in Path(shared["directory"]).glob("*.db")}
            if len(writers) >= 2:
                break
        scrapes = []
        for _ in range(SCRAPES):
            with httpx.Client() as http:
                scrapes.append(totals(http.get(f"{gateway.base}/metrics").text))

    assert len(writers) >= 2  # both web workers answered webhooks (and wrote their values)
    answers = ("voice311_webhook_seconds_count", (("step", "answer"),))
    abandoned = ("voice311_calls_ended_total", (("outcome", "abandoned"),))
    assert [scrape.get(answers) for scrape in scrapes] == [calls] * SCRAPES
    assert [scrape.get(abandoned) for scrape in scrapes] == [calls] * SCRAPES
