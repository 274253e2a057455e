"""Whole simulated calls where the caller speaks audio: speech synthesised by espeak-ng and
flite, passed through a telephone channel (300–3400 Hz, 8 kHz, μ-law), recorded at the
gateway's ``<Record>``, downloaded from the simulator's media server as from Twilio (HTTP Basic
auth), recognised by PocketSphinx on this machine, and filed at the embedded Open311 endpoint.

And when the recording cannot help — corrupt, silent, on a host that is not Twilio's, not
stored yet — the caller still gets a kind path (the keypad), and nothing is fetched from a
stranger's host.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.jobs.queue import jobs_of_call
from ivr.simulator import MediaServer, Press, Silence, SpeakAudio
from ivr.simulator.media import silence_wav
from ivr.simulator.script import Step
from ivr.store.job_tables import JobRecord
from tests.calls.phone import AUTH_TOKEN, Gateway, prepared_store, running_gateway
from tests.support.speech_audio import spoken_wav

BOSTON_438_WASHINGTON = (42.3483280, -71.1574380)  # 438 Washington Street, 02135
CONSTRUCTION_PLATE = [Silence(), Press("2"), Press("1")]  # English; street defects; code "2"
READ_BACK = re.compile(r"I heard (.+)\. Press 1 if that is right, 2 to try again\.")
KEYPAD = "Let's try again. Enter the house number, then press pound."


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder: Path = tmp_path_factory.mktemp("audio-calls")
    return prepared_store(f"sqlite:///{folder / 'voice311.db'}")


@pytest.fixture(scope="module")
def gateway(store: str) -> Iterator[Gateway]:
    with (
        MediaServer(auth_token=AUTH_TOKEN) as media,
        running_gateway(store, media=media, recognizer="pocketsphinx") as live,
    ):
        yield live


@pytest.fixture(scope="module")
def audio(tmp_path_factory: pytest.TempPathFactory) -> AudioFiles:
    return AudioFiles(tmp_path_factory.mktemp("audio"))


class AudioFiles:
    """WAV files of words spoken by a voice through the telephone channel, made once each."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def say(self, text: str, voice: str, snr_db: float | None = None) -> SpeakAudio:
        name = re.sub(r"[^a-z0-9]+", "-", f"{voice} {snr_db} {text}".lower()).strip("-")
        path = self._folder / f"{name}.wav"
        if not path.exists():
            path.write_bytes(spoken_wav(text, voice, snr_db=snr_db))
        return SpeakAudio(path)

    def file(self, name: str, data: bytes) -> SpeakAudio:
        path = self._folder / name
        path.write_bytes(data)
        return SpeakAudio(path)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = (a[0] - b[0]) * 111_320
    east = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(north, east)


def reference_heard(heard: list[str]) -> str:
    for line in heard:
        found = re.fullmatch(
            r"(?:Your reference number is|Su número de referencia es) (.+)\.", line
        )
        if found:
            return found.group(1).replace(" ", "")
    raise AssertionError(f"no reference number heard in {heard}")


def published(gateway: Gateway, service_request_id: str) -> dict[str, object]:
    found = [
        r for r in gateway.requests_published() if r["service_request_id"] == service_request_id
    ]
    assert len(found) == 1
    return found[0]


def place(request: dict[str, object]) -> tuple[float, float]:
    return (float(str(request["lat"])), float(str(request["long"])))


@pytest.mark.parametrize(
    ("address_voice", "description", "word"),
    [
        ("flite:rms", "there is a big hole in the road", "hole"),
        ("flite:awb", "a car hit the sign and it fell down", "sign"),
    ],
)
def test_a_spoken_address_and_description_are_recognised_and_filed(
    gateway: Gateway, audio: AudioFiles, address_voice: str, description: str, word: str
) -> None:
    script: list[Step] = [
        *CONSTRUCTION_PLATE,
        audio.say("four thirty eight washington street", address_voice),
        Press("1"),  # that is right
        audio.say(description, "flite:rms"),
        Press("1"),  # send it
    ]
    result = gateway.call(script)

    heard = result.transcript.heard()
    read_back = [m.group(1) for line in heard if (m := READ_BACK.fullmatch(line))]
    assert read_back and read_back[0].startswith("four thirty eight Washington Street")
    assert "Thank you. Your report has been received." in heard
    request = published(gateway, reference_heard(heard))
    assert request["service_code"] == "2"
    assert metres(place(request), BOSTON_438_WASHINGTON) < 50
    filed = str(request["description"])
    assert filed.startswith("[automatic transcript] ")
    assert word in filed.split("\n")[0].split()
    assert "Recordings/" not in description
    row = gateway.call_row(result.call_sid)
    assert row is not None and row.status == "completed"


def keypad_path(audio: AudioFiles) -> list[Step]:
    """The house number by keys, the street said, the place confirmed, no description."""
    return [
        Press("438#"),
        audio.say("washington street", "flite:rms"),
        Press("1"),
        Silence(),  # the description: nothing
        Silence(),
        Press("1"),
    ]


def test_a_corrupt_recording_leads_to_the_keypad(gateway: Gateway, audio: AudioFiles) -> None:
    # 8-bit unsigned PCM: a WAV file Twilio never sends and the gateway does not read.
    header = silence_wav(2.0)
    corrupt = header[:34] + (8).to_bytes(2, "little") + header[36:]
    script = [*CONSTRUCTION_PLATE, audio.file("corrupt.wav", corrupt), *keypad_path(audio)]
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert KEYPAD in heard
    assert any(line.startswith("I heard four thirty eight Washington Street") for line in heard)
    request = published(gateway, reference_heard(heard))
    assert metres(place(request), BOSTON_438_WASHINGTON) < 50


def test_silence_then_a_silent_recording_lead_to_the_keypad(
    gateway: Gateway, audio: AudioFiles
) -> None:
    # First no recording at all (asked again), then three seconds of line silence.
    script = [*CONSTRUCTION_PLATE, Silence(), audio.file("quiet.wav", silence_wav(3.0))]
    result = gateway.call([*script, *keypad_path(audio)])

    heard = result.transcript.heard()
    assert KEYPAD in heard
    # asked again once after the silence; the silent recording goes straight to the keypad
    assert heard[: heard.index(KEYPAD)].count("Sorry, I didn't hear anything.") == 1
    request = published(gateway, reference_heard(heard))
    assert metres(place(request), BOSTON_438_WASHINGTON) < 50


def test_a_recording_on_a_host_that_is_not_allowed_is_never_fetched(
    own_store: str, audio: AudioFiles
) -> None:
    address = audio.say("four thirty eight washington street", "flite:rms")
    with (
        MediaServer() as stranger,
        running_gateway(
            own_store, media=stranger, recognizer="pocketsphinx", recording_hosts="127.0.0.1:9"
        ) as gateway,
    ):
        result = gateway.call([*CONSTRUCTION_PLATE, address, Press("438#"), Press("0")])
        jobs = jobs_of(gateway, result.call_sid)
    assert stranger.requests == []
    assert KEYPAD in result.transcript.heard()
    assert [job.result for job in jobs] == [
        {"text": "", "slots": {"location_words_source": "recording unavailable"}}
    ]


def test_a_recording_not_stored_yet_is_fetched_again(own_store: str, audio: AudioFiles) -> None:
    address = audio.say("four thirty eight washington street", "flite:awb")
    with (
        MediaServer(auth_token=AUTH_TOKEN, not_ready=2) as slow_media,
        running_gateway(own_store, media=slow_media, recognizer="pocketsphinx") as gateway,
    ):
        # pauses in real time, as Twilio plays them: the caller's "one moment" waits span
        # the download's retries
        result = gateway.call([*CONSTRUCTION_PLATE, address, Press("0")], pause_pace=1.0)
        jobs = jobs_of(gateway, result.call_sid)
    heard = result.transcript.heard()
    assert any(line.startswith("I heard four thirty eight Washington Street") for line in heard)
    assert [(job.name, job.status, job.attempts) for job in jobs] == [("transcribe", "done", 3)]


def test_a_spanish_description_is_kept_for_staff_and_the_address_keyed_in(
    gateway: Gateway, audio: AudioFiles
) -> None:
    script: list[Step] = [Press("9"), Press("2"), Press("1")]
    script += [audio.say("cuatrocientos treinta y ocho calle washington", "espeak:es")]
    script += [Press("438#"), audio.say("washington street", "flite:rms"), Press("1")]
    script += [audio.say("una placa de acero se movió", "espeak:es"), Press("1")]
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert "Intentemos de nuevo. Marque el número de la casa, seguido de la tecla de gato." in heard
    request = published(gateway, reference_heard(heard))
    assert metres(place(request), BOSTON_438_WASHINGTON) < 50
    assert "kept with the call by the 311 gateway for staff" in str(request["description"])


def jobs_of(gateway: Gateway, call_sid: str) -> list[JobRecord]:
    with gateway.sessions() as session:
        return jobs_of_call(session, call_sid)
