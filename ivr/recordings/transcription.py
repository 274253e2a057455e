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

Grammars: ``streets`` (a whole address: number words, the gazetteer's street names, and a
language model learnt from the gazetteer's real addresses), ``street_names`` (a street alone,
after the house number was keyed in), ``free`` (the free language model, for a description)
and ``menu`` (free as well: a job carries no phrase list). The street grammars are built once
per process from the gazetteer (:meth:`Transcriber.warm_up` does it at start-up).

A street said after a keyed house number is recognised among the streets that have that number
only (the job's ``context`` carries the number; :mod:`ivr.addresses.number_streets`): a strict
grammar of a few streets, where the whole city's streets would leave a noisy line many to
confuse. A number no street has falls back to every street.

For an address the n-best list is read with the address resolver ``IVR_GEOCODER`` names (the
gazetteer or a remote geocoder; the job runs outside any call's lock): the first alternative
that names a known address confidently is the one returned (the recogniser's best may have
misheard the number as a word the resolver cannot place), else the recogniser's best. The
flow's own lookup then resolves the returned text as it would any spoken answer, and reads it
back. The street grammars come from the gazetteer whichever resolver places the readings.

Nothing here raises for bad audio: a corrupt file, silence or noise give an empty text and the
flow's fallback (the keypad). A recording without speech (:mod:`speech.activity`) is not
decoded at all. Only what time can fix raises :class:`RetryLater`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import httpx

from ivr.addresses.types import AddressResolver, MatchLevel
from ivr.jobs.queue import JobRequest
from ivr.jobs.runner import RetryLater
from ivr.recordings.download import (
    RecordingError,
    RecordingNotReady,
    RecordingRefused,
    fetch_recording,
)
from ivr.recordings.marks import (
    AUTOMATIC,
    NO_MODEL,
    NOT_HERE,
    NOTHING,
    UNAVAILABLE,
    UNREADABLE,
    UNSURE,
)
from ivr.settings import Settings
from speech.errors import SpeechError
from speech.recognizer import FREE, Engine, Grammar, best_texts

if TYPE_CHECKING:
    from ivr.addresses.geocoder import GazetteerGeocoder

log = logging.getLogger(__name__)

STREET_GRAMMARS = ("streets", "street_names")
# Languages the engines' models speak. Street names are names, said alike in any language,
# so ``street_names`` is recognised whatever the call's language.
MODEL_LANGUAGES = ("en",)
N_BEST = 5


class Transcriber:
    """The ``transcribe`` job handler; one per process, shared by the runner's threads.

    ``engine``: returns the loaded engine (loaded on first use, cached by ``speech.engines``).
    ``street_names``: returns the gazetteer's street names, as people say them; ``addresses``:
    its (house number, street) pairs; ``streets_at``: the streets that have a house number.
    ``resolver``: the configured address resolver, to read an address's n-best list;
    ``confident_score``: what counts as a confident place.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        http: httpx.Client,
        engine: Callable[[], Engine],
        street_names: Callable[[], Sequence[str]],
        addresses: Callable[[], Iterable[tuple[int, str]]] = lambda: (),
        streets_at: Callable[[int], Sequence[str]] | None = None,
        resolver: AddressResolver | None = None,
        confident_score: float = 0.0,
    ) -> None:
        self._settings = settings
        self._http = http
        self._engine = engine
        self._street_names = street_names
        self._addresses = addresses
        self._streets_at = streets_at
        self._resolver = resolver
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
        context = data.get("context")
        return self.transcribe(
            audio,
            slot=slot,
            grammar_name=grammar_name,
            context=context if isinstance(context, Mapping) else {},
        )

    def transcribe(
        self,
        audio: bytes,
        *,
        slot: str,
        grammar_name: str,
        context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Recognise a recording's bytes (a WAV file) for ``slot``; ``context``: slots the
        flow passes along (``house_number`` narrows a street to those with that number)."""
        from speech.activity import has_speech
        from speech.audio import decode, resample

        engine = self._engine()
        try:
            pcm = resample(decode(audio), engine.sample_rate)
        except SpeechError as reason:
            log.info("recording not readable", extra={"reason": str(reason)[:200]})
            return _without_text(slot, UNREADABLE)
        if not has_speech(pcm):  # a recogniser would explain silence as some street
            return _without_text(slot, NOTHING, engine=engine.name)
        grammar = self.grammar(grammar_name, context)
        transcript = engine.recognize(pcm, grammar, n_best=N_BEST)
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
        source = AUTOMATIC
        if grammar_name == "streets" and confidence < self._settings.min_address_confidence:
            # Every wrong address the evaluation read back was heard this unsurely, and no
            # right one was: the keypad path asks again instead. The words stay for staff.
            chosen, source = "", UNSURE
        return {
            "text": chosen,
            "slots": {
                f"{slot}_alternatives": " | ".join(texts),
                f"{slot}_confidence": f"{confidence:.2f}",
                f"{slot}_engine": transcript.engine,
                f"{slot}_source": source,
                f"{slot}_audio_seconds": f"{transcript.audio_seconds:.2f}",
                f"{slot}_decode_seconds": f"{transcript.decode_seconds:.3f}",
            },
        }

    def grammar(self, name: str, context: Mapping[str, Any] | None = None) -> Grammar:
        """The grammar named by a flow's record state; the city-wide ones built once."""
        if name not in STREET_GRAMMARS:
            return FREE
        if name == "street_names":
            narrowed = self._numbered_streets(str((context or {}).get("house_number") or ""))
            if narrowed is not None:
                return narrowed
        with self._lock:
            if name not in self._grammars:
                self._grammars[name] = self._street_grammar(name)
            return self._grammars[name]

    def warm_up(self) -> None:
        """Load the engine and build the address grammar now (seconds), not on a first caller."""
        began = time.perf_counter()
        try:
            self._engine().prepare(self.grammar("streets"))
        except Exception:  # a broken model is reported by the first job, kindly, to the flow
            log.exception("the recogniser could not be warmed up")
            return
        log.info("recogniser ready", extra={"seconds": round(time.perf_counter() - began, 2)})

    def _street_grammar(self, name: str) -> Grammar:
        from speech.grammars import street_grammar, street_name_grammar

        if name == "streets":
            return street_grammar(self._street_names(), self._addresses())
        return street_name_grammar(self._street_names())

    def _numbered_streets(self, house_number: str) -> Grammar | None:
        """A strict grammar of the streets that have ``house_number`` (digits, perhaps with a
        letter: "12A" counts as 12); None without a number or when no street has it."""
        from speech.grammars import numbered_street_grammar

        digits = re.match(r"\d{1,6}", house_number.strip())
        if digits is None or self._streets_at is None:
            return None
        streets = self._streets_at(int(digits.group()))
        return numbered_street_grammar(streets) if streets else None

    def _placeable(self, texts: Sequence[str]) -> str | None:
        """The alternative to pass on: the recogniser's best when the resolver finds an
        address in it (the flow then judges its score); else the first lower alternative the
        resolver places confidently (or finds on a street of several places), if any.

        A lower alternative is read only when the best names no address: lower ones often add
        a stray word the parser drops ("twenty charles street wood"), and one of those read
        back with confidence was the evaluation's only confidently wrong address."""
        if self._resolver is None:
            return None
        for rank, text in enumerate(texts):
            results = self._resolver.resolve(text)
            best = next((r for r in results if r.matched), None)
            if best is None or best.number_not_placed:
                continue  # a number heard that the street found does not have
            if rank == 0 and best.level is not MatchLevel.STREET:
                return text
            # An ambiguous street is the caller's to settle (by postal code), not a miss.
            if best.ambiguous or best.score >= self._confident:
                return text
        return None


def not_transcribed(job: JobRequest) -> Mapping[str, Any]:
    """The ``transcribe`` handler of a gateway whose speech Twilio recognises
    (``IVR_RECOGNIZER=twilio``): a description recording goes to staff as it is."""
    return _without_text(str(job.data.get("slot") or "recording"), NOT_HERE)


def _without_text(slot: str, source: str, *, engine: str = "") -> dict[str, Any]:
    slots = {f"{slot}_source": source}
    if engine:
        slots[f"{slot}_engine"] = engine
    return {"text": "", "slots": slots}


def transcriber_for(
    settings: Settings, *, gazetteer: GazetteerGeocoder, resolver: AddressResolver
) -> Transcriber:
    """The process's transcriber: the configured engine (loaded on the first job), street
    grammars from ``gazetteer`` (the call desk's index: one copy in memory), readings of an
    address placed by ``resolver`` (what ``IVR_GEOCODER`` names), and an HTTP client for
    recordings (redirects are followed by hand, to allowed hosts only)."""
    from ivr.addresses.number_streets import StreetsByNumber, numbered_addresses
    from ivr.addresses.scoring import CONFIDENT_SCORE
    from ivr.addresses.streets import speakable_street
    from speech.engines import load_engine

    streets_by_number = StreetsByNumber()
    spoken = lru_cache(maxsize=None)(speakable_street)  # "Washington St" → "Washington Street"

    def said(names: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(spoken(name) for name in names))

    def addresses() -> Iterable[tuple[int, str]]:
        return ((n, spoken(s)) for n, s in numbered_addresses(gazetteer.index))

    return Transcriber(
        settings=settings,
        http=httpx.Client(timeout=settings.twilio_timeout, follow_redirects=False),
        engine=lambda: load_engine(settings.recognizer, model_dir=settings.vosk_model),
        street_names=lambda: said(gazetteer.index.street_names()),
        addresses=addresses,
        streets_at=lambda number: said(streets_by_number(gazetteer.index, number)),
        resolver=resolver,
        confident_score=CONFIDENT_SCORE,
    )


def warm_up_in_background(handlers: Mapping[str, Any]) -> threading.Thread | None:
    """Ready the recogniser of ``handlers["transcribe"]`` (model, the city's address grammar)
    on a thread of its own, so the first caller does not wait seconds for it; jobs that come
    sooner simply wait for the load. None when the handler is not a :class:`Transcriber`."""
    transcriber = handlers.get("transcribe")
    if not isinstance(transcriber, Transcriber):
        return None
    thread = threading.Thread(target=transcriber.warm_up, name="voice311-warm-up", daemon=True)
    thread.start()
    return thread
