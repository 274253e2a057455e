"""The gazetteer geocoder: parsed candidates → ranked places, from the in-memory index.

For each candidate reading of the caller's words, each street it may name (exact, by name,
by sound, by spelling) is looked up:

- with a house number: the address point with that number; else the number interpolated
  between its nearest neighbours in each run of the street (one run per postal code);
- with a cross street: where the two streets meet (:mod:`ivr.addresses.crossings`);
- with neither: the street itself (the middle of each run).

Places of one street closer than :data:`SAME_PLACE_M` are one place. A street with the number
in several places is *ambiguous* (the caller is asked which postal code); when the number is an
address point in only one place, that place wins and the others are alternatives. Finally the
best result of all readings is compared with the others: a different place scoring within
``CONTENDER_MARGIN`` of it makes it ambiguous too. Scores are explained in
:mod:`ivr.addresses.scoring`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from ivr.addresses import scoring
from ivr.addresses.area_words import split_area
from ivr.addresses.crossings import find_crossings
from ivr.addresses.geometry import interpolate
from ivr.addresses.index import GazetteerIndex, IndexedStreet, StreetMatch
from ivr.addresses.place_grouping import group_places
from ivr.addresses.ranking import MAX_ALTERNATIVES, distinct, rank_results
from ivr.addresses.resolution import spoken_candidates
from ivr.addresses.scoring import CONFIDENT_SCORE
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, Place, no_match

if TYPE_CHECKING:
    from ivr.addresses.dataset_choice import DatasetChoice

log = logging.getLogger(__name__)

__all__ = ["CONFIDENT_SCORE", "GazetteerGeocoder"]

SAME_PLACE_M = 100.0  # places of one street closer than this are the same place
MAX_CANDIDATES = 12
_NUMBER = re.compile(r"(\d{1,7})\s*([A-Z]{0,3}(?: 1/2)?)")


@dataclass(frozen=True)
class _Found:
    level: MatchLevel
    quality: float
    lat: float
    lon: float
    postal_code: str
    neighbourhood: str
    house_number: str | None


class GazetteerGeocoder:
    """The :class:`~ivr.addresses.types.AddressResolver` on the city's own address points.

    ``index`` is either a built :class:`GazetteerIndex` or a callable returning the current one
    (``IndexCache(engine).current``), so a long-running process picks up new imports. Reading
    the index may query the database (and rebuild the index after an import), so the call
    desk calls it before taking a call's row lock, as it does a remote geocoder.
    """

    source = "gazetteer"
    remote = False  # answers from memory; only an index reload touches the database

    def __init__(self, index: GazetteerIndex | Callable[[], GazetteerIndex]) -> None:
        self._index = index if callable(index) else (lambda: index)

    @classmethod
    def from_engine(
        cls,
        engine: Engine,
        *,
        check_every: float = 30.0,
        snapshots: Path | None = None,
        choice: DatasetChoice | None = None,
    ) -> GazetteerGeocoder:
        """A geocoder on the gazetteer in ``engine``'s database, reloaded after new imports
        and drops (checked at most every ``check_every`` seconds); the index is built on first
        use, or read from its snapshot in ``snapshots`` (see ``index_snapshot``), from the
        datasets ``choice`` chooses (every point when None; see ``dataset_choice``)."""
        from ivr.addresses.index_loading import IndexCache, load_index

        loader = functools.partial(load_index, snapshots=snapshots)
        cache = IndexCache(engine, check_every=check_every, loader=loader, choice=choice)
        return cls(cache.current)

    @property
    def index(self) -> GazetteerIndex:
        return self._index()

    def geocode(
        self, candidates: Sequence[AddressCandidate], *, area: frozenset[str] | None = None
    ) -> list[GeocodeResult]:
        """Ranked results for the candidates, best first; never empty, never raises.

        ``area`` (postal codes) narrows the search to where the caller said they are; a
        candidate's own postal code does the same for that candidate.
        """
        try:
            return self._geocode(list(candidates)[:MAX_CANDIDATES], area)
        except Exception:  # the caller must hear something; the operator gets the trace
            log.exception("gazetteer geocoding failed")
            return [no_match("the address could not be looked up (internal error)")]

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        """Parse spoken ``words`` and geocode them (``postal_code``: keyed in by the caller).

        The index helps the parser: "in <neighbourhood>" becomes postal codes to prefer, and
        readings naming a street the city has rank first."""
        try:
            index = self.index
            text, area = split_area(words, index)
        except Exception:
            log.exception("reading the spoken address failed")
            return [no_match("the words could not be read as an address (internal error)")]
        candidates = spoken_candidates(text, postal_code=postal_code, known_streets=index.knows)
        if isinstance(candidates, GeocodeResult):
            return [candidates]
        return self.geocode(candidates, area=area)

    def _geocode(
        self, candidates: list[AddressCandidate], area: frozenset[str] | None
    ) -> list[GeocodeResult]:
        if not candidates:
            return [no_match("no address was heard")]
        index = self.index
        if not index.streets:
            return [no_match("the gazetteer is empty: no address points are loaded")]
        best_weight = max(c.weight for c in candidates)
        results: list[GeocodeResult] = []
        failures: list[GeocodeResult] = []
        for candidate in candidates:
            factor = scoring.reading_factor(candidate.weight, best_weight)
            for result in self._one(index, candidate, factor, area):
                (results if result.matched else failures).append(result)
        if not results:
            return [failures[0] if failures else no_match("no address was heard")]
        return rank_results(results)

    def _one(
        self,
        index: GazetteerIndex,
        candidate: AddressCandidate,
        factor: float,
        area: frozenset[str] | None,
    ) -> list[GeocodeResult]:
        if not candidate.street:
            return [no_match("no street name was heard")]
        matches = index.match_street(candidate.street)
        if not matches:
            return [no_match("no street by that name is in the gazetteer")]
        if candidate.postal_code:
            area = frozenset({candidate.postal_code[:5]})
        if candidate.cross_street:
            return self._intersection(index, candidate, matches, factor, area)
        if candidate.house_number:
            number = _number(candidate.house_number)
            if number is not None:
                results = [
                    r
                    for m in matches
                    if (r := self._address(candidate, m, number, factor, area)) is not None
                ]
                if results:
                    return results
                return [
                    self._street(candidate, m, factor, area, scoring.NUMBER_NOT_ON_STREET_QUALITY)
                    for m in matches[:3]
                ]
        return [self._street(candidate, m, factor, area, scoring.STREET_QUALITY) for m in matches]

    def _address(
        self,
        candidate: AddressCandidate,
        match: StreetMatch,
        number: tuple[str, int],
        factor: float,
        area: frozenset[str] | None,
    ) -> GeocodeResult | None:
        street = match.street
        text, value = number
        points = street.by_number.get(text)
        same_text = points is not None
        if points is None:
            points = street.by_int.get(value)
        found: list[_Found] = []
        if points:
            quality = scoring.address_quality(same_text=same_text)
            found = [
                _Found(
                    MatchLevel.ADDRESS,
                    quality,
                    p.lat,
                    p.lon,
                    p.postal_code,
                    p.neighbourhood,
                    p.number,
                )
                for p in points
            ]
        else:
            for run in street.runs:
                placed = interpolate(
                    value, run.side(value), run.both, reach=scoring.INTERPOLATION_REACH
                )
                if placed is not None:
                    found.append(
                        _Found(
                            MatchLevel.INTERPOLATED,
                            scoring.interpolation_quality(placed),
                            placed.lat,
                            placed.lon,
                            run.postal_code,
                            run.neighbourhood,
                            text,
                        )
                    )
        found, factor = _within_area(found, area, factor)
        if not found:
            return None
        return _result(candidate, match, _places(found), factor)

    def _street(
        self,
        candidate: AddressCandidate,
        match: StreetMatch,
        factor: float,
        area: frozenset[str] | None,
        quality: float,
    ) -> GeocodeResult:
        found = [
            _Found(
                MatchLevel.STREET,
                quality,
                run.centre.lat,
                run.centre.lon,
                run.postal_code,
                run.neighbourhood,
                None,
            )
            for run in sorted(match.street.runs, key=lambda r: -len(r.both))
        ]
        found, factor = _within_area(found, area, factor)
        result = _result(candidate, match, _places(found), factor)
        if quality == scoring.NUMBER_NOT_ON_STREET_QUALITY:
            result = dataclasses.replace(result, reason="that house number is not on this street")
        return result

    def _intersection(
        self,
        index: GazetteerIndex,
        candidate: AddressCandidate,
        matches: tuple[StreetMatch, ...],
        factor: float,
        area: frozenset[str] | None,
    ) -> list[GeocodeResult]:
        assert candidate.cross_street is not None
        crosses = index.match_street(candidate.cross_street)
        if not crosses:
            return [no_match("no cross street by that name is in the gazetteer")]
        results = []
        for first in matches[:3]:
            for second in crosses[:3]:
                if first.street.key == second.street.key:
                    continue
                found = [
                    _Found(
                        MatchLevel.INTERSECTION,
                        scoring.intersection_quality(c.gap_m) * second.similarity,
                        c.lat,
                        c.lon,
                        c.postal_code,
                        c.neighbourhood,
                        None,
                    )
                    for c in find_crossings(first.street, second.street)
                ]
                found, scaled = _within_area(found, area, factor)
                if found:
                    result = _result(candidate, first, _places(found), scaled)
                    results.append(_with_cross(result, second.street))
        if not results:
            return [no_match("those two streets do not meet in the gazetteer")]
        return results


def _number(spoken: str) -> tuple[str, int] | None:
    match = _NUMBER.fullmatch(" ".join(spoken.upper().split()))
    if not match:
        return None
    value = int(match.group(1))
    return f"{value}{match.group(2)}", value


def _within_area(
    found: list[_Found], area: frozenset[str] | None, factor: float
) -> tuple[list[_Found], float]:
    """Keep the places in the caller's area; when none is, keep all at a lower score."""
    if not area or not found:
        return found, factor
    inside = [f for f in found if f.postal_code in area]
    if inside:
        return inside, factor
    return found, factor * scoring.OTHER_AREA_FACTOR


def _places(found: list[_Found]) -> list[_Found]:
    """One entry per place, best first: the best of the found within SAME_PLACE_M, moved to
    the middle of the equally good ones (a building's number recorded at two of its ends).
    Grouped on a grid (:func:`~ivr.addresses.place_grouping.group_places`), not by comparing
    every point with every place: an apartment block's number has hundreds of points."""
    return group_places(found, SAME_PLACE_M)


def _result(
    candidate: AddressCandidate, match: StreetMatch, places: list[_Found], factor: float
) -> GeocodeResult:
    exact = [p for p in places if p.level is MatchLevel.ADDRESS]
    if len(exact) == 1:
        best, others, ambiguous = exact[0], [p for p in places if p is not exact[0]], False
    elif len(exact) > 1:
        best, others, ambiguous = exact[0], exact[1:], True
    else:
        best, others, ambiguous = places[0], places[1:], len(places) > 1
    score = scoring.combine(match.similarity, best.quality, factor)
    ask_about: tuple[str, ...] = ()
    if ambiguous:  # capped in rank_results, after ranking on the uncapped score
        codes = distinct(p.postal_code for p in [best, *others])
        ask_about = codes if len(codes) > 1 else ()  # only a question that tells them apart
    return GeocodeResult(
        level=best.level,
        score=score,
        place=_place(match.street, best),
        alternatives=tuple(_place(match.street, p) for p in others[:MAX_ALTERNATIVES]),
        ambiguous=ambiguous,
        ask_about=ask_about,
        candidate=candidate,
    )


def _place(street: IndexedStreet, found: _Found) -> Place:
    return Place(
        lat=round(found.lat, 7),
        lon=round(found.lon, 7),
        house_number=found.house_number,
        street=street.display,
        street_key=street.key,
        postal_code=found.postal_code,
        neighbourhood=found.neighbourhood,
        source="gazetteer",
    )


def _with_cross(result: GeocodeResult, cross: IndexedStreet) -> GeocodeResult:
    def crossed(place: Place) -> Place:
        return dataclasses.replace(place, cross_street=cross.display)

    assert result.place is not None
    return dataclasses.replace(
        result,
        place=crossed(result.place),
        alternatives=tuple(crossed(p) for p in result.alternatives),
    )
