"""A street found by the first letters of its name keyed on the phone pad.

When the street said after a keyed house number cannot be placed, the caller keys its first
letters (2=ABC, 3=DEF, 4=GHI, 5=JKL, 6=MNO, 7=PQRS, 8=TUV, 9=WXYZ; a digit keys itself, so
"7th" is 7-8-4) and hears the gazetteer's streets whose name starts with those keys, as a short
menu. One key stands for three or four letters, so "927" is WAShington as well as WARren and
YARmouth: the choices are ranked so that the caller's street is near the top —

1. streets that have an address point with the keyed house number (one choice per postal
   code that has it: Washington Street has 438 in more than one part of the city);
2. streets whose own name starts with the keys, before those matched only through a spoken
   form ("SEV" for 7TH, "NOR" for N BEACON ST);
3. bigger streets (more address points) first, then by name.

The caller hears them four at a time (``MAX_CHOICES``) and may ask for the next four, up to
``MAX_PAGES`` menus: three keys with a keyed house number still leave eight Boston streets
("627" + 18: MARlborough, MARion twice, MARgaretta … MAScot), more than one menu holds.

Everything here reads the in-memory :class:`~ivr.addresses.index.GazetteerIndex`; nothing
touches the database once the index is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ivr.addresses.index import GazetteerIndex, IndexedStreet
from ivr.addresses.streets import StreetName, speakable_street

MAX_CHOICES = 4  # per menu (8 is "more streets", 9 "none of these"): more is hard to keep in mind
MAX_PAGES = 4  # menus of four a caller may page through: sixteen streets at most
MIN_KEYS = 2  # one key matches hundreds of streets: too many to offer
_PAD = {
    "2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL",
    "6": "MNO", "7": "PQRS", "8": "TUV", "9": "WXYZ",
}  # fmt: skip
KEYPAD: dict[str, str] = {letter: key for key, letters in _PAD.items() for letter in letters}


def keys_of(text: str) -> str:
    """The keys that type ``text`` on a phone pad: letters by their key, digits as
    themselves, anything else (spaces, apostrophes, hyphens) skipped. "7th St" → "78478"."""
    keys = []
    for char in text.upper():
        if char.isdigit():
            keys.append(char)
        elif char in KEYPAD:
            keys.append(KEYPAD[char])
    return "".join(keys)


@dataclass(frozen=True)
class StreetChoice:
    """One street offered for the keyed letters. ``street``: its name as the gazetteer writes
    it ("Washington St"), looked up again once chosen; ``postal_code``: the part of the city
    that has the house number ("" when none has it, or no number was keyed); ``spoken``: how
    the menu says it ("Washington Street, Brighton" when the same name is offered twice)."""

    street: str = field(repr=False)
    postal_code: str = field(repr=False)
    spoken: str = field(repr=False)
    has_number: bool = False


@dataclass(frozen=True)
class _Spelled:
    street: IndexedStreet
    name_keys: str  # the keys of the written name ("WASHINGTON" → 927446866)
    spoken_keys: tuple[str, ...]


@dataclass(frozen=True)
class _Candidate:
    street: IndexedStreet
    postal_code: str
    area: str  # the neighbourhood, for telling two of one name apart
    has_number: bool
    by_name: bool  # the keys start the street's own name, not only a spoken form
    points: int


class KeyedStreets:
    """The streets of the gazetteer by the keys of their first letters. ``index`` returns the
    current index (``GazetteerGeocoder.index``, reloaded after an import)."""

    def __init__(self, index: Callable[[], GazetteerIndex]) -> None:
        self._index = index
        self._table: tuple[GazetteerIndex, dict[str, list[_Spelled]]] | None = None

    def ready(self) -> None:
        """Load the index and make the table of its streets now (``Runtime.warm_up``), not at
        the first caller who keys a street's letters."""
        self._buckets()

    def _spelled(self, first_keys: str) -> list[_Spelled]:
        """The streets one of whose spellings starts with ``first_keys`` (``MIN_KEYS`` keys),
        in the index's order, with the keys of all their spellings."""
        return self._buckets().get(first_keys, [])

    def _buckets(self) -> dict[str, list[_Spelled]]:
        """The current index's streets by the first ``MIN_KEYS`` keys of each spelling, made
        once per index, so a caller's keys are matched against a few streets, not the city."""
        index = self._index()
        table = self._table
        if table is None or table[0] is not index:
            buckets: dict[str, list[_Spelled]] = {}
            for street in index.streets.values():
                entry = _Spelled(
                    street, keys_of(street.name.name), tuple(set(_spoken_keys(street.name)))
                )
                starts = {k[:MIN_KEYS] for k in (entry.name_keys, *entry.spoken_keys)}
                for start in starts:
                    if len(start) == MIN_KEYS:
                        buckets.setdefault(start, []).append(entry)
            table = self._table = (index, buckets)
        return table[1]

    def choices(
        self, keys: str, house_number: str = "", *, limit: int = MAX_CHOICES
    ) -> list[StreetChoice]:
        """The streets whose name starts with ``keys`` (digits only; anything else in it is
        ignored), best first, at most ``limit``; none for fewer than two keys."""
        wanted = "".join(c for c in keys if c.isdigit())
        if len(wanted) < MIN_KEYS:
            return []
        number = house_number.strip().upper()
        found: list[_Candidate] = []
        for entry in self._spelled(wanted[:MIN_KEYS]):
            by_name = entry.name_keys.startswith(wanted)
            if by_name or any(k.startswith(wanted) for k in entry.spoken_keys):
                found += _candidates(entry.street, number, by_name=by_name)
        found.sort(key=lambda c: (not c.has_number, not c.by_name, -c.points, c.street.display))
        return _spoken_choices(found[:limit])


def _spoken_keys(name: StreetName) -> Iterable[str]:
    """The keys of the ways a caller may spell a street besides its written name: with its
    directional ("N WASHINGTON"), and as said ("Seventh", "North Beacon")."""
    bare = StreetName(predir=name.predir, name=name.name, suffix="", postdir="")
    yield keys_of(bare.key)
    yield keys_of(speakable_street(bare))
    yield keys_of(speakable_street(StreetName(predir="", name=name.name, suffix="", postdir="")))


def _candidates(street: IndexedStreet, number: str, *, by_name: bool) -> list[_Candidate]:
    """One candidate per postal code that has the house number; else one for the street."""
    points = street.by_number.get(number, ()) if number else ()
    places = {p.postal_code: p.neighbourhood for p in points}
    if places:
        return [
            _Candidate(street, code, area, True, by_name, street.point_count)
            for code, area in sorted(places.items())
        ]
    return [_Candidate(street, "", "", False, by_name, street.point_count)]


def _spoken_choices(found: list[_Candidate]) -> list[StreetChoice]:
    names = [speakable_street(c.street.display) for c in found]
    choices = []
    for candidate, name in zip(found, names, strict=True):
        spoken = name
        if names.count(name) > 1:
            where = candidate.area.title() or " ".join(candidate.postal_code)
            spoken = f"{name}, {where}" if where else name
        choices.append(
            StreetChoice(
                street=candidate.street.display,
                postal_code=candidate.postal_code,
                spoken=spoken,
                has_number=candidate.has_number,
            )
        )
    return choices
