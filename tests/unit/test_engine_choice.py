"""Which engines hear a recording, by IVR_RECOGNIZER, what is heard and the call's language.

The loader is a table of stand-in engines here (loading real models is tested in
tests/integration): what is pinned is the choice, which decides what a caller's words go through.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ivr.recordings.hearing import EngineChoice, EngineSpec
from speech.errors import ModelError


@dataclass
class Model:
    name: str
    languages: tuple[str, ...]


MODELS = {
    EngineSpec("pocketsphinx"): Model("pocketsphinx", ("en",)),
    EngineSpec("whisper", "tiny.en"): Model("whisper tiny.en", ("en",)),
    EngineSpec("whisper", "base"): Model("whisper base", ("en", "es", "fr")),
    EngineSpec("vosk", "/models/ko"): Model("vosk ko", ("ko",)),
}


def names(recognizer: str, grammar: str, language: str, **models: str) -> list[str]:
    loaded: list[EngineSpec] = []

    def load(spec: EngineSpec) -> Model:
        if spec not in MODELS:
            raise ModelError(f"no model {spec.model}")
        loaded.append(spec)
        return MODELS[spec]

    choice = EngineChoice(recognizer, load=load, **models)  # type: ignore[arg-type]
    return [MODELS[s].name for s in choice.specs(grammar, language)]


def test_an_english_address_is_heard_by_pocketsphinx_and_whisper_side_by_side() -> None:
    assert names("whisper", "streets", "en") == ["pocketsphinx", "whisper tiny.en"]
    assert names("whisper", "street_names", "en") == ["pocketsphinx", "whisper tiny.en"]


def test_a_description_is_whispers_alone() -> None:
    assert names("whisper", "free", "en") == ["whisper tiny.en"]


def test_a_spanish_caller_is_heard_by_the_multilingual_model() -> None:
    assert names("whisper", "streets", "es") == ["whisper base"]
    assert names("whisper", "free", "es") == ["whisper base"]
    # A street alone is a name, said alike in any language: PocketSphinx hears it too.
    assert names("whisper", "street_names", "es") == ["pocketsphinx", "whisper base"]


def test_without_a_multilingual_model_a_spanish_description_is_not_transcribed() -> None:
    assert names("whisper", "free", "es", multilingual_model="") == []


def test_a_multilingual_first_model_hears_every_language_it_speaks() -> None:
    assert names("whisper", "free", "es", whisper_model="base") == ["whisper base"]
    assert names("whisper", "free", "de", whisper_model="base") == []


def test_a_broken_model_is_passed_over_for_one_that_loads() -> None:
    assert names("whisper", "free", "en", whisper_model="missing") == ["whisper base"]


@pytest.mark.parametrize(
    ("grammar", "language", "expected"),
    [
        ("streets", "en", ["pocketsphinx"]),
        ("free", "es", []),
        ("street_names", "es", ["pocketsphinx"]),
    ],
)
def test_pocketsphinx_alone_speaks_english(
    grammar: str, language: str, expected: list[str]
) -> None:
    assert names("pocketsphinx", grammar, language) == expected


def test_vosk_hears_the_languages_of_its_model() -> None:
    assert names("vosk", "free", "ko", vosk_model="/models/ko") == ["vosk ko"]
    assert names("vosk", "free", "en", vosk_model="/models/ko") == []


def test_twilio_leaves_nothing_to_hear_here() -> None:
    assert names("twilio", "streets", "en") == []
