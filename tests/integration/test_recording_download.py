"""Recordings are fetched from Twilio's media hosts or listed hosts only, authenticated, with
``.wav`` appended; a recording not stored yet is "not ready"; nothing else is ever fetched.
Real HTTP servers on 127.0.0.1 stand where Twilio's media host and a stranger's host would be.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from werkzeug.wrappers import Request, Response

from ivr.recordings.download import (
    RecordingError,
    RecordingNotReady,
    RecordingRefused,
    fetch_recording,
    is_allowed,
)
from ivr.settings import Settings
from ivr.simulator import MediaServer
from ivr.simulator.media import silence_wav
from ivr.simulator.sids import new_sid
from tests.support.live_server import serve_wsgi

TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT = "AC" + "1" * 32
WAV = silence_wav(1.5)


def settings_for(*hosts: str, **changes: Any) -> Settings:
    return Settings(twilio_auth_token=TOKEN, recording_hosts=",".join(hosts)).replace(**changes)


def host_of(base_url: str) -> str:
    return base_url.removeprefix("http://")


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=False) as client:
        yield client


@pytest.fixture
def media() -> Iterator[MediaServer]:
    with MediaServer(auth_token=TOKEN) as server:
        yield server


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", True),
        ("https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", True),
        ("http://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", False),
        ("https://api.twilio.com:8443/2010-04-01/Accounts/AC1/Recordings/RE1", False),
        ("https://api.twilio.com.example.net/Recordings/RE1", False),
        ("https://evil.example.net/api.twilio.com/Recordings/RE1", False),
        ("https://user:pass@api.twilio.com/Recordings/RE1", False),
        ("https://media.twilio.com.evil/Recordings/RE1", False),
        ("ftp://api.twilio.com/Recordings/RE1", False),
        ("file:///etc/passwd", False),
        ("http://127.0.0.1:8765/Recordings/RE1", True),  # listed below
        ("http://127.0.0.1:8766/Recordings/RE1", False),
        ("http://[::1]:8765/Recordings/RE1", False),
        ("not a url", False),
    ],
)
def test_only_twilio_media_hosts_and_listed_hosts_are_allowed(url: str, allowed: bool) -> None:
    assert is_allowed(url, settings_for("127.0.0.1:8765")) is allowed


def test_a_recording_is_fetched_as_wav_with_the_account_credentials(
    media: MediaServer, http: httpx.Client
) -> None:
    sid = new_sid("RE")
    url = media.store(ACCOUNT, sid, WAV)

    audio = fetch_recording(url, http=http, settings=settings_for(host_of(media.base_url)))

    assert audio == WAV
    assert media.requests == [url.removeprefix(media.base_url) + ".wav"]


def test_a_wrong_token_is_a_failure_not_a_retry(media: MediaServer, http: httpx.Client) -> None:
    url = media.store(ACCOUNT, new_sid("RE"), WAV)
    settings = settings_for(host_of(media.base_url), twilio_auth_token="f" * 32)
    with pytest.raises(RecordingError) as raised:
        fetch_recording(url, http=http, settings=settings)
    assert not isinstance(raised.value, RecordingNotReady)
    assert "401" in str(raised.value)


def test_a_recording_not_stored_yet_is_not_ready_then_fetched(http: httpx.Client) -> None:
    with MediaServer(auth_token=TOKEN, not_ready=1) as media:
        url = media.store(ACCOUNT, new_sid("RE"), WAV)
        settings = settings_for(host_of(media.base_url))
        with pytest.raises(RecordingNotReady):
            fetch_recording(url, http=http, settings=settings)
        assert fetch_recording(url, http=http, settings=settings) == WAV


def test_a_host_not_listed_is_never_asked(media: MediaServer, http: httpx.Client) -> None:
    with MediaServer() as stranger:
        url = stranger.store(ACCOUNT, new_sid("RE"), WAV)
        with pytest.raises(RecordingRefused):
            fetch_recording(url, http=http, settings=settings_for(host_of(media.base_url)))
        assert stranger.requests == []


def test_a_redirect_to_a_host_not_listed_is_not_followed(http: httpx.Client) -> None:
    with MediaServer() as stranger:
        elsewhere = stranger.store(ACCOUNT, new_sid("RE"), WAV)

        def redirecting(environ: dict[str, Any], start_response: Any) -> Any:
            return Response(status=302, headers={"Location": elsewhere})(environ, start_response)

        with serve_wsgi(redirecting) as base_url:
            url = f"{base_url}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{new_sid('RE')}"
            with pytest.raises(RecordingRefused):
                fetch_recording(url, http=http, settings=settings_for(host_of(base_url)))
        assert stranger.requests == []


def test_a_redirect_to_a_listed_host_is_followed_without_the_credentials(
    http: httpx.Client,
) -> None:
    seen: list[str | None] = []

    def storage(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append(Request(environ).headers.get("Authorization"))
        return Response(WAV, mimetype="audio/x-wav")(environ, start_response)

    with serve_wsgi(storage) as storage_url:

        def redirecting(environ: dict[str, Any], start_response: Any) -> Any:
            target = f"{storage_url}/blob/1"
            return Response(status=307, headers={"Location": target})(environ, start_response)

        with serve_wsgi(redirecting) as base_url:
            url = f"{base_url}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{new_sid('RE')}"
            settings = settings_for(host_of(base_url), host_of(storage_url))
            assert fetch_recording(url, http=http, settings=settings) == WAV
    assert seen == [None]


def test_a_recording_larger_than_the_limit_is_refused(
    media: MediaServer, http: httpx.Client
) -> None:
    url = media.store(ACCOUNT, new_sid("RE"), WAV)
    settings = settings_for(host_of(media.base_url))
    with pytest.raises(RecordingError, match="larger"):
        fetch_recording(url, http=http, settings=settings, max_bytes=len(WAV) - 1)


def test_a_host_that_does_not_answer_in_time_is_not_ready(http: httpx.Client) -> None:
    def slow(environ: dict[str, Any], start_response: Any) -> Any:
        time.sleep(1.0)
        return Response(WAV)(environ, start_response)

    with serve_wsgi(slow) as base_url:
        url = f"{base_url}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{new_sid('RE')}"
        settings = settings_for(host_of(base_url), twilio_timeout=0.2)
        with pytest.raises(RecordingNotReady, match="timed out"):
            fetch_recording(url, http=http, settings=settings)
