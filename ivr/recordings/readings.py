"""Choosing what a caller said for a place from every engine's hypotheses.

Each engine's n-best list is read with the address resolver (the gazetteer, or the remote
geocoder ``IVR_GEOCODER`` names); each engine offers at most one *reading*: its best hypothesis
when the resolver finds an address in it, else its first lower hypothesis the resolver places
confidently (a lower one often adds a stray word the parser drops: "twenty charles street wood";
one of those read back as found was an evaluation's only confidently wrong address). Then the
readings of all engines are compared:

- two engines that place the same address agree, and agreement is the strongest evidence there
  is: the engines fail differently (PocketSphinx forces a street of the city's language model
  onto whatever it hears; Whisper spells a rare street the way it sounds);
- when no two agree, a best reading found lower down another engine's n-best list counts as
  weaker agreement (:func:`_supported_lower_down`), and one engine's house number on the
  street another found is tried too (:func:`_crossed`): Whisper writes numbers well and may
  misspell a street, PocketSphinx names the street and may mishear the number;
- otherwise the reading with the highest *calibrated* confidence times the resolver's score
  wins. Engines' raw confidences do not mean the same thing (PocketSphinx's is a posterior over
  its lattice, Whisper's comes from the mean log-probability of its tokens), so each engine's is
  mapped onto "how often a reading this confident was right" by :data:`CALIBRATION`, measured
  by ``benchmarks/speech_calls_eval.py`` (docs/recording-path.md).

When no engine's words place anywhere, the caller's words are still kept: the most confident
engine's text is returned (Whisper's, when it heard anything: it writes what was said, lead-ins
and all), and the flow's keypad path takes over.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ivr.addresses.types import AddressResolver, GeocodeResult, MatchLevel
from ivr.recordings.hearing import Heard
from speech.recognizer import best_texts

# Per engine family: the raw confidence at which a placed reading was right half the time, and
# the one above which it was right 95 % of the time; the calibrated confidence rises linearly
# between them (0.5 → 0.95), proportionally below, and slowly above. Measured by
# benchmarks/calibrate_engines.py (120 held-out addresses of both cities, five voices, clean,
# white and brown noise; docs/recording-path.md): PocketSphinx 0.60–0.70 → 50 % right, 0.90+
# → 95 %; Whisper 0.45–0.60 → 62 %, 0.70–0.80 → 92 %. Vosk has not been measured here (no
# English model can be had): PocketSphinx's figures stand in for it.
CALIBRATION: Mapping[str, tuple[float, float]] = {
    "pocketsphinx": (0.62, 0.9),
    "whisper": (0.42, 0.78),
    "vosk": (0.62, 0.9),
}
AGREEMENT_FLOOR = 0.9  # two engines placing the same address: measured 96 % right
SETTLED = 0.95  # a reading this sure (PocketSphinx raw 0.9: 95 % right) needs no second engine
LOWER_AGREEMENT = 0.8  # one engine's best found lower in another's n-best list
CROSSED_AGREEMENT = 0.9  # one engine's number on the street both found: measured 85 % right
CROSSED_ALONE = 0.8  # one engine's number on a street only the other found


@dataclass(frozen=True)
class Reading:
    """One engine's reading of the caller's words, placed (``result``) or not."""

    engine: str
    text: str = field(repr=False)
    raw_confidence: float
    confidence: float  # calibrated: comparable across engines
    result: GeocodeResult | None = field(default=None, repr=False)
    agreed_by: tuple[str, ...] = ()  # other engines whose reading placed the same address
    how: str = "alone"  # alone, agreed, agreed lower down, crossed

    @property
    def placed(self) -> bool:
        return self.result is not None and self.result.matched

    def place_key(self) -> tuple[str, str] | None:
        if self.result is None or self.result.place is None:
            return None
        place = self.result.place
        return (place.street_key or place.street, place.house_number or "")


def calibrated(engine: str, confidence: float) -> float:
    """``confidence`` of ``engine`` (its name starts with its family) on the common scale."""
    family = engine.replace(":", " ").split()[0].lower() if engine else ""  # "pocketsphinx:model"
    half, sure = CALIBRATION.get(family, CALIBRATION["pocketsphinx"])
    if confidence <= half:
        return 0.5 * confidence / half if half > 0 else 0.5
    if confidence >= sure:
        return 0.95 + 0.05 * (confidence - sure) / max(1e-9, 1 - sure)
    return 0.5 + 0.45 * (confidence - half) / (sure - half)


def engine_reading(
    heard: Heard, resolver: AddressResolver | None, *, confident_score: float
) -> Reading | None:
    """The reading ``heard`` offers (see the module's docstring); None when it heard nothing."""
    transcript = heard.transcript
    if transcript is None:
        return None
    texts = list(best_texts(transcript))
    if not texts:
        return None
    confidences = {a.text: a.confidence for a in reversed(transcript.alternatives)}

    def reading(text: str, result: GeocodeResult | None) -> Reading:
        raw = confidences.get(text, transcript.confidence)
        return Reading(heard.engine, text, raw, calibrated(heard.engine, raw), result)

    if resolver is None:
        return reading(texts[0], None)
    for rank, text in enumerate(texts):
        best = next((r for r in resolver.resolve(text) if r.matched), None)
        if best is None or best.number_not_placed:
            continue  # a number heard that the street found does not have
        if rank == 0 and best.level is not MatchLevel.STREET:
            return reading(text, best)
        # An ambiguous street is the caller's to settle (by postal code), not a miss.
        if best.ambiguous or best.score >= confident_score:
            return reading(text, best)
    return reading(texts[0], None)


def settled(
    heard: Sequence[Heard], resolver: AddressResolver | None, *, confident_score: float
) -> bool:
    """True when the engines heard so far already name an address beyond doubt: the last
    engine's reading places a house number (not an ambiguous street) confidently, with a
    calibrated confidence of at least :data:`SETTLED`. The engines after it are not asked."""
    if resolver is None or not heard:
        return False
    reading = engine_reading(heard[-1], resolver, confident_score=confident_score)
    if reading is None or reading.result is None or not reading.placed:
        return False
    result = reading.result
    return (
        reading.confidence >= SETTLED
        and result.score >= confident_score
        and not result.ambiguous
        and result.level in (MatchLevel.ADDRESS, MatchLevel.INTERPOLATED)
    )


def choose_reading(
    heard: Sequence[Heard], resolver: AddressResolver | None, *, confident_score: float
) -> Reading | None:
    """The reading to pass to the flow (see the module's docstring); None when no engine
    heard any words."""
    readings = [
        r
        for h in heard
        if (r := engine_reading(h, resolver, confident_score=confident_score)) is not None
    ]
    if not readings:
        return None
    placed = [r for r in readings if r.placed]
    agreed = [_with_agreement(r, placed) for r in placed]
    if resolver is not None and len(heard) > 1 and not any(r.agreed_by for r in agreed):
        agreed = _supported_lower_down(agreed, heard, resolver) + _crossed(heard, resolver)
    if not agreed:
        return max(readings, key=lambda r: (r.engine.startswith("whisper"), r.confidence))
    return max(agreed, key=_rank)


@dataclass(frozen=True)
class _Named:
    """What one engine's best words name, placed or not: the house number the parser read
    and the street the resolver found."""

    engine: str
    confidence: float  # calibrated
    number: str | None = field(repr=False)
    street: str = field(repr=False)
    street_key: str = field(repr=False)


def _named(heard: Heard, resolver: AddressResolver) -> _Named | None:
    transcript = heard.transcript
    if transcript is None or not transcript.alternatives:
        return None
    best = next((r for r in resolver.resolve(transcript.text) if r.matched), None)
    if best is None or best.place is None:
        return None
    number = best.candidate.house_number if best.candidate else best.place.house_number
    confidence = calibrated(heard.engine, transcript.confidence)
    return _Named(heard.engine, confidence, number, best.place.street, best.place.street_key)


def _crossed(heard: Sequence[Heard], resolver: AddressResolver) -> list[Reading]:
    """Readings made of one engine's house number and another's street, placed: Whisper
    writes numbers well and may misspell a street ("18 Masked Street"); PocketSphinx, held to
    the city's streets, names the street and may mishear the number ("eighty Mascot Street").
    Trusted as agreement when both engines found the same street, else less than either."""
    named = [n for h in heard if (n := _named(h, resolver)) is not None]
    crossed: list[Reading] = []
    for numbers, street in itertools.permutations(named, 2):
        if not numbers.number or not street.street:
            continue
        text = f"{numbers.number} {street.street}"
        best = next((r for r in resolver.resolve(text) if r.matched), None)
        if best is None or best.level is MatchLevel.STREET or best.ambiguous:
            continue
        same_street = numbers.street_key == street.street_key
        if same_street:
            confidence = CROSSED_AGREEMENT * (
                1.0 - (1.0 - numbers.confidence) * (1.0 - street.confidence)
            )
        else:
            confidence = CROSSED_ALONE * min(numbers.confidence, street.confidence)
        crossed.append(
            Reading(
                f"{numbers.engine} number, {street.engine} street",
                text,
                min(numbers.confidence, street.confidence),
                confidence,
                best,
                agreed_by=(street.engine,) if same_street else (),
                how="crossed",
            )
        )
    return crossed


def _with_agreement(reading: Reading, placed: Sequence[Reading]) -> Reading:
    key = reading.place_key()
    others = tuple(
        r.engine for r in placed if r is not reading and key is not None and r.place_key() == key
    )
    if not others:
        return reading
    together = 1.0 - (1.0 - reading.confidence) * math.prod(
        1.0 - r.confidence for r in placed if r.engine in others
    )
    confidence = max(together, AGREEMENT_FLOOR)
    return Reading(
        reading.engine,
        reading.text,
        reading.raw_confidence,
        confidence,
        reading.result,
        agreed_by=others,
        how="agreed",
    )


def _supported_lower_down(
    placed: Sequence[Reading], heard: Sequence[Heard], resolver: AddressResolver
) -> list[Reading]:
    """``placed`` with agreement found lower down another engine's n-best list: PocketSphinx's
    best "seventy seventh seventy …" names nothing, its second "seventy seven seventy
    northwest first avenue" is the address Whisper wrote as "7770 Northwest First". Trusted
    less than agreement of two best hypotheses (:data:`LOWER_AGREEMENT`)."""
    lower: dict[str, set[tuple[str, str]]] = {}
    for other in heard:
        if other.transcript is None:
            continue
        keys = lower.setdefault(other.engine, set())
        for text in list(best_texts(other.transcript))[1:]:
            best = next((r for r in resolver.resolve(text) if r.matched), None)
            if best is None or best.place is None or best.level is MatchLevel.STREET:
                continue
            keys.add((best.place.street_key or best.place.street, best.place.house_number or ""))
    supported: list[Reading] = []
    for reading in placed:
        key = reading.place_key()
        by = tuple(e for e, keys in lower.items() if e != reading.engine and key in keys)
        if not by:
            supported.append(reading)
            continue
        supported.append(
            Reading(
                reading.engine,
                reading.text,
                reading.raw_confidence,
                max(reading.confidence, LOWER_AGREEMENT),
                reading.result,
                agreed_by=by,
                how="agreed lower down",
            )
        )
    return supported


def _rank(reading: Reading) -> tuple[int, int, float]:
    result = reading.result
    assert result is not None
    precise = result.level is not MatchLevel.STREET
    return (len(reading.agreed_by), int(precise), reading.confidence * result.score)
