"""PocketSphinx on real synthesised speech that has been down a simulated phone line."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from pathlib import Path

import pytest

from speech.audio import decode
from speech.errors import SpeechError
from speech.grammars import menu_grammar, street_grammar
from speech.pocketsphinx_engine import PocketSphinxEngine, write_language_model
from speech.recognizer import Grammar, TakesCompiledModels, Transcript, stream
from tests.support.speech_audio import boston_streets, spoken_pcm, spoken_wav

MENU = menu_grammar(["yes", "no", "pothole", "street light", "graffiti", "missed trash pickup"])


@pytest.fixture(scope="module")
def engine() -> PocketSphinxEngine:
    return PocketSphinxEngine(max_decoders=2)


@pytest.fixture(scope="module")
def streets() -> Grammar:
    return street_grammar(boston_streets())


@pytest.mark.parametrize(
    ("text", "voice"),
    [
        ("yes", "espeak:en-us"),
        ("no", "flite:slt"),
        ("street light", "espeak:en-us+f3"),
        ("pothole", "flite:kal"),
        ("missed trash pickup", "flite:slt"),
    ],
)
def test_a_menu_answer_is_recognised(engine: PocketSphinxEngine, text: str, voice: str) -> None:
    transcript = engine.recognize(decode(spoken_wav(text, voice)), MENU)
    assert transcript.text == text


@pytest.mark.parametrize(
    ("text", "voice"),
    [
        ("twelve thirty four washington street", "flite:awb"),
        ("two twenty beacon street", "flite:awb"),
        ("forty five dorchester avenue", "flite:rms"),
        ("three hundred neponset avenue", "flite:rms"),
        ("eighteen blue hill avenue", "flite:rms"),
        ("seven arborway", "flite:rms"),
    ],
)
def test_an_address_is_recognised_with_the_boston_street_grammar(
    engine: PocketSphinxEngine, streets: Grammar, text: str, voice: str
) -> None:
    transcript = engine.recognize(decode(spoken_wav(text, voice)), streets)
    assert transcript.text == text


def test_a_street_missing_from_the_dictionary_gets_a_made_pronunciation(
    engine: PocketSphinxEngine,
) -> None:
    grammar = menu_grammar(["arborway", "agganis way", "ashmont street"])
    transcript = engine.recognize(spoken_pcm("agganis way", "flite:rms"), grammar)
    assert transcript.text == "agganis way"


def test_words_come_with_times_in_order_and_confidences(
    engine: PocketSphinxEngine, streets: Grammar
) -> None:
    pcm = spoken_pcm("forty five dorchester avenue", "flite:rms")
    transcript = engine.recognize(pcm, streets, n_best=5)
    words = transcript.words
    assert [w.text for w in words] == ["forty", "five", "dorchester", "avenue"]
    for before, after in itertools.pairwise(words):
        assert before.start < before.end <= after.start < after.end
    assert words[-1].end <= pcm.seconds + 0.05
    assert all(0.0 <= w.confidence <= 1.0 for w in words)
    assert len(transcript.alternatives) > 1
    assert len({a.text for a in transcript.alternatives}) == len(transcript.alternatives)
    assert all(0.0 <= a.confidence <= transcript.confidence for a in transcript.alternatives)
    assert transcript.audio_seconds == pytest.approx(pcm.seconds, abs=0.01)


def test_streaming_gives_partials_then_the_final(
    engine: PocketSphinxEngine, streets: Grammar
) -> None:
    pcm = spoken_pcm("three hundred neponset avenue", "flite:rms")
    results = list(stream(engine.recognizer(streets), pcm.frames(0.2)))
    assert [r.final for r in results[:-1]] == [False] * (len(results) - 1)
    assert len(results) > 2
    assert results[-1].final
    assert results[-1].transcript is not None
    assert results[-1].text == "three hundred neponset avenue"


def test_free_recognition_without_a_grammar_returns_a_transcript(
    engine: PocketSphinxEngine,
) -> None:
    transcript = engine.recognize(spoken_pcm("there is a big pothole", "flite:rms"))
    assert transcript.text.replace("pot hole", "pothole") == "there is a big pothole"


def test_two_threads_share_one_engine(engine: PocketSphinxEngine, streets: Grammar) -> None:
    cases = [
        ("seven arborway", "flite:rms", streets),
        ("street light", "espeak:en-us+f3", MENU),
    ] * 2
    results: dict[int, Transcript] = {}

    def work(at: int) -> None:
        text, voice, grammar = cases[at]
        results[at] = engine.recognize(spoken_pcm(text, voice), grammar)

    for text, voice, _ in cases:
        spoken_pcm(text, voice)  # synthesise first: the threads then only recognise
    threads = [threading.Thread(target=work, args=(at,)) for at in range(len(cases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[at].text for at in range(len(cases))] == [c[0] for c in cases]


def test_a_finished_recogniser_cannot_be_fed(engine: PocketSphinxEngine) -> None:
    recognizer = engine.recognizer(MENU)
    recognizer.finish()
    with pytest.raises(Exception, match="finished"):
        recognizer.accept(spoken_pcm("yes", "flite:slt"))


def test_a_grammar_given_its_compiled_model_is_heard_as_when_compiled_here(
    streets: Grammar, tmp_path: Path
) -> None:
    # The street model as speech.grammar_cache keeps it: binary, beside a grammar whose
    # thousands of sample addresses are not kept (only the model needs them). Two new engines
    # hear the same recordings in the same order (a decoder's history moves its confidences).
    model = tmp_path / "streets.lm.bin"
    write_language_model(streets, model)
    without_samples = dataclasses.replace(streets, examples=())
    compiling = PocketSphinxEngine(max_decoders=1)
    given = PocketSphinxEngine(max_decoders=1)
    assert isinstance(given, TakesCompiledModels)
    given.use_compiled(without_samples, model)
    model.unlink()  # the engine keeps the file it was given: a cache entry may be rebuilt

    for text, voice in [
        ("twelve thirty four washington street", "flite:awb"),
        ("forty five dorchester avenue", "flite:rms"),
        ("seven arborway", "flite:rms"),
    ]:
        pcm = spoken_pcm(text, voice)
        compiled_here = compiling.recognize(pcm, streets)
        heard = given.recognize(pcm, without_samples)
        assert heard.text == compiled_here.text == text
        assert heard.alternatives == compiled_here.alternatives


def test_a_strict_grammar_takes_no_compiled_model(tmp_path: Path) -> None:
    model = tmp_path / "menu.lm.bin"
    model.write_bytes(b"")
    with pytest.raises(SpeechError, match="strict"):
        PocketSphinxEngine(max_decoders=1).use_compiled(MENU, model)
