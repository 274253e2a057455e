"""The labels the gateway's metrics take: small fixed sets, whatever the engines, the routes or
a forged request call themselves."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from ivr.metrics.instruments import call_outcome, instruments, observe_recognition
from ivr.metrics.webhook_timing import STEPS, step_of


def scraped() -> str:
    registry = CollectorRegistry()
    for instrument in instruments().all():
        registry.register(instrument)
    return generate_latest(registry).decode()


def count(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_recognition_is_timed_by_the_kind_of_engine_and_its_real_time_factor() -> None:
    before = scraped()
    observe_recognition([("whisper tiny.en", 0.5), ("pocketsphinx:en-us", 0.1)], 2.0)
    after = scraped()
    for engine in ("whisper", "pocketsphinx"):
        key = f'voice311_recognition_seconds_count{{engine="{engine}"}}'
        assert count(after, key) - count(before, key) == 1
    # 0.5 s of decoding for 2 s of speech: a real-time factor of 0.25, in the 0.35 bucket.
    bucket = 'voice311_recognition_real_time_factor_bucket{engine="whisper",le="0.35"}'
    below = 'voice311_recognition_real_time_factor_bucket{engine="whisper",le="0.2"}'
    assert count(after, bucket) - count(before, bucket) == 1
    assert count(after, below) - count(before, below) == 0
    assert "tiny.en" not in after and "en-us" not in after


def test_a_call_outcome_is_one_of_four() -> None:
    assert call_outcome("completed", "caller hung up") == "filed"
    assert call_outcome("abandoned", "caller hung up") == "abandoned"
    assert call_outcome("abandoned", "caller hung up", at_transfer=True) == "transferred"
    assert call_outcome("ended", "transfer done") == "transferred"
    assert call_outcome("ended", "hung up at goodbye") == "ended"


def test_a_webhook_step_comes_from_the_route_never_from_the_request() -> None:
    assert step_of("voice.incoming", "") == "answer"
    assert step_of("voice.step_webhook", "recording") == "record"
    assert step_of("voice.step_webhook", "+16175551234") == "other"
    assert step_of("handoff.live", "") == "handoff"
    assert step_of("staff.login", "") is None  # not a Twilio webhook: not timed
    assert {step_of("voice.step_webhook", kind) for kind in ("gather", "dial")} <= set(STEPS)
