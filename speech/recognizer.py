"""The one interface every recognition engine offers, and what it gives back.

An engine (PocketSphinx, Vosk, Whisper) loads its model once per process and is shared by every
thread; each utterance gets a recogniser of its own from :meth:`Engine.recognizer` (engines keep
per-utterance decoder state there). Audio handed to an engine is always :class:`speech.audio.Pcm`
at the engine's ``sample_rate``: decoding and resampling happen once, in ``speech.audio``.

What a caller said is personal data: ``Transcript`` and ``Alternative`` keep their text out of
``repr``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pathlib import Path

    from speech.audio import Pcm


@dataclass(frozen=True)
class Word:
    """One recognised word: its text, confidence in [0, 1] and times in seconds."""

    text: str = field(repr=False)
    confidence: float
    start: float
    end: float


@dataclass(frozen=True)
class Alternative:
    """One hypothesis of the n-best list; ``confidence`` in [0, 1]."""

    text: str = field(repr=False)
    confidence: float
    words: tuple[Word, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Transcript:
    """The result of one utterance: the best hypothesis first in ``alternatives``.

    An empty ``alternatives`` means nothing was recognised (silence, noise). ``engine`` names
    the engine and model; ``audio_seconds`` and ``decode_seconds`` give the real-time factor.
    """

    alternatives: tuple[Alternative, ...]
    engine: str
    audio_seconds: float = 0.0
    decode_seconds: float = 0.0

    @property
    def text(self) -> str:
        return self.alternatives[0].text if self.alternatives else ""

    @property
    def confidence(self) -> float:
        return self.alternatives[0].confidence if self.alternatives else 0.0

    @property
    def words(self) -> tuple[Word, ...]:
        return self.alternatives[0].words if self.alternatives else ()


@dataclass(frozen=True)
class Grammar:
    """What to bias recognition towards.

    ``phrases``: whole phrases the caller may say (menu words, "yes", street names with their
    suffixes); ``words``: single words that may be combined freely (number words, directionals).
    ``strict``: only these may be recognised (a menu); otherwise they are favoured but the free
    language model stays (an address, where a wrong street must not be forced onto the caller).
    An empty grammar is the free language model.
    """

    phrases: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    strict: bool = False
    name: str = ""  # for caching a compiled grammar: equal names are the same grammar
    # Sample utterances ("twelve thirty four washington street") for engines that build a
    # language model from the grammar: they teach it how words and phrases follow each other.
    examples: tuple[str, ...] = field(default=(), repr=False)

    @property
    def empty(self) -> bool:
        return not self.phrases and not self.words


FREE = Grammar()


@dataclass(frozen=True)
class Partial:
    """A result of the streaming form: ``final`` is False while the utterance goes on."""

    text: str = field(repr=False)
    final: bool
    transcript: Transcript | None = None  # set on a final result


class Recognizer(Protocol):
    """One utterance's recogniser. Not shared between threads."""

    def accept(self, pcm: Pcm) -> Partial | None:
        """Feed audio; returns a partial (or, at an end of speech, a final) result, or None."""
        ...

    def finish(self) -> Transcript:
        """The end of the audio: the final transcript of everything fed."""
        ...


class Engine(Protocol):
    """A loaded model, shared by every thread of the process.

    ``languages``: the ISO 639-1 codes its model speaks ("en", "es"), so a caller can choose an
    engine for a call's language; ``recognize`` takes the call's language (engines whose model
    speaks one language accept it and ignore it).
    """

    name: str
    sample_rate: int
    languages: tuple[str, ...]

    def recognizer(self, grammar: Grammar = FREE, *, n_best: int = 5) -> Recognizer: ...

    def prepare(self, grammar: Grammar) -> None:
        """Make ``grammar`` ready now (compiled, loaded), so no caller waits on it later."""
        ...

    def recognize(
        self, pcm: Pcm, grammar: Grammar = FREE, *, n_best: int = 5, language: str = "en"
    ) -> Transcript:
        """A whole utterance at once (decoded and resampled already), said in ``language``."""
        ...


@runtime_checkable
class TakesCompiledModels(Protocol):
    """What an engine that compiles an open grammar into a trigram language model offers
    besides :class:`Engine`: being handed that model as a file instead (PocketSphinx; the
    city's street models are kept on disk by :mod:`speech.grammar_cache`). Engines that build
    nothing from a grammar's samples (Whisper takes a prompt, Vosk a word list) do not."""

    def use_compiled(self, grammar: Grammar, model_file: Path) -> None:
        """``model_file`` is ``grammar``'s compiled model: load it, do not compile it."""
        ...


def stream(recognizer: Recognizer, frames: Iterable[Pcm]) -> Iterator[Partial]:
    """Feed ``frames`` one by one, yielding every partial result, then the final one."""
    for frame in frames:
        partial = recognizer.accept(frame)
        if partial is not None:
            yield partial
    transcript = recognizer.finish()
    yield Partial(transcript.text, final=True, transcript=transcript)


def best_texts(transcript: Transcript, limit: int = 5) -> Sequence[str]:
    """The n-best texts, best first, without repeats or empties."""
    seen = dict.fromkeys(a.text for a in transcript.alternatives[:limit] if a.text.strip())
    return tuple(seen)
