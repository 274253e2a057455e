"""Which engines hear a recording, and hearing it with all of them at once.

``IVR_RECOGNIZER`` names a choice of engines, not one engine, because no single engine here
hears everything best (measured in docs/recording-path.md):

- ``whisper``: Whisper (faster-whisper) writes descriptions and free speech: tiny.en for
  English callers, the multilingual base for the others (Spanish). An address, and a street
  said alone, are heard by Whisper *and* by PocketSphinx with the city's street language model:
  the two get different addresses wrong, and the gazetteer chooses between their readings
  (:mod:`ivr.recordings.readings`). A Spanish caller's address is Whisper base's alone (the
  PocketSphinx model is English), but a street said alone is a name, said alike in any language,
  so PocketSphinx hears it too.
- ``pocketsphinx``: PocketSphinx alone, English only (the model in its wheel).
- ``vosk``: the Vosk model in ``IVR_VOSK_MODEL``, in the language(s) it speaks.
- ``twilio``: nothing here; no recording is transcribed (``not_transcribed``).

Engines are loaded once per process (``speech.engines``) and shared by every thread; the engines
of one recording run side by side on a small thread pool, so an address costs the slower engine's
time, not the sum (two cores: PocketSphinx on one, Whisper on the other).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from speech.audio import Pcm, resample
from speech.errors import SpeechError
from speech.recognizer import Engine, Grammar, Transcript

log = logging.getLogger(__name__)

ADDRESS_GRAMMARS = ("streets", "street_names")
ENGLISH_ONLY = ("en",)


@dataclass(frozen=True)
class EngineSpec:
    """An engine as ``speech.engines.load_engine`` loads it: its kind and model."""

    kind: str
    model: str = ""


@dataclass(frozen=True)
class Heard:
    """One engine's transcript of one recording; ``error`` says why an engine failed (the
    others' transcripts still count)."""

    engine: str
    transcript: Transcript | None
    seconds: float = 0.0  # wall time, loading excluded
    error: str = field(default="", repr=False)


Loader = Callable[[EngineSpec], Engine]


class EngineChoice:
    """The engines ``IVR_RECOGNIZER`` names, by what is heard (a grammar) and the call's
    language. ``load`` loads (and caches) an engine; loading is lazy, so a gateway that never
    hears a Spanish caller never loads the multilingual model."""

    def __init__(
        self,
        recognizer: str,
        *,
        load: Loader,
        whisper_model: str = "tiny.en",
        multilingual_model: str = "base",
        vosk_model: str = "",
    ) -> None:
        self.recognizer = recognizer
        self._load = load
        self._whisper = EngineSpec("whisper", whisper_model)
        self._multilingual = EngineSpec("whisper", multilingual_model)
        self._vosk = EngineSpec("vosk", vosk_model)
        self._pocketsphinx = EngineSpec("pocketsphinx")

    def specs(self, grammar: str, language: str) -> list[EngineSpec]:
        """The engines that hear a recording for ``grammar`` in ``language``; empty when no
        engine here speaks the language (the slot then says so)."""
        address = grammar in ADDRESS_GRAMMARS
        name_alone = grammar == "street_names"
        if self.recognizer == "pocketsphinx":
            return [self._pocketsphinx] if language == "en" or name_alone else []
        if self.recognizer == "vosk":
            engine = self._load(self._vosk)
            return [self._vosk] if language in engine.languages or name_alone else []
        if self.recognizer != "whisper":
            return []
        whisper = self._whisper_for(language)
        chosen = [whisper] if whisper else []
        if address and (language == "en" or name_alone):
            chosen.insert(0, self._pocketsphinx)
        return chosen

    def engines(self, grammar: str, language: str) -> list[Engine]:
        return [self._load(spec) for spec in self.specs(grammar, language)]

    def warm_specs(self, languages: Sequence[str]) -> list[EngineSpec]:
        """Every engine the call flows' languages may need, to load at start-up."""
        specs: dict[EngineSpec, None] = {}
        for language in languages:
            for grammar in ("streets", "street_names", "free"):
                specs.update(dict.fromkeys(self.specs(grammar, language)))
        return list(specs)

    def _whisper_for(self, language: str) -> EngineSpec | None:
        """The first Whisper model that speaks ``language``: the configured one (tiny.en
        speaks English only), else the multilingual one."""
        for spec in (self._whisper, self._multilingual):
            if not spec.model:
                continue
            try:
                if language in self._load(spec).languages:
                    return spec
            except SpeechError as reason:  # a broken model: the job reports it kindly
                log.warning("whisper model unusable", extra={"reason": str(reason)[:200]})
        return None


class Listener:
    """Hears one recording with several engines side by side (threads: the engines release
    the interpreter while they decode)."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="voice311-hear")

    def hear(
        self,
        engines: Sequence[Engine],
        pcm: Pcm,
        grammar: Grammar,
        *,
        language: str,
        n_best: int,
    ) -> list[Heard]:
        """Every engine's transcript of ``pcm`` (resampled once per sample rate)."""
        rates = {engine.sample_rate: resample(pcm, engine.sample_rate) for engine in engines}

        def one(engine: Engine) -> Heard:
            began = time.perf_counter()
            try:
                transcript = engine.recognize(
                    rates[engine.sample_rate], grammar, n_best=n_best, language=language
                )
            except SpeechError as reason:
                log.warning("an engine could not hear a recording", extra={"engine": engine.name})
                return Heard(engine.name, None, time.perf_counter() - began, str(reason)[:200])
            return Heard(engine.name, transcript, time.perf_counter() - began)

        if len(engines) == 1:
            return [one(engines[0])]
        return list(self._pool.map(one, engines))
