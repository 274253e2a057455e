"""The data that flows through address resolution, and the one interface every resolver has.

spoken words ──parse──▶ AddressCandidate (ranked) ──AddressResolver.geocode──▶ GeocodeResult

:class:`AddressResolver` is implemented by the gazetteer (:mod:`ivr.addresses.geocoder`) and by
every remote geocoder (:mod:`ivr.addresses.remote`); ``IVR_GEOCODER`` chooses one
(:func:`ivr.addresses.factory.make_resolver`) and the call flow, the transcription job and
``ivr geocode`` all use the one chosen.

Street names travel as *keys*: the canonical form made by :func:`ivr.addresses.streets.street_key`
(upper case, USPS Publication 28 abbreviations, numbered streets as ``5TH``), so that the parser,
the gazetteer and the remote adapters compare like with like. Anything a caller said is personal
data and is kept out of ``repr``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class MatchLevel(StrEnum):
    """How precisely a result places the caller's words on the map, best first."""

    ADDRESS = "address"  # an address point with this number on this street
    INTERPOLATED = "interpolated"  # between the nearest numbers on the same street
    INTERSECTION = "intersection"  # where two named streets meet
    STREET = "street"  # somewhere on the street: no usable number
    NONE = "none"  # nothing found; ``reason`` says why


@dataclass(frozen=True)
class AddressCandidate:
    """One reading of the caller's words. ``street`` and ``cross_street`` are street keys."""

    house_number: str | None = field(default=None, repr=False)
    street: str | None = field(default=None, repr=False)
    cross_street: str | None = field(default=None, repr=False)
    postal_code: str | None = field(default=None, repr=False)
    weight: float = 1.0  # the parser's confidence in this reading, 0..1
    reading: str = ""  # which rule made it ("pairs", "digits", "hundreds", "intersection"…)


@dataclass(frozen=True)
class Place:
    """A point with the address a person would say for it."""

    lat: float
    lon: float
    house_number: str | None = field(default=None, repr=False)
    street: str = field(default="", repr=False)  # display form: "Washington Street"
    street_key: str = field(default="", repr=False)  # canonical key: "WASHINGTON ST"
    cross_street: str = field(default="", repr=False)  # display form, for intersections
    postal_code: str = ""
    neighbourhood: str = ""
    source: str = ""  # "gazetteer", "nominatim", …


@dataclass(frozen=True)
class GeocodeResult:
    """The answer to one ``geocode`` call.

    ``place`` is the best match (None when nothing matched); ``alternatives`` are the other
    places the caller could have meant, best first. ``ambiguous`` is set when the best match is
    not clearly better than the alternatives — e.g. a street name found in several postal codes;
    ``ask_about`` then lists what to ask the caller to tell them apart (postal codes or
    neighbourhoods). ``score`` is 0..1; the call flow reads back results above its threshold
    and asks again below it. ``reason`` explains a NONE result in words an operator understands.
    """

    level: MatchLevel
    score: float
    place: Place | None = None
    alternatives: tuple[Place, ...] = ()
    ambiguous: bool = False
    ask_about: tuple[str, ...] = ()
    reason: str = ""
    candidate: AddressCandidate | None = None  # the parser's reading that produced this result

    @property
    def matched(self) -> bool:
        return self.level is not MatchLevel.NONE and self.place is not None

    @property
    def number_not_placed(self) -> bool:
        """A house number was heard but the place found is only a street: the number is not
        on it, so the street (or the number) was probably misheard."""
        return (
            self.level is MatchLevel.STREET
            and self.candidate is not None
            and bool(self.candidate.house_number)
        )


def no_match(reason: str) -> GeocodeResult:
    return GeocodeResult(level=MatchLevel.NONE, score=0.0, reason=reason)


class AddressResolver(Protocol):
    """Spoken words, or parsed candidates, to ranked results: best first, never empty, never
    raising (a failure is one NONE result with a reason).

    ``source`` names the resolver ("gazetteer", "nominatim", …). ``remote`` says whether a
    lookup asks a service over the network; either way a lookup may take longer than a row
    lock should be held (the gazetteer reloads its index from the database after an import),
    so the call desk looks addresses up only while it holds no call's lock
    (:mod:`ivr.webhooks.calls`).
    """

    @property
    def source(self) -> str: ...

    @property
    def remote(self) -> bool: ...

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        """Parse what the caller said and look it up (``postal_code``: keyed in by them)."""
        ...

    def geocode(self, candidates: Sequence[AddressCandidate]) -> list[GeocodeResult]:
        """Look up readings already parsed, best first."""
        ...
