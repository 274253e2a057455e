"""Which streets of the gazetteer a caller may have meant by a street key, most similar first.

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
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jellyfish
import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from ivr.addresses.spellings import SpellingSieve
from ivr.addresses.streets import StreetName, parse_street

if TYPE_CHECKING:
    from ivr.addresses.indexed_street import IndexedStreet

FUZZY_CUTOFF = 75  # rapidfuzz ratio below which two names are not taken for one another
SUFFIX_NOT_SAID = 0.03  # the caller gave no suffix ("one oh one Elm")
SUFFIX_DIFFERENT = 0.25  # the caller named another suffix ("Elm Avenue" for ELM ST)
DIRECTIONAL_NOT_SAID = 0.05
DIRECTIONAL_DIFFERENT = 0.25
NAME_BESIDE_KEY = 0.85  # a street's name heard as a whole key that also exists itself
PREFIX_SIMILARITY = 0.75  # a shortened name ("Mass Ave", "Comm Ave")
MIN_PREFIX = 4
_MAX_PREFIXED = 5
_MAX_MATCHES = 8
_MATCH_CACHE_SIZE = 4096
_SIMILARITY_GRAIN = 1e-3  # similarities are compared rounded to 4 places: keep a margin

_Offer = tuple["IndexedStreet", float, str]


@dataclass(frozen=True)
class StreetMatch:
    street: IndexedStreet
    similarity: float
    how: str  # "key", "name", "compact", "phonetic", "fuzzy", "prefix"


class StreetMatcher:
    """The streets of one index by name, core, compact spelling, sound and name-as-key;
    immutable once built, except for a small cache of answers (thread-safe)."""

    def __init__(
        self, streets: Sequence[IndexedStreet], *, name_keys: Sequence[str] | None = None
    ) -> None:
        """``name_keys``: each street's name read as a whole key (:func:`name_as_key`), in
        the order of ``streets`` (worked out here when not given)."""
        self.streets = {s.key: s for s in streets}
        self._position = {key: at for at, key in enumerate(self.streets)}
        by_name: dict[str, list[IndexedStreet]] = defaultdict(list)
        by_core: dict[str, list[IndexedStreet]] = defaultdict(list)
        by_compact: dict[str, list[IndexedStreet]] = defaultdict(list)
        by_name_key: dict[str, list[IndexedStreet]] = defaultdict(list)
        # The distinct names of each sound, for scoring a sound's names in one call: numbered
        # streets ("5TH", "14TH", …) share one metaphone, thousands of them in a big city.
        sound_names: dict[str, dict[str, None]] = defaultdict(dict)
        keys = name_keys if name_keys is not None else [name_as_key(s.name) for s in streets]
        for street, name_key in zip(streets, keys, strict=True):
            by_name[street.name.name].append(street)
            if street.name.suffix and name_key != street.key:
                by_name_key[name_key].append(street)
            by_core[street.name.core].append(street)
            by_compact[street.key.replace(" ", "")].append(street)
            sound_names[street.metaphone][street.name.name] = None
        self._by_name = {k: tuple(v) for k, v in by_name.items()}
        self._by_core = {k: tuple(v) for k, v in by_core.items()}
        self._by_compact = {k: tuple(v) for k, v in by_compact.items()}
        self._by_name_key = {k: tuple(v) for k, v in by_name_key.items()}
        self._sound_names = {k: tuple(v) for k, v in sound_names.items()}
        self._affix_codes: dict[str, int] = {}
        self._sounds = {
            sound: self._sound_group(names) for sound, names in self._sound_names.items()
        }
        self._sieve = SpellingSieve(list(self._by_name))
        self._sorted_names = sorted(self._by_name)
        self._cache: dict[str, tuple[StreetMatch, ...]] = {}
        self._cache_lock = threading.Lock()

    def knows(self, text: str) -> bool:
        """True when a street has this key, this key without its suffix, or this name."""
        return text in self.streets or text in self._by_core or text in self._by_name

    def match(self, key: str) -> tuple[StreetMatch, ...]:
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
        penalty = _AffixPenalty(wanted)
        # Every way of matching offers (street, similarity, how) in a fixed order; a street
        # keeps its best offer (the first of equal ones), and the best _MAX_MATCHES streets
        # are the answer.
        offers: list[_Offer] = []
        exact = self.streets.get(wanted.key)
        if exact is not None:
            offers.append((exact, 1.0, "key"))
        for street in self._by_name.get(wanted.name, ()):
            offers.append((street, 1.0 - penalty(street), "name"))
        for street in self._by_compact.get(wanted.key.replace(" ", ""), ()):
            offers.append((street, 0.9, "compact"))
        # "Washington Street" names WASHINGTON ST when it exists, not WASHINGTON STREET PL.
        name_heard = 1.0 - SUFFIX_NOT_SAID if exact is None else NAME_BESIDE_KEY
        for street in self._by_name_key.get(wanted.key, ()):
            offers.append((street, name_heard, "name"))
        before_sound = len(offers)
        for street in self._with_prefix(wanted.name):
            offers.append((street, PREFIX_SIMILARITY - penalty(street), "prefix"))
        near = self._sieve.candidates(wanted.name, FUZZY_CUTOFF)
        for name, score, _ in process.extract(
            wanted.name, near, scorer=fuzz.ratio, limit=6, score_cutoff=FUZZY_CUTOFF
        ):
            for street in self._by_name[name]:
                similarity = 0.9 * score / 100.0
                offers.append((street, similarity - penalty(street), "fuzzy"))
        sounding = self._sounding(wanted, penalty, offers)
        ordered = [*offers[:before_sound], *sounding, *offers[before_sound:]]
        found: dict[str, StreetMatch] = {}
        for street, similarity, how in ordered:
            if similarity <= 0:
                continue
            known = found.get(street.key)
            if known is None or known.similarity < similarity:
                found[street.key] = StreetMatch(street, round(similarity, 4), how)
        # nsmallest is sorted(...)[:n], ties kept in the order found: the answer of a sort.
        return tuple(
            heapq.nsmallest(
                _MAX_MATCHES, found.values(), key=lambda m: (-m.similarity, -m.street.point_count)
            )
        )

    def _sounding(
        self, wanted: StreetName, penalty: _AffixPenalty, offers: list[_Offer]
    ) -> list[_Offer]:
        """The streets that sound like ``wanted`` (the same metaphone), scaled by spelling —
        only those that can still be among the best _MAX_MATCHES beside ``offers``.

        A sound's names are scored in one call and tried best first; once a name's best
        possible similarity (no affix penalty) is below the _MAX_MATCHES-th best similarity
        found so far, neither it nor any name after it can make the answer. A street offered
        only here whose similarity is below that floor cannot make it either and is left out
        (a big city has thousands of numbered streets of one sound): every street's
        similarity is worked out at once, and only those above the floor are gone through."""
        sound = jellyfish.metaphone(wanted.name)
        names = self._sound_names.get(sound, ())
        if not names:
            return []
        group = self._sounds[sound]
        ratios = process.cdist(
            [wanted.name], names, scorer=fuzz.ratio, dtype=np.float64, workers=1
        )[0]
        ceilings = 0.55 + 0.3 * (ratios / 100.0)
        similarities = ceilings[group.name_at] - self._penalties(wanted, group)
        offered = {street.key for street, _, _ in offers}
        best: dict[str, float] = {}
        for street, similarity, _ in offers:
            best[street.key] = max(similarity, best.get(street.key, similarity))
        # The _MAX_MATCHES best similarities of distinct streets so far (a min-heap): a street
        # offered before keeps its earlier value here, which can only make the floor lower.
        top = heapq.nlargest(_MAX_MATCHES, best.values())
        heapq.heapify(top)
        # The floor only rises: a street offered only here and below it now never counts.
        if len(top) >= _MAX_MATCHES:
            tried = similarities >= top[0] - _SIMILARITY_GRAIN
            for key in offered:
                at = group.at.get(key)
                if at is not None:
                    tried[at] = True
            candidates = np.flatnonzero(tried)
        else:
            candidates = np.arange(len(group.streets))
        rank = np.empty(len(names), dtype=np.int64)
        rank[np.argsort(-ratios, kind="stable")] = np.arange(len(names))
        # Best name first; a name's streets in the order they are indexed.
        candidates = candidates[np.argsort(rank[group.name_at[candidates]], kind="stable")]
        sounding: list[_Offer] = []
        name = -1
        for at in candidates.tolist():
            if group.name_at[at] != name:
                name = int(group.name_at[at])
                if len(top) >= _MAX_MATCHES and ceilings[name] < top[0] - _SIMILARITY_GRAIN:
                    break
            street, similarity = group.streets[at], float(similarities[at])
            if street.key in offered:
                sounding.append((street, similarity, "phonetic"))
                continue
            if len(top) < _MAX_MATCHES:
                heapq.heappush(top, similarity)
            elif similarity > top[0]:
                heapq.heapreplace(top, similarity)
            elif similarity < top[0] - _SIMILARITY_GRAIN:
                continue  # below the floor: never among the best
            sounding.append((street, similarity, "phonetic"))
        # In the order the streets were indexed, as every other way offers them: of two
        # streets equally similar and equally big, the first indexed comes first.
        position = self._position
        return sorted(sounding, key=lambda offer: position[offer[0].key])

    def _penalties(self, wanted: StreetName, group: _SoundGroup) -> npt.NDArray[np.float64]:
        """:func:`affix_penalty` of every street of ``group`` at once (the same sums, in the
        same order, so the same values)."""
        codes = self._affix_codes
        penalties = np.zeros(len(group.streets), dtype=np.float64)
        for said, known, different, not_said in (
            (wanted.suffix, group.suffix, SUFFIX_DIFFERENT, SUFFIX_NOT_SAID),
            (wanted.predir, group.predir, DIRECTIONAL_DIFFERENT, DIRECTIONAL_NOT_SAID),
            (wanted.postdir, group.postdir, DIRECTIONAL_DIFFERENT, DIRECTIONAL_NOT_SAID),
        ):
            penalties = penalties + np.where(
                known != codes.get(said, -1), different if said else not_said, 0.0
            )
        return penalties

    def _sound_group(self, names: tuple[str, ...]) -> _SoundGroup:
        streets = [street for name in names for street in self._by_name[name]]
        codes = self._affix_codes

        def coded(parts: Iterable[str]) -> npt.NDArray[np.int32]:
            return np.array([codes.setdefault(p, len(codes)) for p in parts], dtype=np.int32)

        return _SoundGroup(
            streets=tuple(streets),
            name_at=np.repeat(np.arange(len(names)), [len(self._by_name[n]) for n in names]),
            suffix=coded(s.name.suffix for s in streets),
            predir=coded(s.name.predir for s in streets),
            postdir=coded(s.name.postdir for s in streets),
            at={street.key: at for at, street in enumerate(streets)},
        )

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


@dataclass(frozen=True, eq=False)
class _SoundGroup:
    """The streets of one sound, name by name (names in the order of the sound's names),
    with their affixes coded for working out every street's penalty at once."""

    streets: tuple[IndexedStreet, ...]
    name_at: npt.NDArray[np.intp]  # the place of each street's name among the sound's names
    suffix: npt.NDArray[np.int32]
    predir: npt.NDArray[np.int32]
    postdir: npt.NDArray[np.int32]
    at: dict[str, int]  # street key → its place in ``streets``


def name_as_key(name: StreetName) -> str:
    """A street's name read as a whole street ("CHESTNUT HILL" → "CHESTNUT HL"): what a
    caller who drops the suffix of Chestnut Hill Avenue is heard as."""
    try:
        return parse_street(name.name).key
    except ValueError:
        return name.name


class _AffixPenalty:
    """How much a street's other suffix or directionals lower its similarity to ``wanted``;
    kept per combination of affixes (a city has a few hundred of them)."""

    def __init__(self, wanted: StreetName) -> None:
        self._wanted = wanted
        self._known: dict[tuple[str, str, str], float] = {}

    def __call__(self, street: IndexedStreet) -> float:
        name = street.name
        affixes = (name.suffix, name.predir, name.postdir)
        known = self._known.get(affixes)
        if known is None:
            known = self._known[affixes] = affix_penalty(self._wanted, name)
        return known


def affix_penalty(wanted: StreetName, street: StreetName) -> float:
    penalty = 0.0
    if wanted.suffix != street.suffix:
        penalty += SUFFIX_DIFFERENT if wanted.suffix else SUFFIX_NOT_SAID
    for said, known in ((wanted.predir, street.predir), (wanted.postdir, street.postdir)):
        if said != known:
            penalty += DIRECTIONAL_DIFFERENT if said else DIRECTIONAL_NOT_SAID
    return penalty
