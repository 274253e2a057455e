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
of one recording run one after the other, PocketSphinx first (:class:`Listener`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
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
    """Hears one recording with its engines one after the other, cheapest first, and stops as
    soon as ``enough`` says what was heard will do.

    Not side by side: PocketSphinx holds the interpreter while it decodes, so on a thread pool
    Whisper waited for it anyway (measured: the pair took the sum of their times, 0.75–0.85 s
    for an address, either way). In turn, a clear address PocketSphinx places with confidence
    (0.25–0.35 s) is read back without waiting for Whisper (about 0.5 s more).
    """

    def hear(
        self,
        engines: Sequence[Engine],
        pcm: Pcm,
        grammar: Grammar,
        *,
        language: str,
        n_best: int,
        enough: Callable[[Sequence[Heard]], bool] | None = None,
    ) -> list[Heard]:
        """The engines' transcripts of ``pcm`` (resampled once per sample rate), in order,
        until ``enough``."""
        rates: dict[int, Pcm] = {}
        heard: list[Heard] = []
        for engine in engines:
            if engine.sample_rate not in rates:
                rates[engine.sample_rate] = resample(pcm, engine.sample_rate)
            began = time.perf_counter()
            try:
                transcript = engine.recognize(
                    rates[engine.sample_rate], grammar, n_best=n_best, language=language
                )
            except SpeechError as reason:
                log.warning("an engine could not hear a recording", extra={"engine": engine.name})
                heard.append(
                    Heard(engine.name, None, time.perf_counter() - began, str(reason)[:200])
                )
                continue
            heard.append(Heard(engine.name, transcript, time.perf_counter() - began))
            if enough is not None and enough(heard):
                break
        return heard
