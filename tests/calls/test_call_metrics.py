"""``/metrics`` scraped after whole simulated calls: the calls' counters are there, as an
operator's Prometheus would read them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ivr.simulator import AnswerDial, HangUp, Press, Silence, Speak
from tests.calls.phone import Gateway, prepared_store, running_gateway

POTHOLE_CALL = [
    Silence(),  # the welcome's language offer: stay in English
    Press("2"),  # street defects
    Press("2"),  # pavement defect
    Press("1"),  # pothole
    Press("3#"),  # three feet wide
    Speak("the right lane"),
    Speak("four thirty eight washington street"),
    Press("1"),  # the address read back is right
    Speak("a deep pothole by the curb"),
    Press("1"),  # send it
]
TOKEN = "scrape-token-0123456789"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder: Path = tmp_path_factory.mktemp("metrics")
    url = prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    with running_gateway(url, metrics_token=TOKEN, operator_number="+16175550100") as live:
        yield live


def scrape(gateway: Gateway) -> Samples:
    answer = gateway.http.get(
        f"{gateway.base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_filed_call_is_counted_with_its_webhooks_and_its_report(gateway: Gateway) -> None:
    before = scrape(gateway)
    result = gateway.call(POTHOLE_CALL)
    assert "Thank you. Your report has been received." in result.transcript.heard()
    after = scrape(gateway)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("voice311_calls_ended_total", outcome="filed") == 1
    assert grew("voice311_reports_filed_total") == 1
    # The city (the embedded endpoint) was asked once to file it.
    assert grew("voice311_city_responses_total", operation="post_requests", code="200") == 1
    # One incoming call; a webhook for each key pressed; its status callback.
    assert grew("voice311_webhook_seconds_count", step="answer") == 1
    assert grew("voice311_webhook_seconds_count", step="gather") >= 5
    assert grew("voice311_webhook_seconds_count", step="status") >= 1
    assert value(after, "voice311_outbox_rows", state="filed") >= 1
    assert value(after, "voice311_store_scrape_ok") == 1
    # No phone number, call SID or spoken word in any label.
    assert result.call_sid not in str(after)
    assert not any("washington" in str(key).lower() for key in after)


def test_a_caller_who_hangs_up_is_counted_abandoned(gateway: Gateway) -> None:
    before = scrape(gateway)
    gateway.call([Silence(), Press("2"), HangUp()])
    after = scrape(gateway)
    outcome = ("voice311_calls_ended_total", (("outcome", "abandoned"),))
    assert after.get(outcome, 0.0) - before.get(outcome, 0.0) == 1


def test_a_caller_put_through_to_a_person_is_counted_transferred(gateway: Gateway) -> None:
    before = scrape(gateway)
    result = gateway.call([Silence(), Press("0"), AnswerDial("completed")])
    assert "Please hold while I connect you with a person." in result.transcript.heard()
    after = scrape(gateway)
    outcome = ("voice311_calls_ended_total", (("outcome", "transferred"),))
    assert after.get(outcome, 0.0) - before.get(outcome, 0.0) == 1
    dial = ("voice311_webhook_seconds_count", (("step", "dial"),))
    assert after.get(dial, 0.0) - before.get(dial, 0.0) == 1


def test_a_forged_step_url_is_counted_as_other_not_as_a_label_of_its_own(
    gateway: Gateway,
) -> None:
    gateway.http.post(f"{gateway.voice_url}/step/1/no-such-event-abc123", data={})
    after = scrape(gateway)
    assert not any("abc123" in str(key) for key in after)


def test_without_the_token_metrics_are_refused(gateway: Gateway) -> None:
    assert gateway.http.get(f"{gateway.base_url}/metrics").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    answer = gateway.http.get(f"{gateway.base_url}/metrics", headers=wrong)
    assert answer.status_code == 401
    assert "voice311_" not in answer.text
