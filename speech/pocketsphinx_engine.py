"""PocketSphinx with the English model its wheel ships: recognition with nothing to download.

Sharing: a PocketSphinx ``Decoder`` holds the acoustic model and dictionary and cannot be used
by two utterances at once; making one costs about 0.3 s and 40 MB. The engine keeps a small
pool of decoders (at most ``max_decoders``, made when first needed) guarded by a condition
variable: a recogniser borrows one for its utterance and gives it back on ``finish``.

Grammars: a strict grammar (a menu) becomes a JSGF grammar (:mod:`speech.jsgf`); an open
grammar (an address) becomes a small trigram language model built from its phrases, words and
examples (``pocketsphinx.lm.ArpaBoLM``). PocketSphinx's JSGF search has no prefix tree, so
thousands of street names in parallel decode at many times real time; the n-gram search shares
prefixes in its lexicon tree and runs at about 0.13 real time (docs/speech.md has the
figures). Compiled grammars are cached by name, once per engine and once per decoder, the
least recently used dropped beyond ``MAX_GRAMMARS``. Words missing from CMUdict get
pronunciations from :mod:`speech.pronounce`.

An open grammar's model may also be given ready-made (:meth:`PocketSphinxEngine.use_compiled`:
the city's street models, which take minutes to build at a million addresses, come from
:mod:`speech.grammar_cache`); :func:`write_language_model` is how both are built.

Settings chosen by measurement: ``fwdflat=False`` (the second pass cost ~10 % time and changed
no result on telephone addresses); ``bestpath`` stays on, since word confidences (posteriors)
come from its lattice; ``cmninit`` starts at telephone speech (see ``TELEPHONE_CMN``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from math import exp, log
from pathlib import Path

import pocketsphinx as ps
from pocketsphinx.lm import ArpaBoLM

from speech.audio import Pcm, resample
from speech.errors import ModelError, SpeechError
from speech.jsgf import to_jsgf
from speech.pronounce import pronounce
from speech.recognizer import (
    FREE,
    Alternative,
    Grammar,
    Partial,
    Transcript,
    Word,
)

FRAMES_PER_SECOND = 100
# Cepstral means of synthesised speech after the telephone channel (measured with
# ``Decoder.get_cmn()``): live normalisation starts here instead of at the model's wideband
# default, which left a new decoder's first streamed utterances empty.
TELEPHONE_CMN = "46,23,-37,37,-32,-5,-11,-32,-5,-19,-5,-8,-3"
CHOSEN_SETTINGS: dict[str, object] = {"fwdflat": False, "cmninit": TELEPHONE_CMN}
_FREE_SEARCH = "_default"
# Grammars kept compiled, per engine and per decoder, least recently used dropped first: the
# city's address model and menus stay, while the street lists per keyed house number come and go.
MAX_GRAMMARS = 48


@dataclass(frozen=True)
class _Compiled:
    kind: str  # "jsgf" or "lm"
    source: str  # JSGF text, or the path of a language model file (ARPA or binary)
    words: tuple[str, ...]
    search: str  # the search's name in a decoder: a digest of the grammar's name


class PocketSphinxEngine:
    """The PocketSphinx engine; one per process, shared by every thread."""

    sample_rate = 16000
    languages: tuple[str, ...] = ("en",)  # the US English model of the wheel

    def __init__(
        self,
        *,
        model_dir: Path | None = None,
        settings: dict[str, object] | None = None,
        max_decoders: int = 2,
    ) -> None:
        root = model_dir or Path(ps.get_model_path())
        self._config = {
            "hmm": str(root / "en-us" / "en-us"),
            "dict": str(root / "en-us" / "cmudict-en-us.dict"),
            "lm": str(root / "en-us" / "en-us.lm.bin"),
            "loglevel": "ERROR",
            **(CHOSEN_SETTINGS if settings is None else settings),
        }
        for key in ("hmm", "dict", "lm"):
            if not Path(str(self._config[key])).exists():
                raise ModelError(f"PocketSphinx model file missing: {self._config[key]}")
        self.name = f"pocketsphinx:{root.name}"
        self._max = max(1, max_decoders)
        self._idle: list[_Decoder] = []
        self._made = 0
        self._available = threading.Condition()
        self._compiled: OrderedDict[str, _Compiled] = OrderedDict()
        self._given: dict[str, _Compiled] = {}  # models handed over by use_compiled, kept
        self._compile_lock = threading.Lock()
        self._lm_dir = tempfile.TemporaryDirectory(prefix="voice311-lm-")
        self._give_back(self._make())  # load the model now: a broken model fails here

    # -- decoder pool -----------------------------------------------------------------------

    def _make(self) -> _Decoder:
        try:
            decoder = ps.Decoder(ps.Config(**self._config))
        except (RuntimeError, ValueError) as error:
            raise ModelError(f"PocketSphinx could not load its model: {error}") from error
        with self._available:
            self._made += 1
        return _Decoder(decoder)

    def _borrow(self) -> _Decoder:
        with self._available:
            while not self._idle and self._made >= self._max:
                self._available.wait()
            if self._idle:
                return self._idle.pop()
        return self._make()

    def _give_back(self, decoder: _Decoder) -> None:
        with self._available:
            self._idle.append(decoder)
            self._available.notify()

    # -- grammars ---------------------------------------------------------------------------

    def use_compiled(self, grammar: Grammar, model_file: Path) -> None:
        """``grammar``'s compiled language model is ``model_file`` (a trigram model, ARPA or
        PocketSphinx's binary form, as :func:`write_language_model` writes it): decoders load
        it when they first need the grammar instead of the engine compiling the grammar, whose
        samples may then be left out. The engine keeps a link to the file in its own folder
        (a copy across file systems), so the file may be removed afterwards, and keeps the
        grammar for its life: it is never dropped to be compiled again without its samples. A
        grammar given twice keeps the first model (equal names are the same grammar).
        ModelError when the file cannot be read; SpeechError for a strict grammar (a JSGF
        grammar, compiled in a moment, has no language model)."""
        if grammar.strict:
            raise SpeechError(f"grammar {grammar.name!r} is strict: it has no language model")
        key = _key(grammar)
        search = _search_name(key)
        kept = Path(self._lm_dir.name) / f"{search}-given{''.join(model_file.suffixes)}"
        with self._compile_lock:
            if key in self._given:
                return
            try:
                os.link(model_file, kept)
            except OSError:
                try:
                    shutil.copyfile(model_file, kept)
                except OSError as error:
                    raise ModelError(f"language model {model_file} unreadable: {error}") from error
            self._given[key] = _Compiled("lm", str(kept), _words_of(grammar), search)

    def _compile(self, grammar: Grammar) -> _Compiled:
        key = _key(grammar)
        with self._compile_lock:
            given = self._given.get(key)
            if given is not None:
                return given
            compiled = self._compiled.get(key)
            if compiled is None:
                search = _search_name(key)
                if grammar.strict:
                    compiled = _Compiled("jsgf", to_jsgf(grammar), _words_of(grammar), search)
                else:
                    path = Path(self._lm_dir.name) / f"{search}.arpa"
                    write_language_model(grammar, path)
                    compiled = _Compiled("lm", str(path), _words_of(grammar), search)
                self._compiled[key] = compiled
                while len(self._compiled) > MAX_GRAMMARS:
                    _, dropped = self._compiled.popitem(last=False)
                    if dropped.kind == "lm":
                        Path(dropped.source).unlink(missing_ok=True)
            self._compiled.move_to_end(key)
            return compiled

    def _search(self, decoder: _Decoder, grammar: Grammar) -> str:
        if grammar.empty:
            return _FREE_SEARCH
        compiled = self._compile(grammar)
        name = compiled.search
        if name not in decoder.searches:
            decoder.add_words(compiled.words)
            try:
                if compiled.kind == "jsgf":
                    decoder.decoder.add_jsgf_string(name, compiled.source)
                else:
                    decoder.decoder.add_lm_file(name, compiled.source)
            except (RuntimeError, ValueError) as error:
                raise SpeechError(
                    f"grammar {grammar.name!r} could not be compiled: {error}"
                ) from error
            decoder.searches[name] = None
            while len(decoder.searches) > MAX_GRAMMARS:
                oldest = next(iter(decoder.searches))
                decoder.decoder.remove_search(oldest)
                del decoder.searches[oldest]
        decoder.searches.move_to_end(name)
        return name

    def prepare(self, grammar: Grammar) -> None:
        """Compile ``grammar`` into every decoder of the pool now, before a caller waits on it
        (a city's address model takes seconds to build and to load)."""
        decoders = []
        try:
            for _ in range(self._max):
                decoder = self._borrow()
                decoders.append(decoder)
                self._search(decoder, grammar)
        finally:
            for decoder in decoders:
                self._give_back(decoder)

    # -- Engine -----------------------------------------------------------------------------

    def recognizer(self, grammar: Grammar = FREE, *, n_best: int = 5) -> PocketSphinxRecognizer:
        decoder = self._borrow()
        try:
            search = self._search(decoder, grammar)
        except BaseException:
            self._give_back(decoder)
            raise
        return PocketSphinxRecognizer(self, decoder, search, n_best)

    def recognize(
        self, pcm: Pcm, grammar: Grammar = FREE, *, n_best: int = 5, language: str = "en"
    ) -> Transcript:
        """``language`` is accepted for the interface: the model speaks English only."""
        recognizer = self.recognizer(grammar, n_best=n_best)
        recognizer.accept(pcm, whole=True)
        return recognizer.finish()


def write_language_model(grammar: Grammar, path: Path) -> None:
    """``grammar``'s trigram model, built from its phrases, words and examples: ARPA text, or
    PocketSphinx's binary form (loaded many times faster) when ``path`` ends in ``.bin``."""
    lines = (*grammar.phrases, *grammar.words, *grammar.examples)
    model = ArpaBoLM(text="\n".join(lines), add_start=True)
    model.compute()
    arpa = path if path.suffix != ".bin" else path.with_suffix(".arpa")
    with arpa.open("w", encoding="utf-8") as out:
        model.write(out)
    if arpa != path:
        ps.NGramModel.readfile(str(arpa)).write(str(path))
        arpa.unlink()


def _key(grammar: Grammar) -> str:
    """What a compiled grammar is known by: its name (equal names are the same grammar)."""
    return grammar.name or repr((grammar.phrases, grammar.words, grammar.strict))


def _search_name(key: str) -> str:
    """The grammar's search in a decoder: a short digest of its key."""
    return "g" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _words_of(grammar: Grammar) -> tuple[str, ...]:
    """The words a decoder needs pronunciations of for ``grammar``."""
    return tuple(sorted({w for text in (*grammar.phrases, *grammar.words) for w in text.split()}))


class _Decoder:
    """One PocketSphinx decoder and what has been added to it."""

    def __init__(self, decoder: ps.Decoder) -> None:
        self.decoder = decoder
        self.searches: OrderedDict[str, None] = OrderedDict()  # least recently used first
        self.known: set[str] = set()

    def add_words(self, words: tuple[str, ...]) -> None:
        unknown = [w for w in words if w not in self.known and self.decoder.lookup_word(w) is None]
        if unknown:
            made = list(pronounce(unknown).items())
            for at, (word, phones) in enumerate(made):
                self.decoder.add_word(word, " ".join(phones), at == len(made) - 1)
        self.known.update(words)


class PocketSphinxRecognizer:
    """One utterance on a borrowed decoder; ``finish`` returns the decoder to the pool."""

    def __init__(
        self, engine: PocketSphinxEngine, decoder: _Decoder, search: str, n_best: int
    ) -> None:
        self._engine = engine
        self._decoder: _Decoder | None = decoder
        self._n_best = max(1, n_best)
        self._audio_seconds = 0.0
        self._decode_seconds = 0.0
        self._last = ""
        decoder.decoder.activate_search(search)
        decoder.decoder.start_utt()

    def accept(self, pcm: Pcm, *, whole: bool = False) -> Partial | None:
        """Feed audio. ``whole``: this is the entire utterance, so cepstral mean normalisation
        uses its own mean (the streaming form starts from the mean of the decoder's last
        utterance, which is poor on a decoder's first one)."""
        if self._decoder is None:
            raise SpeechError("this recogniser has finished; take a new one per utterance")
        audio = resample(pcm, self._engine.sample_rate)
        began = time.perf_counter()
        self._decoder.decoder.process_raw(audio.samples, False, whole)
        self._decode_seconds += time.perf_counter() - began
        self._audio_seconds += audio.seconds
        hypothesis = self._decoder.decoder.hyp()
        text = _clean(hypothesis.hypstr) if hypothesis is not None else ""
        if text and text != self._last:
            self._last = text
            return Partial(text, final=False)
        return None

    def finish(self) -> Transcript:
        if self._decoder is None:
            raise SpeechError("this recogniser has already finished")
        decoder, self._decoder = self._decoder, None
        try:
            began = time.perf_counter()
            decoder.decoder.end_utt()
            alternatives = _alternatives(decoder.decoder, self._n_best)
            self._decode_seconds += time.perf_counter() - began
        finally:
            self._engine._give_back(decoder)
        return Transcript(
            alternatives=alternatives,
            engine=self._engine.name,
            audio_seconds=self._audio_seconds,
            decode_seconds=self._decode_seconds,
        )


def _clean(hypstr: str) -> str:
    return " ".join(w for w in hypstr.split() if not _filler(w))


def _filler(word: str) -> bool:
    return word.startswith(("<", "[", "+")) or not word


def _words(decoder: ps.Decoder) -> tuple[Word, ...]:
    words = []
    for segment in decoder.seg():
        text = segment.word.split("(")[0]
        if _filler(text):
            continue
        confidence = min(1.0, max(0.0, float(segment.prob)))
        words.append(
            Word(
                text,
                confidence,
                segment.start_frame / FRAMES_PER_SECOND,
                (segment.end_frame + 1) / FRAMES_PER_SECOND,
            )
        )
    return tuple(words)


def _alternatives(decoder: ps.Decoder, n_best: int) -> tuple[Alternative, ...]:
    hypothesis = decoder.hyp()
    if hypothesis is None or not _clean(hypothesis.hypstr):
        return ()
    words = _words(decoder)
    best_text = _clean(hypothesis.hypstr)
    best_confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
    others: list[tuple[str, int]] = []
    for candidate in decoder.nbest():
        if len(others) >= n_best * 3:
            break
        text = _clean(candidate.hypstr)
        if text and text != best_text and text not in {t for t, _ in others}:
            others.append((text, candidate.score))
    # The other hypotheses' confidences: their share of the n-best list's probability mass
    # (scores are log-probabilities in the decoder's log base), never above the best's.
    scale = log(float(decoder.config["logbase"]))
    top = max((score for _, score in others), default=0)
    best_score = max(top, hypothesis.best_score)
    masses = [exp((score - best_score) * scale) for _, score in others]
    total = 1.0 + sum(masses)
    alternatives = [Alternative(best_text, best_confidence, words)]
    for (text, _), mass in zip(others[: n_best - 1], masses, strict=False):
        alternatives.append(Alternative(text, min(best_confidence, mass / total)))
    return tuple(alternatives)
