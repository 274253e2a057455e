"""The gazetteer in memory: streets by key, name, sound and spelling; numbers per street.

Built once per process from the database (:mod:`ivr.addresses.index_loading`: Boston's
52,000 points in about a second) and rebuilt when an import has committed since. Lookups never
touch the database, so a lookup costs microseconds to a millisecond or two.

Street matching, from the strictest to the loosest (each match carries a similarity 0..1):

- the same key ("WASHINGTON ST"): 1.0;
- the same name with another or no suffix, or other directionals ("ELM" said for "ELM ST",
  "WASHINGTON" for "N WASHINGTON ST"): a little less, less again when the caller named a
  *different* suffix or directional;
- a street's name heard as a whole street ("CHESTNUT HL" for "CHESTNUT HILL AVE", whose
  suffix was dropped);
- the same letters without spaces ("JAMAICA WAY" for "JAMAICAWAY");
- the same metaphone of the name ("MAPEL" for "MAPLE"): scaled by the spelling similarity;
- a shortened one-word name ("MASS" for "MASSACHUSETTS"): 0.75;
- a close spelling (rapidfuzz ratio ≥ 75 on the name): scaled by that ratio.

Points of a street are also grouped into *runs*, one per postal code: the numbers of one run
are interpolated among themselves only, so Brighton's Washington Street never lends its numbers
to Dorchester's.
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jellyfish
import numpy as np
from rapidfuzz import fuzz, process

from ivr.addresses.geometry import NumberedPoint
from ivr.addresses.spellings import SpellingSieve
from ivr.addresses.streets import StreetName, parse_street

FUZZY_CUTOFF = 75  # rapidfuzz ratio below which two names are not taken for one another
SUFFIX_NOT_SAID = 0.03  # the caller gave no suffix ("one oh one Elm")
SUFFIX_DIFFERENT = 0.25  # the caller named another suffix ("Elm Avenue" for ELM ST)
DIRECTIONAL_NOT_SAID = 0.05
NAME_BESIDE_KEY = 0.85  # a street's name heard as a whole key that also exists itself
PREFIX_SIMILARITY = 0.75  # a shortened name ("Mass Ave", "Comm Ave")
MIN_PREFIX = 4
_MAX_PREFIXED = 5
DIRECTIONAL_DIFFERENT = 0.25
# Grid cells for nearest-point searches: ~66 m north-south, and at least ~66 m east-west at
# any latitude up to 65° (so a 60 m search needs only the 3 × 3 cells around a point).
CELL_DEGREES = 0.0006
CELL_DEGREES_LON = CELL_DEGREES * 2.4
_MAX_MATCHES = 8
_MATCH_CACHE_SIZE = 4096
_SIMILARITY_GRAIN = 1e-3  # similarities are compared rounded to 4 places: keep a margin


@dataclass(frozen=True, slots=True)
class IndexedPoint:
    number: str = field(repr=False)
    number_int: int | None = field(repr=False)
    lat: float = field(repr=False)
    lon: float = field(repr=False)
    postal_code: str = ""
    neighbourhood: str = ""


@dataclass(frozen=True, slots=True)
class StreetRun:
    """The points of one street in one postal code, one per number, sorted by number."""

    postal_code: str
    neighbourhood: str
    even: tuple[NumberedPoint, ...]
    odd: tuple[NumberedPoint, ...]
    both: tuple[NumberedPoint, ...]
    centre: IndexedPoint  # the run's point nearest the middle of its numbers

    def side(self, number: int) -> tuple[NumberedPoint, ...]:
        return self.even if number % 2 == 0 else self.odd


@dataclass(frozen=True)
class IndexedStreet:
    key: str
    display: str = field(repr=False)
    name: StreetName = field(repr=False)
    metaphone: str = field(repr=False)
    by_number: Mapping[str, tuple[IndexedPoint, ...]] = field(repr=False)
    by_int: Mapping[int, tuple[IndexedPoint, ...]] = field(repr=False)
    runs: tuple[StreetRun, ...] = field(repr=False)
    point_count: int = 0

    @cached_property
    def cells(self) -> Mapping[tuple[int, int], tuple[IndexedPoint, ...]]:
        """The street's points by grid cell, for finding where two streets meet: made when a
        crossing is first looked for on this street (most streets never are), then kept."""
        cells: dict[tuple[int, int], list[IndexedPoint]] = defaultdict(list)
        for points in self.by_number.values():
            for point in points:
                cells[cell_of(point.lat, point.lon)].append(point)
        return {k: tuple(v) for k, v in cells.items()}


@dataclass(frozen=True)
class StreetMatch:
    street: IndexedStreet
    similarity: float
    how: str  # "key", "name", "compact", "phonetic", "fuzzy"


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    return int(lat // CELL_DEGREES), int(lon // CELL_DEGREES_LON)


class GazetteerIndex:
    """Every street of the gazetteer, ready for matching; immutable once built."""

    def __init__(self, streets: Iterable[IndexedStreet], *, import_id: int = 0) -> None:
        self.import_id = import_id
        self.streets: dict[str, IndexedStreet] = {s.key: s for s in streets}
        self._position = {key: at for at, key in enumerate(self.streets)}
        by_name: dict[str, list[IndexedStreet]] = defaultdict(list)
        by_core: dict[str, list[IndexedStreet]] = defaultdict(list)
        by_compact: dict[str, list[IndexedStreet]] = defaultdict(list)
        by_sound: dict[str, list[IndexedStreet]] = defaultdict(list)
        areas: dict[str, set[str]] = defaultdict(set)
        by_name_key: dict[str, list[IndexedStreet]] = defaultdict(list)
        for street in self.streets.values():
            by_name[street.name.name].append(street)
            if street.name.suffix and (name_key := _as_key(street.name.name)) != street.key:
                by_name_key[name_key].append(street)
            by_core[street.name.core].append(street)
            by_compact[street.key.replace(" ", "")].append(street)
            by_sound[street.metaphone].append(street)
            for run in street.runs:
                if run.neighbourhood:
                    areas[run.neighbourhood.upper()].add(run.postal_code)
        self._by_name = {k: tuple(v) for k, v in by_name.items()}
        self._by_core = {k: tuple(v) for k, v in by_core.items()}
        self._by_compact = {k: tuple(v) for k, v in by_compact.items()}
        self._by_name_key = {k: tuple(v) for k, v in by_name_key.items()}
        self._by_sound = {k: tuple(v) for k, v in by_sound.items()}
        self._sieve = SpellingSieve(list(self._by_name))
        self._sorted_names = sorted(self._by_name)
        # The distinct names of each sound, for scoring a sound's names in one call: numbered
        # streets ("5TH", "14TH", …) share one metaphone, thousands of them in a big city.
        sound_names: dict[str, dict[str, None]] = defaultdict(dict)
        for street in self.streets.values():
            sound_names[street.metaphone][street.name.name] = None
        self._sound_names = {k: tuple(v) for k, v in sound_names.items()}
        self._areas = {name: frozenset(codes) for name, codes in areas.items()}
        self._cache: dict[str, tuple[StreetMatch, ...]] = {}
        self._cache_lock = threading.Lock()

    @property
    def point_count(self) -> int:
        return sum(street.point_count for street in self.streets.values())

    def knows(self, key_or_core: str) -> bool:
        """True when a street has this key, this key without its suffix, or this name."""
        text = " ".join(key_or_core.upper().split())
        return text in self.streets or text in self._by_core or text in self._by_name

    def street_names(self) -> tuple[str, ...]:
        """Display names of every street, e.g. as hints for a speech recogniser."""
        return tuple(sorted({street.display for street in self.streets.values()}))

    def neighbourhoods(self) -> tuple[str, ...]:
        return tuple(sorted(self._areas))

    def postal_codes_of(self, neighbourhood: str) -> frozenset[str]:
        return self._areas.get(" ".join(neighbourhood.upper().split()), frozenset())

    def match_street(self, key: str) -> tuple[StreetMatch, ...]:
        """The streets a caller may have meant by ``key``, most similar first."""
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        matches = self._match(key)
        with self._cache_lock:
            if len(self._cache) >= _MATCH_CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = matches
        return matches

    def _match(self, key: str) -> tuple[StreetMatch, ...]:
        try:
            wanted = parse_street(key)
        except ValueError:
            return ()
        # Every way of matching offers (street, similarity, how) in a fixed order; a street
        # keeps its best offer (the first of equal ones), and the best _MAX_MATCHES streets
        # are the answer.
        offers: list[tuple[IndexedStreet, float, str]] = []
        exact = self.streets.get(wanted.key)
        if exact is not None:
            offers.append((exact, 1.0, "key"))
        for street in self._by_name.get(wanted.name, ()):
            offers.append((street, 1.0 - _affix_penalty(wanted, street.name), "name"))
        for street in self._by_compact.get(wanted.key.replace(" ", ""), ()):
            offers.append((street, 0.9, "compact"))
        # "Washington Street" names WASHINGTON ST when it exists, not WASHINGTON STREET PL.
        name_heard = 1.0 - SUFFIX_NOT_SAID if exact is None else NAME_BESIDE_KEY
        for street in self._by_name_key.get(wanted.key, ()):
            offers.append((street, name_heard, "name"))
        before_sound = len(offers)
        for street in self._with_prefix(wanted.name):
            offers.append(
                (street, PREFIX_SIMILARITY - _affix_penalty(wanted, street.name), "prefix")
            )
        near = self._sieve.candidates(wanted.name, FUZZY_CUTOFF)
        for name, score, _ in process.extract(
            wanted.name, near, scorer=fuzz.ratio, limit=6, score_cutoff=FUZZY_CUTOFF
        ):
            for street in self._by_name[name]:
                similarity = 0.9 * score / 100.0
                offers.append((street, similarity - _affix_penalty(wanted, street.name), "fuzzy"))
        sounding = self._sounding(wanted, offers)
        ordered = [*offers[:before_sound], *sounding, *offers[before_sound:]]
        found: dict[str, StreetMatch] = {}
        for street, similarity, how in ordered:
            if similarity <= 0:
                continue
            known = found.get(street.key)
            if known is None or known.similarity < similarity:
                found[street.key] = StreetMatch(street, round(similarity, 4), how)
        ranked = sorted(found.values(), key=lambda m: (-m.similarity, -m.street.point_count))
        return tuple(ranked[:_MAX_MATCHES])

    def _sounding(
        self, wanted: StreetName, offers: list[tuple[IndexedStreet, float, str]]
    ) -> list[tuple[IndexedStreet, float, str]]:
        """The streets that sound like ``wanted`` (the same metaphone), scaled by spelling —
        only those that can still be among the best _MAX_MATCHES beside ``offers``.

        A sound's names are scored in one call and tried best first; once a name's best
        possible similarity (no affix penalty) is below the _MAX_MATCHES-th best similarity
        found so far, neither it nor any name after it can make the answer."""
        names = self._sound_names.get(jellyfish.metaphone(wanted.name), ())
        if not names:
            return []
        ratios = process.cdist(
            [wanted.name], names, scorer=fuzz.ratio, dtype=np.float64, workers=1
        )[0]
        offered = {street.key for street, _, _ in offers}
        best: dict[str, float] = {}
        for street, similarity, _ in offers:
            best[street.key] = max(similarity, best.get(street.key, similarity))
        # The _MAX_MATCHES best similarities of distinct streets so far (a min-heap): a street
        # offered before keeps its earlier value here, which can only make the floor lower.
        top = heapq.nlargest(_MAX_MATCHES, best.values())
        heapq.heapify(top)
        sounding: list[tuple[IndexedStreet, float, str]] = []
        for at in np.argsort(-ratios, kind="stable"):
            ceiling = 0.55 + 0.3 * (float(ratios[at]) / 100.0)
            if len(top) >= _MAX_MATCHES and ceiling < top[0] - _SIMILARITY_GRAIN:
                break
            for street in self._by_name[names[at]]:
                similarity = ceiling - _affix_penalty(wanted, street.name)
                sounding.append((street, similarity, "phonetic"))
                if street.key in offered:
                    continue
                if len(top) < _MAX_MATCHES:
                    heapq.heappush(top, similarity)
                elif similarity > top[0]:
                    heapq.heapreplace(top, similarity)
        # In the order the streets were indexed, as every other way offers them: of two
        # streets equally similar and equally big, the first indexed comes first.
        return sorted(sounding, key=lambda offer: self._position[offer[0].key])

    def _with_prefix(self, name: str) -> list[IndexedStreet]:
        """Streets whose one-word name starts with ``name`` ("MASS" → MASSACHUSETTS AVE)."""
        if len(name) < MIN_PREFIX or " " in name:
            return []
        start = bisect_left(self._sorted_names, name)
        found: list[IndexedStreet] = []
        for candidate in self._sorted_names[start : start + _MAX_PREFIXED]:
            if not candidate.startswith(name):
                break
            if candidate != name and len(candidate) >= len(name) + 3:
                found.extend(self._by_name[candidate])
        return found


def _as_key(name: str) -> str:
    """A street's name read as a whole street ("CHESTNUT HILL" → "CHESTNUT HL"): what a
    caller who drops the suffix of Chestnut Hill Avenue is heard as."""
    try:
        return parse_street(name).key
    except ValueError:
        return name


def _affix_penalty(wanted: StreetName, street: StreetName) -> float:
    penalty = 0.0
    if wanted.suffix != street.suffix:
        penalty += SUFFIX_DIFFERENT if wanted.suffix else SUFFIX_NOT_SAID
    for said, known in ((wanted.predir, street.predir), (wanted.postdir, street.postdir)):
        if said != known:
            penalty += DIRECTIONAL_DIFFERENT if said else DIRECTIONAL_NOT_SAID
    return penalty


@dataclass(frozen=True)
class PointRecord:
    """One row of ``gazetteer_points`` as the index reads it."""

    street_key: str
    street: str = field(repr=False)
    house_number: str = field(repr=False)
    house_number_int: int | None = field(repr=False)
    postal_code: str = ""
    neighbourhood: str = ""
    lat: float = field(default=0.0, repr=False)
    lon: float = field(default=0.0, repr=False)


def build_index(records: Iterable[PointRecord], *, import_id: int = 0) -> GazetteerIndex:
    """Group point records into indexed streets."""
    return index_from_rows(
        (
            (
                r.street_key,
                r.street,
                r.house_number,
                r.house_number_int,
                r.postal_code,
                r.neighbourhood,
                r.lat,
                r.lon,
            )
            for r in records
        ),
        import_id=import_id,
    )


def index_from_rows(rows: Iterable[Sequence[Any]], *, import_id: int = 0) -> GazetteerIndex:
    """Group rows of ``PointRecord``'s fields, in its order, into indexed streets.

    The texts every point repeats (house numbers, postal codes, neighbourhoods, display
    names) are kept once each, and a point is stored once, in a slotted object: a city of a
    million points stays within a few hundred MB.
    """
    texts: dict[str, str] = {}
    one = texts.setdefault  # one copy of each text: one(t, t)
    by_key: dict[str, list[tuple[str, str, int | None, str, str, float, float]]] = defaultdict(list)
    for key, display, number, number_int, postal_code, neighbourhood, lat, lon in rows:
        postal_code = postal_code or ""
        neighbourhood = neighbourhood or ""
        by_key[key].append(
            (
                one(display, display),
                one(number, number),
                number_int,
                one(postal_code, postal_code),
                one(neighbourhood, neighbourhood),
                lat,
                lon,
            )
        )
    streets = []
    for key in list(by_key):
        points = by_key.pop(key)
        try:
            name = parse_street(key)
        except ValueError:
            continue
        streets.append(_build_street(key, name, points))
    return GazetteerIndex(streets, import_id=import_id)


def _build_street(
    key: str, name: StreetName, rows: list[tuple[str, str, int | None, str, str, float, float]]
) -> IndexedStreet:
    displays: dict[str, int] = defaultdict(int)
    by_number: dict[str, list[IndexedPoint]] = defaultdict(list)
    by_int: dict[int, list[IndexedPoint]] = defaultdict(list)
    by_run: dict[str, list[IndexedPoint]] = defaultdict(list)
    for display, number, number_int, postal_code, neighbourhood, lat, lon in rows:
        displays[display] += 1
        point = IndexedPoint(number, number_int, lat, lon, postal_code, neighbourhood)
        by_number[number].append(point)
        if number_int is not None:
            by_int[number_int].append(point)
        by_run[postal_code].append(point)
    numbers = {k: tuple(v) for k, v in by_number.items()}
    # Most numbers are written as their digits ("12"): the same points under both keys share
    # one tuple.
    ints: dict[int, tuple[IndexedPoint, ...]] = {}
    for value, points in by_int.items():
        same = numbers.get(str(value))
        ints[value] = same if same is not None and len(same) == len(points) else tuple(points)
    return IndexedStreet(
        key=key,
        display=max(displays, key=lambda d: displays[d]),
        name=name,
        metaphone=jellyfish.metaphone(name.name),
        by_number=numbers,
        by_int=ints,
        runs=tuple(_build_run(code, points) for code, points in sorted(by_run.items())),
        point_count=len(rows),
    )


def _build_run(postal_code: str, points: list[IndexedPoint]) -> StreetRun:
    per_number: dict[int, list[IndexedPoint]] = defaultdict(list)
    for point in points:
        if point.number_int is not None:
            per_number[point.number_int].append(point)
    both = tuple(
        NumberedPoint(number, group[0].lat, group[0].lon)
        if len(group) == 1  # the point's own coordinates, not copies of them
        else NumberedPoint(
            number,
            sum(p.lat for p in group) / len(group),
            sum(p.lon for p in group) / len(group),
        )
        for number, group in sorted(per_number.items())
    )
    numbered = sorted(points, key=lambda p: (p.number_int or 0, p.number))
    neighbourhoods: dict[str, int] = defaultdict(int)
    for point in points:
        neighbourhoods[point.neighbourhood] += 1
    return StreetRun(
        postal_code=postal_code,
        neighbourhood=max(neighbourhoods, key=lambda n: neighbourhoods[n]),
        even=tuple(p for p in both if p.number % 2 == 0),
        odd=tuple(p for p in both if p.number % 2 == 1),
        both=both,
        centre=numbered[len(numbered) // 2],
    )
