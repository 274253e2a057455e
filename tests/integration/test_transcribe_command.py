"""``ivr transcribe``: a city checks what the gateway hears on its own line.

Real engines (PocketSphinx with the Boston street model, Whisper tiny.en) on synthesised speech
through the simulated phone line, a real gazetteer made from the shipped Boston points.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.settings import PACKAGE_DATA
from tests.support.speech_audio import spoken_wav


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from ivr.store.db import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('transcribe') / 'voice311.db'}"
    upgrade(url)
    env = {"IVR_DATABASE_URL": url, "IVR_RECOGNIZER": "whisper"}
    boston = str(PACKAGE_DATA / "boston-addresses.csv")
    imported = CliRunner().invoke(main, ["gazetteer", "import", boston], env=env)
    assert imported.exit_code == 0, imported.output
    return env


def test_each_engine_the_reading_chosen_and_the_place_are_printed(
    env: dict[str, str], tmp_path: Path
) -> None:
    recording = tmp_path / "address.wav"
    recording.write_bytes(
        spoken_wav("the address is four thirty eight washington street", "flite:slt")
    )

    printed = CliRunner().invoke(main, ["transcribe", str(recording)], env=env)

    assert printed.exit_code == 0, printed.output
    assert "engines: pocketsphinx" in printed.output and "whisper tiny.en" in printed.output
    assert "result: automatic transcript" in printed.output
    assert "chosen:" in printed.output
    assert "place: four thirty eight Washington Street, in Brighton" in printed.output


def test_a_description_is_whispers(env: dict[str, str], tmp_path: Path) -> None:
    recording = tmp_path / "description.wav"
    recording.write_bytes(spoken_wav("there is a deep pothole in front of the school", "flite:rms"))

    printed = CliRunner().invoke(
        main, ["transcribe", str(recording), "--for", "description"], env=env
    )

    assert printed.exit_code == 0, printed.output
    assert "engines: whisper tiny.en" in printed.output
    heard = printed.output.lower()
    assert "there is a deep" in heard and "in front of the" in heard
    assert "place:" not in printed.output


def test_a_file_that_is_not_audio_is_said_so_without_a_traceback(
    env: dict[str, str], tmp_path: Path
) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF\x00\x00not a wave file at all")

    printed = CliRunner().invoke(main, ["transcribe", str(junk)], env=env)

    assert printed.exit_code == 0, printed.output
    assert "result: recording unreadable" in printed.output
    assert "Traceback" not in printed.output


@pytest.mark.parametrize("setting", ["IVR_WHISPER_MODEL", "IVR_WHISPER_MULTILINGUAL_MODEL"])
def test_a_whisper_model_that_is_no_model_is_refused_as_ivr_serve_refuses_it(
    env: dict[str, str], tmp_path: Path, setting: str
) -> None:
    """It used to be heard by the fallback model, with a warning, and exit 0."""
    recording = tmp_path / "address.wav"
    recording.write_bytes(b"RIFF\x00\x00not a wave file at all")

    printed = CliRunner().invoke(
        main, ["transcribe", str(recording)], env={**env, setting: "/nonexistent/model"}
    )

    assert printed.exit_code == 2
    assert printed.output == (
        f"voice311: {setting} must be tiny.en, base or the directory of a downloaded model "
        "(`ivr models download`); '/nonexistent/model' is no directory\n"
    )
