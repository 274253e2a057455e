"""Whole calls on the default recogniser (``IVR_RECOGNIZER=whisper``): an address heard by
PocketSphinx and Whisper side by side, a description written by Whisper, a Spanish caller heard
by Whisper base. Real synthesised voices through the telephone channel, real models, the
embedded Open311 endpoint receiving the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.simulator import MediaServer, Press, Silence, SpeakAudio
from ivr.simulator.script import Step
from tests.calls.phone import AUTH_TOKEN, Gateway, prepared_store, running_gateway
from tests.calls.test_audio_calls import (
    BOSTON_438_WASHINGTON,
    metres,
    place,
    published,
    reference_heard,
)
from tests.support.speech_audio import spoken_wav

READ_BACK = re.compile(r"(?:I heard|Escuché) (.+)\. (?:Press|Oprima) 1 .*")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder: Path = tmp_path_factory.mktemp("whisper-calls")
    store = prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    with (
        MediaServer(auth_token=AUTH_TOKEN) as media,
        running_gateway(store, media=media, recognizer="whisper") as live,
    ):
        yield live


def said(folder: Path, text: str, voice: str, **noise: object) -> SpeakAudio:
    name = re.sub(r"[^a-z0-9]+", "-", f"{voice} {noise} {text}".lower()).strip("-")[:120]
    path = folder / f"{name}.wav"
    path.write_bytes(spoken_wav(text, voice, **noise))  # type: ignore[arg-type]
    return SpeakAudio(path)


def read_backs(heard: list[str]) -> list[str]:
    return [m.group(1) for line in heard if (m := READ_BACK.fullmatch(line))]


def test_a_caller_who_starts_with_the_address_is_read_it_back_and_the_city_gets_it(
    gateway: Gateway, tmp_path: Path
) -> None:
    script: list[Step] = [
        Silence(),  # English
        Press("2"),  # street defects
        Press("1"),  # construction plate
        said(tmp_path, "um, the address is four thirty eight washington street", "flite:slt"),
        Press("1"),  # that is right
        said(tmp_path, "the streetlight on the corner has been out for a week", "flite:slt"),
        Press("1"),  # send it
    ]
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert read_backs(heard)[0].startswith("four thirty eight Washington Street")
    request = published(gateway, reference_heard(heard))
    assert metres(place(request), BOSTON_438_WASHINGTON) < 50
    description = str(request["description"]).split("\n")[0].lower()
    assert description.startswith("[automatic transcript] ")
    assert "streetlight" in description or "street light" in description


def test_an_address_said_over_brown_noise_is_still_heard(gateway: Gateway, tmp_path: Path) -> None:
    noisy = said(
        tmp_path,
        "it's at four thirty eight washington street",
        "flite:rms",
        snr_db=15.0,
        noise="brown",
    )
    script: list[Step] = [Silence(), Press("2"), Press("1"), noisy, Press("1"), Silence()]
    script += [Silence(), Press("1")]  # no description; send it
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert read_backs(heard)[0].startswith("four thirty eight Washington Street")
    request = published(gateway, reference_heard(heard))
    assert metres(place(request), BOSTON_438_WASHINGTON) < 50


def test_a_spanish_caller_is_heard_in_spanish_and_the_city_gets_the_place(
    gateway: Gateway, tmp_path: Path
) -> None:
    script: list[Step] = [
        Press("9"),  # español
        Press("2"),
        Press("1"),
        said(
            tmp_path,
            "la dirección es cuatrocientos treinta y ocho Washington Street",
            "espeak:es",
        ),
        Press("1"),  # es correcto
        said(tmp_path, "hay un bache muy grande en la calle", "espeak:es"),
        Press("1"),
    ]
    result = gateway.call(script)

    heard = result.transcript.heard()
    assert read_backs(heard)[0].startswith("cuatrocientos treinta y ocho Washington Street")
    request = published(gateway, reference_heard(heard))
    assert metres(place(request), BOSTON_438_WASHINGTON) < 50
    description = str(request["description"]).split("\n")[0].lower()
    assert description.startswith("[automatic transcript] ") or "transcripción" in description
    assert "bache" in description or "calle" in description
