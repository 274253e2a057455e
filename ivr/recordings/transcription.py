"""The ``transcribe`` job: a caller's recording → what they said, reported to their call.

The handler downloads the recording (:mod:`ivr.recordings.download`), decodes it once to the
engine's rate (``speech.audio``), recognises it with the grammar the flow's ``record`` state
names, and returns ``{"text": best, "slots": {...}}``; the dialog engine puts ``text`` into the
state's slot and the rest beside it:

- ``<slot>_alternatives``: the n-best texts, ``" | "``-joined (staff see them with the call);
- ``<slot>_confidence``: the engine's confidence in the text chosen, two decimals;
- ``<slot>_engine``: the engine and model;
- ``<slot>_source``: ``automatic transcript``, or why there is none (``nothing recognised``,
  ``recording unavailable``, ``recording unreadable``, ``not transcribed: no <lang> model``).

Grammars: ``streets`` (a whole address: number words and the gazetteer's street names),
``street_names`` (a street alone, after the house number was keyed in), ``free`` (the free
language model, for a description) and ``menu`` (free as well: a job carries no phrase list).
The street grammars are built once per process from the gazetteer.

For an address the n-best list is read with the gazetteer: the first alternative that names a
known address confidently is the one returned (the recogniser's best may have misheard the
number as a word the gazetteer cannot place), else the recogniser's best. The flow's own lookup
then resolves the returned text as it would any spoken answer, and reads it back.

Nothing here raises for bad audio: a corrupt file, silence or noise give an empty text and the
flow's fallback (the keypad). Only what time can fix raises :class:`RetryLater`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from ivr.dialog.context import AddressResolver
from ivr.jobs.queue import JobRequest
from ivr.jobs.runner import RetryLater
from ivr.recordings.download import (
    RecordingError,
    RecordingNotReady,
    RecordingRefused,
    fetch_recording,
)
from ivr.recordings.marks import AUTOMATIC, NO_MODEL, NOTHING, UNAVAILABLE, UNREADABLE
from ivr.settings import Settings
from speech.recognizer import FREE, Engine, Grammar, SpeechError, best_texts

log = logging.getLogger(__name__)

STREET_GRAMMARS = ("streets", "street_names")
# Languages the engines' models speak. Street names are names, said alike in any language,
# so ``street_names`` is recognised whatever the call's language.
MODEL_LANGUAGES = ("en",)
N_BEST = 5


class Transcriber:
    """The ``transcribe`` job handler; one per process, shared by the runner's threads.

    ``engine``: returns the loaded engine (loaded on first use, cached by ``speech.engines``).
    ``street_names``: returns the gazetteer's street names. ``resolve``: the gazetteer lookup,
    to read an address's n-best list; ``confident_score``: what counts as a confident place.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        http: httpx.Client,
        engine: Callable[[], Engine],
        street_names: Callable[[], Sequence[str]],
        resolve: AddressResolver | None = None,
        confident_score: float = 0.0,
    ) -> None:
        self._settings = settings
        self._http = http
        self._engine = engine
        self._street_names = street_names
        self._resolve = resolve
        self._confident = confident_score
        self._grammars: dict[str, Grammar] = {}
        self._lock = threading.Lock()

    def __call__(self, job: JobRequest) -> Mapping[str, Any]:
        data = job.data
        slot = str(data.get("slot") or "recording")
        grammar_name = str(data.get("grammar") or "free")
        language = str(data.get("language") or "en").split("-")[0].lower()
        if language not in MODEL_LANGUAGES and grammar_name != "street_names":
            return _without_text(slot, NO_MODEL.format(language=language))
        try:
            audio = fetch_recording(
                str(data.get("recording_url", "")), http=self._http, settings=self._settings
            )
        except RecordingNotReady as reason:
            raise RetryLater(str(reason)) from None
        except RecordingRefused as reason:
            log.warning("recording refused", extra={"job_id": job.id, "reason": str(reason)})
            return _without_text(slot, UNAVAILABLE)
        except RecordingError as reason:
            log.info("recording unavailable", extra={"job_id": job.id, "reason": str(reason)})
            return _without_text(slot, UNAVAILABLE)
        return self.transcribe(audio, slot=slot, grammar_name=grammar_name)

    def transcribe(self, audio: bytes, *, slot: str, grammar_name: str) -> dict[str, Any]:
        """Recognise a recording's bytes (a WAV file) for ``slot``."""
        from speech.audio import decode, resample

        engine = self._engine()
        try:
            pcm = resample(decode(audio), engine.sample_rate)
        except SpeechError as reason:
            log.info("recording not readable", extra={"reason": str(reason)[:200]})
            return _without_text(slot, UNREADABLE)
        transcript = engine.recognize(pcm, self.grammar(grammar_name), n_best=N_BEST)
        texts = list(best_texts(transcript, N_BEST))
        if not texts:
            return _without_text(slot, NOTHING, engine=transcript.engine)
        chosen = texts[0]
        if grammar_name in STREET_GRAMMARS:
            chosen = self._placeable(texts) or chosen
        confidence = next(
            (a.confidence for a in transcript.alternatives if a.text == chosen),
            transcript.confidence,
        )
        return {
            "text": chosen,
            "slots": {
                f"{slot}_alternatives": " | ".join(texts),
                f"{slot}_confidence": f"{confidence:.2f}",
                f"{slot}_engine": transcript.engine,
                f"{slot}_source": AUTOMATIC,
                f"{slot}_audio_seconds": f"{transcript.audio_seconds:.2f}",
                f"{slot}_decode_seconds": f"{transcript.decode_seconds:.3f}",
            },
        }

    def grammar(self, name: str) -> Grammar:
        """The grammar named by a flow's record state, built once per process."""
        if name not in STREET_GRAMMARS:
            return FREE
        with self._lock:
            if name not in self._grammars:
                self._grammars[name] = self._street_grammar(name)
            return self._grammars[name]

    def _street_grammar(self, name: str) -> Grammar:
        from speech.grammars import street_grammar

        full = street_grammar(self._street_names())
        if name == "streets":
            return full
        return Grammar(phrases=full.phrases, strict=False, name=f"names-{full.name}")

    def _placeable(self, texts: Sequence[str]) -> str | None:
        """The first alternative the gazetteer places confidently (or finds on a street of
        several places), if any."""
        if self._resolve is None:
            return None
        for text in texts:
            results = self._resolve(text)
            best = next((r for r in results if r.matched), None)
            # An ambiguous street is the caller's to settle (by postal code), not a miss.
            if best is not None and (best.ambiguous or best.score >= self._confident):
                return text
        return None


def _without_text(slot: str, source: str, *, engine: str = "") -> dict[str, Any]:
    slots = {f"{slot}_source": source}
    if engine:
        slots[f"{slot}_engine"] = engine
    return {"text": "", "slots": slots}


def transcriber_for(settings: Settings, rt: Any) -> Transcriber:
    """The process's transcriber: the configured engine (loaded on the first job), the
    gazetteer of ``rt``'s store for street names and n-best reading, an HTTP client for
    recordings (redirects are followed by hand, to allowed hosts only)."""
    from ivr.addresses.geocoder import GazetteerGeocoder
    from ivr.addresses.scoring import CONFIDENT_SCORE
    from speech.engines import load_engine

    geocoder = GazetteerGeocoder.from_engine(rt.engine)
    return Transcriber(
        settings=settings,
        http=httpx.Client(timeout=settings.twilio_timeout, follow_redirects=False),
        engine=lambda: load_engine(settings.recognizer, model_dir=settings.vosk_model),
        street_names=lambda: geocoder.index.street_names(),
        resolve=geocoder.resolve,
        confident_score=CONFIDENT_SCORE,
    )
