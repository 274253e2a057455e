"""Whisper (faster-whisper, CTranslate2) on the CPU: free speech in the caller's language.

``WhisperEngine(model)`` loads a model :mod:`speech.whisper_models` has checked (``"tiny.en"``,
``"base"`` or a downloaded model's directory) once, int8 on the CPU; every thread shares it
(CTranslate2 queues concurrent calls). ``languages`` are the ISO 639-1 codes the model speaks
(tiny.en: English only; base: its 99 languages, Spanish among them).

Decoding, chosen by measurement (docs/speech.md, ``benchmarks/speech_engines.py``):

- the call's ``language`` is forced, never detected (detection once chose Thai for Spanish
  telephone speech), and refused with a SpeechError when the model does not speak it;
- one temperature (0): faster-whisper's fallback to higher temperatures re-decodes an unsure
  utterance up to five times (12 s for 2.6 s of Spanish), far beyond the read-back budget;
- at most :func:`token_budget` tokens per 30 s window (8 a second of audio, plus 12): a
  repetition loop ("4, 30, 8, 8, 8, 7, 8, …") stops there instead of at 448 tokens;
- no timestamps, ``condition_on_previous_text`` off (an utterance is one short window), no VAD
  filter (the gateway decides whether there is speech, :mod:`speech.activity`);
- a grammar becomes at most a short ``initial_prompt`` (:func:`prompt_for`), since Whisper
  takes no word list: none for free speech; for an address, a generic address sentence in the
  call's language; for a strict grammar of a few phrases (the streets that have a keyed house
  number), the phrases themselves.

Confidence: ``exp`` of the mean token log-probability, times the chance the window holds
speech (``1 - no_speech_prob``). One alternative: faster-whisper returns the beam's best only,
and a second pass for another hypothesis would double the decode time. Words carry no times
(timestamps are off), so ``Transcript.words`` is empty.
"""

from __future__ import annotations

import math
import os
import re
import time
from typing import Any

import numpy as np

from speech.audio import Pcm, resample
from speech.errors import ModelError, SpeechError
from speech.recognizer import FREE, Alternative, Grammar, Partial, Transcript
from speech.whisper_models import locate

DEFAULT_MODEL = "tiny.en"
# Measured on the 2-core machine (docs/speech.md): beam 5 on 2 threads keeps a 3-8 s address
# near 0.6 s (tiny.en) and 1 s (base) of decode. Free speech (a description) is decoded with
# the beam; an address or a street greedily (the caller waits for its read-back: 0.47 s
# against 0.60 s on five addresses, the same words or better).
BEAM_SIZE = 5
CPU_THREADS = min(2, os.cpu_count() or 1)
# Whisper encodes a 30 s window whatever the utterance's length: 0.48 s of a 0.5 s decode for
# a 3 s address (tiny.en). CTranslate2's encoder takes a shorter window: the audio and
# WINDOW_MARGIN seconds of quiet, at least WINDOW_SECONDS. Measured on 120 held-out addresses
# (benchmarks/calibrate_engines.py, both cities, five voices, clean and noisy): decode p50
# 0.16 s against 0.48 s, Whisper's placed readings right 44 of 56 against 39 of 59, and the
# gateway's choice at the gate unchanged (74 right, 16 wrong). Shorter than 10 s, Whisper
# began to repeat itself. 0: always the whole 30 s window. Free speech (a description, which
# nobody waits for) keeps the whole window: on the whole-call evaluation the short one took
# Boston's clean descriptions from 7.7 % to 14.5 % word error rate. Spanish keeps it too: not
# measured at scale, and base heard "438 Washington Fred" where the whole window heard Street.
WINDOW_SECONDS = 10.0
WINDOW_MARGIN = 2.0
WINDOW_LANGUAGES = ("en",)
NO_SPEECH, UNSURE_LOGPROB = 0.6, -1.0  # faster-whisper's thresholds for a silent window
SILENT_CONFIDENCE = 0.05
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_LISTED = 15  # phrases of a strict grammar put in the prompt; more, and none are

# No street or number in them: a prompt with an example ("The address is 1250 Elm Street.")
# was copied into the transcript for 3 of 20 English and 3 of 12 Spanish callers, a wrong
# street that could be read back (benchmarks/speech_engines.py).
ADDRESS_PROMPTS = {
    "en": "The caller's address, house number in digits:",
    "es": "La dirección de la persona que llama, con el número en cifras:",
}


def token_budget(seconds: float) -> int:
    """Tokens a window of ``seconds`` may produce: far above fast speech (~5 a second)."""
    return min(200, 12 + int(8 * min(30.0, seconds)))


def prompt_for(grammar: Grammar, language: str) -> str | None:
    """The ``initial_prompt`` a grammar gives Whisper in ``language``; None for free speech."""
    if grammar.empty:
        return None
    if grammar.strict:
        if len(grammar.phrases) > MAX_LISTED:
            return None
        # "washington street" and "washington" both listed: say only the longer one.
        longest = [
            phrase
            for phrase in grammar.phrases
            if not any(other.startswith(f"{phrase} ") for other in grammar.phrases)
        ]
        return ", ".join(phrase.title() for phrase in longest) + "." if longest else None
    if grammar.words:  # house-number words beside the streets: a whole address
        return ADDRESS_PROMPTS.get(language)  # no prompt rather than one in another language
    return None


class WhisperEngine:
    """A Whisper model loaded once per process; shared by every thread."""

    sample_rate = 16000

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        beam_size: int = BEAM_SIZE,
        cpu_threads: int = CPU_THREADS,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        checked = locate(model or DEFAULT_MODEL)
        from faster_whisper import WhisperModel  # imported here: slow, and only where used

        try:
            self._model = WhisperModel(
                checked.path,
                device="cpu",
                compute_type="int8",
                cpu_threads=cpu_threads,
                files=checked.files,
            )
        except (RuntimeError, ValueError, OSError) as error:
            raise ModelError(
                f"Whisper model {checked.name} could not be loaded: {str(error)[:300]}"
            ) from None
        self.name = f"whisper {checked.name}"
        self.languages: tuple[str, ...] = tuple(self._model.supported_languages)
        self.beam_size = max(1, beam_size)
        self.window_seconds = window_seconds
        self._prepared = False

    def prepare(self, grammar: Grammar) -> None:
        """Decode one second of quiet noise once, so that the first caller does not pay for
        CTranslate2's first decode (3.7 s for base, measured). A grammar is only a prompt:
        nothing to build for it."""
        if self._prepared:
            return
        noise = np.random.default_rng(0).normal(0.0, 30.0, self.sample_rate)
        language = "en" if "en" in self.languages else self.languages[0]
        self.recognize(Pcm.from_array(noise, self.sample_rate), grammar, language=language)
        self._prepared = True

    def recognizer(
        self, grammar: Grammar = FREE, *, n_best: int = 5, language: str = "en"
    ) -> WhisperRecognizer:
        return WhisperRecognizer(self, grammar, language)

    def recognize(
        self, pcm: Pcm, grammar: Grammar = FREE, *, n_best: int = 5, language: str = "en"
    ) -> Transcript:
        """One utterance. ``n_best`` is accepted for the interface; one alternative comes back."""
        code = language.split("-")[0].lower()
        if code not in self.languages:
            raise SpeechError(f"{self.name} does not speak {language!r}")
        audio = resample(pcm, self.sample_rate)
        if not audio.samples:
            return Transcript((), engine=self.name)
        samples = audio.array.astype(np.float32) / 32768.0
        began = time.perf_counter()
        beam = self.beam_size if grammar.empty else 1
        prompt = prompt_for(grammar, code)
        try:
            if self._short_window(grammar, code, audio.seconds):
                alternatives = self._decode_window(samples, code, beam, prompt, audio.seconds)
            else:
                alternatives = self._decode_whole(samples, code, beam, prompt, audio.seconds)
        except Exception as error:  # CTranslate2/numpy errors: the caller needs one kind
            raise SpeechError(f"{self.name} could not decode: {type(error).__name__}") from None
        return Transcript(
            alternatives=alternatives,
            engine=self.name,
            audio_seconds=audio.seconds,
            decode_seconds=time.perf_counter() - began,
        )

    def _short_window(self, grammar: Grammar, code: str, seconds: float) -> bool:
        """An English address or street said alone, under 28 s (see WINDOW_SECONDS)."""
        return (
            bool(self.window_seconds)
            and not grammar.empty
            and code in WINDOW_LANGUAGES
            and (seconds + WINDOW_MARGIN <= 30)
        )

    def _decode_whole(
        self, samples: Any, code: str, beam: int, prompt: str | None, seconds: float
    ) -> tuple[Alternative, ...]:
        """faster-whisper's own path: the audio padded to Whisper's 30 s window."""
        segments, _ = self._model.transcribe(
            samples,
            language=code,
            beam_size=beam,
            temperature=0.0,
            initial_prompt=prompt,
            max_new_tokens=token_budget(seconds),
            without_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return _alternatives(list(segments))  # decoding happens while the generator is read

    def _decode_window(
        self, samples: Any, code: str, beam: int, prompt: str | None, seconds: float
    ) -> tuple[Alternative, ...]:
        """The same decode on a shorter encoder window, for an address or a street said alone
        (see WINDOW_SECONDS)."""
        import ctranslate2
        from faster_whisper.tokenizer import Tokenizer

        model = self._model
        window = max(self.window_seconds, seconds + WINDOW_MARGIN)
        frames = round(window * 100) // 2 * 2  # 10 ms mel frames, an even count
        padded = np.zeros(int(window * model.feature_extractor.sampling_rate), np.float32)
        padded[: len(samples)] = samples[: len(padded)]
        features = model.feature_extractor(padded)[:, :frames]
        tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=code
        )
        tokens: list[int] = []
        if prompt:
            tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt.strip())]
        tokens += [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        encoded = model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None])),
            to_cpu=False,
        )
        result = model.model.generate(
            encoded,
            [tokens],
            beam_size=beam,
            max_length=len(tokens) + token_budget(seconds),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
        )[0]
        ids = result.sequences_ids[0]
        text = without_repeats(" ".join(tokenizer.decode(ids).split()))
        if not any(ch.isalnum() for ch in text):
            return ()
        mean_logprob = result.scores[0] * len(ids) / (len(ids) + 1)
        confidence = _confidence(mean_logprob, float(result.no_speech_prob))
        if result.no_speech_prob > NO_SPEECH and (
            mean_logprob < UNSURE_LOGPROB or confidence < SILENT_CONFIDENCE
        ):
            # faster-whisper drops a window as silence on its first two conditions; on two
            # seconds of digital silence the short window also gave one token at 0.009
            return ()
        return (Alternative(text, confidence),)


def without_repeats(text: str) -> str:
    """``text`` without the sentences that say an earlier one again: with the short window,
    Whisper sometimes says an address twice ("It's at 438 Harrison Avenue. It's at 438 Harrison
    Avenue."), which would read as a house number after the street. The last sentence may
    come without its full stop, so sentences are compared without their end marks."""
    kept: list[str] = []
    said: set[str] = set()
    for sentence in SENTENCE_END.split(text):
        key = sentence.rstrip(".!? ").casefold()
        if key not in said:
            said.add(key)
            kept.append(sentence)
    return " ".join(kept)


def _alternatives(segments: list[Any]) -> tuple[Alternative, ...]:
    text = " ".join(" ".join(s.text.split()) for s in segments).strip()
    if not any(ch.isalnum() for ch in text):
        return ()
    tokens = [max(1, len(s.tokens)) for s in segments]
    mean_logprob = sum(s.avg_logprob * n for s, n in zip(segments, tokens, strict=True)) / sum(
        tokens
    )
    no_speech = max(float(s.no_speech_prob) for s in segments)
    return (Alternative(text, _confidence(mean_logprob, no_speech)),)


def _confidence(mean_logprob: float, no_speech_prob: float) -> float:
    """The module docstring's confidence: exp of the mean token log-probability, times the
    chance the window holds speech."""
    return min(1.0, max(0.0, math.exp(min(0.0, mean_logprob)) * (1.0 - no_speech_prob)))


class WhisperRecognizer:
    """The streaming form for Whisper: audio is buffered and decoded at ``finish()`` (Whisper
    hears a whole window at once; partial results would cost a decode each)."""

    def __init__(self, engine: WhisperEngine, grammar: Grammar, language: str) -> None:
        self._engine = engine
        self._grammar = grammar
        self._language = language
        self._chunks: list[bytes] = []
        self._finished = False

    def accept(self, pcm: Pcm) -> Partial | None:
        if self._finished:
            raise SpeechError("this recogniser has finished; take a new one per utterance")
        self._chunks.append(resample(pcm, self._engine.sample_rate).samples)
        return None

    def finish(self) -> Transcript:
        if self._finished:
            raise SpeechError("this recogniser has already finished")
        self._finished = True
        pcm = Pcm(b"".join(self._chunks), self._engine.sample_rate)
        self._chunks = []
        return self._engine.recognize(pcm, self._grammar, language=self._language)
