"""The ``transcribe`` job: a caller's recording → what they said, reported to their call.

The handler downloads the recording (:mod:`ivr.recordings.download`), decodes it once
(``speech.audio``), lets the engines ``IVR_RECOGNIZER`` names hear it
(:mod:`ivr.recordings.hearing`: for an address, Whisper and PocketSphinx side by side), chooses
a reading (:mod:`ivr.recordings.readings`), and returns ``{"text": chosen, "slots": {...}}``;
the dialog engine puts ``text`` into the state's slot and the rest beside it:

- ``<slot>_alternatives``: every engine's n-best texts, ``" | "``-joined (staff see them);
- ``<slot>_confidence``: the calibrated confidence of the reading chosen, two decimals;
- ``<slot>_engine``: the engine and model whose reading was chosen;
- ``<slot>_source``: ``automatic transcript``, or why there is none (``nothing recognised``,
  ``recording unavailable``, ``recording unreadable``, ``not transcribed: no <lang> model``,
  ``heard too unsurely to read back``);
- ``<slot>_audio_seconds``, ``<slot>_decode_seconds`` (the engines' decode time, summed).

Grammars by name (``streets``, ``street_names``, ``free``, ``menu``), the street ones built once
per process from the gazetteer or loaded from the grammar cache, narrowed by a keyed house
number: :mod:`ivr.recordings.city_grammars`. :meth:`Transcriber.warm_up` readies them, and the
engines, at start-up.

The confidence gate: a reading for either street grammar whose calibrated confidence is below
``IVR_MIN_ADDRESS_CONFIDENCE`` is not passed on (the text is empty, the words stay in
``_alternatives`` for staff): the flow's next repair asks again instead of reading it back.

Nothing here raises for bad audio: a corrupt file, silence or noise give an empty text and the
flow's fallback (the keypad). A recording without speech (:mod:`speech.activity`) is not
decoded at all. Only what time can fix raises :class:`RetryLater`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ivr.addresses.remembered import RememberedLookups
from ivr.addresses.types import AddressResolver, GeocodeResult
from ivr.jobs.queue import JobRequest
from ivr.jobs.runner import RetryLater
from ivr.metrics.instruments import observe_recognition
from ivr.recordings.city_grammars import STREET_GRAMMARS, CityGrammars
from ivr.recordings.download import (
    RecordingError,
    RecordingNotReady,
    RecordingRefused,
    fetch_recording,
)
from ivr.recordings.hearing import EngineChoice, EngineSpec, Heard, Listener
from ivr.recordings.marks import (
    AUTOMATIC,
    NO_ENGINE,
    NO_MODEL,
    NOT_HERE,
    NOTHING,
    UNAVAILABLE,
    UNREADABLE,
    UNSURE,
)
from ivr.recordings.readings import Reading, choose_reading, settled
from ivr.settings import Settings
from speech.errors import SpeechError
from speech.grammar_cache import GrammarCache
from speech.recognizer import FREE, Engine, Grammar, best_texts

if TYPE_CHECKING:
    from ivr.addresses.geocoder import GazetteerGeocoder

log = logging.getLogger(__name__)

N_BEST = 5


@dataclass(frozen=True)
class Hearing:
    """What the engines heard in one recording: ``source`` as the slot says it (an automatic
    transcript, or why there is none), ``engines`` the engines' names, ``heard`` each engine's
    transcript, ``chosen`` the reading passed to the flow."""

    source: str
    engines: str
    heard: tuple[Heard, ...] | list[Heard] = ()
    chosen: Reading | None = None
    audio_seconds: float = 0.0
    decode_seconds: float = 0.0


class Transcriber:
    """The ``transcribe`` job handler; one per process, shared by the runner's threads.

    ``engines``: the engines that hear a recording for a grammar in a language
    (:meth:`ivr.recordings.hearing.EngineChoice.engines`: loaded on first use, cached by
    ``speech.engines``). ``street_names``: the gazetteer's street names, as people say them;
    ``addresses``: its (house number, street) pairs; ``streets_at``: the streets that have a
    house number. ``resolver``: the configured address resolver, to read every engine's
    hypotheses; ``confident_score``: what counts as a confident place.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        http: httpx.Client,
        engines: Callable[[str, str], Sequence[Engine]],
        street_names: Callable[[], Sequence[str]],
        addresses: Callable[[], Iterable[tuple[int, str]]] = lambda: (),
        streets_at: Callable[[int], Sequence[str]] | None = None,
        resolver: AddressResolver | None = None,
        confident_score: float = 0.0,
        warm_languages: Sequence[str] = ("en",),
        grammar_cache: GrammarCache | None = None,
    ) -> None:
        self._settings = settings
        self._http = http
        self._engines = engines
        self._resolver = resolver
        self._confident = confident_score
        self._warm_languages = tuple(warm_languages)
        self._grammars = CityGrammars(
            street_names=street_names,
            addresses=addresses,
            streets_at=streets_at,
            engines=engines,
            languages=self._warm_languages,
            cache=grammar_cache,
        )
        self._listener = Listener()

    def __call__(self, job: JobRequest) -> Mapping[str, Any]:
        data = job.data
        slot = str(data.get("slot") or "recording")
        grammar_name = str(data.get("grammar") or "free")
        language = str(data.get("language") or "en").split("-")[0].lower()
        try:
            engines = self._engines(grammar_name, language)
        except SpeechError as reason:
            log.error("no recogniser could be loaded", extra={"reason": str(reason)[:300]})
            return _without_text(slot, NO_ENGINE)
        if not engines:
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
            language=language,
        )

    def transcribe(
        self,
        audio: bytes,
        *,
        slot: str,
        grammar_name: str,
        context: Mapping[str, Any] | None = None,
        language: str = "en",
    ) -> dict[str, Any]:
        """Recognise a recording's bytes (a WAV file) for ``slot``; ``context``: slots the
        flow passes along (``house_number`` narrows a street to those with that number)."""
        hearing = self.hear(audio, grammar_name=grammar_name, context=context, language=language)
        if hearing.source != AUTOMATIC and not hearing.heard:
            return _without_text(slot, hearing.source, engine=hearing.engines)
        chosen = hearing.chosen
        texts = [t for h in hearing.heard if h.transcript for t in best_texts(h.transcript)]
        return {
            "text": chosen.text if chosen and hearing.source == AUTOMATIC else "",
            "slots": {
                f"{slot}_alternatives": " | ".join(dict.fromkeys(texts)),
                f"{slot}_confidence": f"{chosen.confidence if chosen else 0.0:.2f}",
                f"{slot}_engine": chosen.engine if chosen else hearing.engines,
                f"{slot}_source": hearing.source,
                f"{slot}_audio_seconds": f"{hearing.audio_seconds:.2f}",
                f"{slot}_decode_seconds": f"{hearing.decode_seconds:.3f}",
            },
        }

    def hear(
        self,
        audio: bytes,
        *,
        grammar_name: str,
        context: Mapping[str, Any] | None = None,
        language: str = "en",
        every_engine: bool = False,
    ) -> Hearing:
        """Everything the engines heard in ``audio`` and the reading chosen (what
        ``ivr transcribe`` prints; :meth:`transcribe` turns it into the call's slots).
        ``every_engine``: hear with every engine even when the first settles the address
        (``ivr transcribe`` and the calibration benchmark compare them all)."""
        from speech.activity import has_speech
        from speech.audio import decode

        engines = self._engines(grammar_name, language)
        names = " + ".join(e.name for e in engines)
        if not engines:
            return Hearing(NO_MODEL.format(language=language), names)
        try:
            pcm = decode(audio)
        except SpeechError as reason:
            log.info("recording not readable", extra={"reason": str(reason)[:200]})
            return Hearing(UNREADABLE, names)
        if not has_speech(pcm):  # a recogniser would explain silence as some street
            return Hearing(NOTHING, names)
        grammar = self.grammar(grammar_name, context)
        resolver: AddressResolver | None = None
        if self._resolver is not None and grammar_name in STREET_GRAMMARS:
            number = str((context or {}).get("house_number") or "").strip()
            # The flow places a street said alone with the keyed number: so are its readings.
            keyed = number if grammar_name == "street_names" else ""
            resolver = RecordingLookups(self._resolver, house_number=keyed)
        heard = self._listener.hear(
            engines,
            pcm,
            grammar,
            language=language,
            n_best=N_BEST,
            enough=None
            if every_engine
            else lambda so_far: settled(so_far, resolver, confident_score=self._confident),
        )
        address = resolver is not None
        chosen = choose_reading(heard, resolver, confident_score=self._confident)
        audio_seconds = pcm.seconds
        decode_seconds = sum(h.seconds for h in heard)
        observe_recognition(((h.engine, h.seconds) for h in heard if not h.error), audio_seconds)
        if chosen is None:
            return Hearing(NOTHING, names, heard, None, audio_seconds, decode_seconds)
        source = AUTOMATIC
        if address and chosen.confidence < self._settings.min_address_confidence:
            # Every wrong address the evaluation read back was heard this unsurely: the
            # flow's next repair asks again instead. The words stay for staff.
            source = UNSURE
        return Hearing(source, names, heard, chosen, audio_seconds, decode_seconds)

    def grammar(self, name: str, context: Mapping[str, Any] | None = None) -> Grammar:
        """The grammar named by a flow's record state; the city-wide ones built once."""
        return self._grammars.named(name, context)

    def warm_up(self) -> bool:
        """Load the engines the flows' languages need and build the address grammar now
        (seconds), not on a first caller. False when that failed (the log says why)."""
        began = time.perf_counter()
        try:
            streets, names = self.grammar("streets"), self.grammar("street_names")
            for language in self._warm_languages:
                for engine in self._engines("streets", language):
                    engine.prepare(streets)
                for engine in self._engines("street_names", language):
                    engine.prepare(names)
                for engine in self._engines("free", language):
                    engine.prepare(FREE)
        except Exception:  # a broken model is reported by the first job, kindly, to the flow
            log.exception("the recogniser could not be warmed up")
            return False
        log.info("recogniser ready", extra={"seconds": round(time.perf_counter() - began, 2)})
        return True


class RecordingLookups(RememberedLookups):
    """The address resolver as one recording's readings use it: each question is looked up
    once (the early stop, each engine's reading, agreement lower down and crossed readings ask
    about the same texts; with a remote geocoder each lookup is a request), and a street said
    alone is read with the house number the caller keyed before it ("washington street" → "438
    washington street"), as the flow's lookup does."""

    def __init__(self, resolver: AddressResolver, *, house_number: str = "") -> None:
        super().__init__(resolver)
        self._prefix = f"{house_number} " if house_number else ""

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        return super().resolve(f"{self._prefix}{words}", postal_code=postal_code)


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
    settings: Settings,
    *,
    gazetteer: GazetteerGeocoder,
    resolver: AddressResolver,
    languages: Sequence[str] = ("en",),
) -> Transcriber:
    """The process's transcriber: the engines ``IVR_RECOGNIZER`` names (loaded on the first
    job, or by :meth:`Transcriber.warm_up` for the flows' ``languages``), street grammars from
    ``gazetteer`` (the call desk's index: one copy in memory), readings of an address placed by
    ``resolver`` (what ``IVR_GEOCODER`` names), and an HTTP client for recordings (redirects
    are followed by hand, to allowed hosts only)."""
    from ivr.addresses.number_streets import StreetsByNumber, numbered_addresses
    from ivr.addresses.scoring import CONFIDENT_SCORE
    from ivr.addresses.streets import speakable_street

    streets_by_number = StreetsByNumber()
    spoken = lru_cache(maxsize=None)(speakable_street)  # "Washington St" → "Washington Street"

    def said(names: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(spoken(name) for name in names))

    def addresses() -> Iterable[tuple[int, str]]:
        return ((n, spoken(s)) for n, s in numbered_addresses(gazetteer.index))

    return Transcriber(
        settings=settings,
        http=httpx.Client(timeout=settings.twilio_timeout, follow_redirects=False),
        engines=engine_choice(settings).engines,
        street_names=lambda: said(gazetteer.index.street_names()),
        addresses=addresses,
        streets_at=lambda number: said(streets_by_number(gazetteer.index, number)),
        resolver=resolver,
        confident_score=CONFIDENT_SCORE,
        warm_languages=languages,
        grammar_cache=GrammarCache(Path(settings.models_dir) / "grammars"),
    )


def engine_choice(settings: Settings) -> EngineChoice:
    """The engines ``IVR_RECOGNIZER`` and the model settings name."""
    from speech.engines import load_engine

    def load(spec: EngineSpec) -> Engine:
        return load_engine(spec.kind, model_dir=spec.model)

    return EngineChoice(
        settings.recognizer,
        load=load,
        whisper_model=settings.whisper_model,
        multilingual_model=settings.whisper_multilingual_model,
        vosk_model=settings.vosk_model,
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
