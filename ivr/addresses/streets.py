"""Street names in one canonical form, shared by the spoken parser, the gazetteer and readers.

A street name is split the way USPS Publication 28 splits it: pre-directional, name, suffix,
post-directional. The *key* joins them upper case with the Postal Service standard
abbreviations ("N WASHINGTON ST"); it is what every part of the gateway compares. The rules:

- case, periods, apostrophes and extra spaces do not matter; hyphens separate words;
- the last word is the suffix when it is one of Appendix C1's forms and a name is left before
  it ("Park Street" → PARK ST; "Park" alone stays a name); a suffix word that *starts* a name
  with no suffix at the end ("Avenue Louis Pasteur") is part of the name, spelled out;
- a directional word first or last is a directional when a name is left ("West Broadway" →
  W BROADWAY, "Charles Street South" → CHARLES ST S, "South Street" → SOUTH ST);
- numbered streets are numerals with their ordinal ending: "Fifth", "5th", "twenty third" →
  5TH, 5TH, 23RD;
- "St", "Mt", "Ft", "Dr" and other titles before a name are spelled out (SAINT JAMES AVE,
  MOUNT VERNON ST, DOCTOR MARY MOORE BEATTY CIR); "Junior" is JR;
- only the first of several names joined by ";" counts (``street_keys`` gives all of them);
  anything after a comma, a trailing floor/suite/unit, and a house number in front are dropped.

A key may have an empty suffix ("ELM", when a caller says "one oh one Elm"): match it on the
name core, i.e. against every street whose key without the suffix is the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from num2words import num2words

from ivr.addresses.number_words import ORDINAL_TO_CARDINAL, ordinal_suffix, ordinal_value
from ivr.addresses.usps_suffixes import (
    DIRECTIONAL_SPOKEN,
    DIRECTIONAL_STANDARD,
    SUFFIX_SPOKEN,
    SUFFIX_STANDARD,
)

# Titles written before a name, spelled out so "St James" and "Saint James" meet.
_TITLES: dict[str, str] = {
    "ST": "SAINT",
    "STE": "SAINTE",
    "MT": "MOUNT",
    "FT": "FORT",
    "DR": "DOCTOR",
    "REV": "REVEREND",
    "MSGR": "MONSIGNOR",
    "GEN": "GENERAL",
    "COL": "COLONEL",
    "LT": "LIEUTENANT",
    "SGT": "SERGEANT",
    "CAPT": "CAPTAIN",
    "CPT": "CAPTAIN",
    "GOV": "GOVERNOR",
    "PROF": "PROFESSOR",
}
_NAME_WORDS: dict[str, str] = {"JUNIOR": "JR"}
_SPOKEN_NAME_WORDS: dict[str, str] = {"JR": "Junior", "SR": "Senior"}
# Suffixes that also appear just before a final suffix ("Stratton St Extension").
_INNER_SUFFIXES = frozenset({"ST", "AVE", "RD", "BLVD"})
_UNIT_WORDS = frozenset({"FLOOR", "FL", "SUITE", "STE", "UNIT", "APT", "APARTMENT", "RM", "ROOM"})
_ORDINAL_NUMERAL = re.compile(r"^(\d+)(ST|ND|RD|TH)$")
_SPLIT = re.compile(r"[\s\-/_]+")
_DROP = re.compile(r"[^\w]")
_VOWELS = frozenset("AEIOUY")


@dataclass(frozen=True)
class StreetName:
    """One street name split into its Publication 28 parts, upper case."""

    predir: str
    name: str
    suffix: str
    postdir: str

    @property
    def key(self) -> str:
        """The canonical key: "N WASHINGTON ST"; "ELM" when no suffix was given."""
        return " ".join(
            part for part in (self.predir, self.name, self.suffix, self.postdir) if part
        )

    @property
    def core(self) -> str:
        """The key without its suffix: what a suffix-less spoken name is matched against."""
        return " ".join(part for part in (self.predir, self.name, self.postdir) if part)


@dataclass(frozen=True)
class _Word:
    key: str  # upper case, letters and digits only
    shown: str  # as written, for reading back ("O'Brien", "McDonough")


def _words(written: str) -> list[_Word]:
    first = written.split(";", 1)[0].split(",", 1)[0]
    first = re.sub(r"#\s*\w+\s*$", " ", first)
    words: list[_Word] = []
    for raw in _SPLIT.split(first):
        shown = raw.replace(".", "").replace("’", "'").strip("'\"()")
        key = _DROP.sub("", shown.upper()).replace("_", "")
        if key:
            words.append(_Word(key, shown))
    return words


def _drop_unit(words: list[_Word]) -> list[_Word]:
    """Drop "… 2nd Floor", "… Floor 2", "… Suite 400" at the end."""
    if len(words) >= 3 and words[-1].key in _UNIT_WORDS:
        return words[:-2] if _ORDINAL_NUMERAL.match(words[-2].key) else words
    if len(words) >= 3 and words[-2].key in _UNIT_WORDS and words[-2].key != "STE":
        return words[:-2]
    return words


def _join_ordinals(words: list[_Word]) -> list[_Word]:
    """Turn ordinal words and numerals into "5TH" style: "TWENTY THIRD" → "23RD"."""
    out: list[_Word] = []
    i = 0
    while i < len(words):
        joined = None
        for end in range(min(len(words), i + 6), i, -1):
            if words[end - 1].key not in ORDINAL_TO_CARDINAL:
                continue
            value = ordinal_value([w.key for w in words[i:end]])
            if value is not None:
                joined = (end, value)
                break
        if joined is not None:
            end, value = joined
            key = ordinal_suffix(value)
            out.append(_Word(key, key))
            i = end
            continue
        match = _ORDINAL_NUMERAL.match(words[i].key)
        if match:
            key = ordinal_suffix(int(match.group(1)))
            out.append(_Word(key, key))
        else:
            out.append(words[i])
        i += 1
    return out


@dataclass(frozen=True)
class _Parsed:
    street: StreetName
    shown_name: tuple[str, ...]


def _parse(written: str) -> _Parsed:
    words = _join_ordinals(_drop_unit(_words(written)))
    if len(words) >= 3 and words[0].key.isdigit():
        words = words[1:]  # a house number written in front of the street
    if not words:
        raise ValueError(f"street name has no words: {len(written)} characters given")
    postdir = suffix = predir = ""
    if len(words) >= 2 and words[-1].key in DIRECTIONAL_STANDARD:
        postdir = DIRECTIONAL_STANDARD[words[-1].key]
        words = words[:-1]
    if len(words) >= 2 and words[-1].key in SUFFIX_STANDARD:
        suffix = SUFFIX_STANDARD[words[-1].key]
        words = words[:-1]
        if len(words) >= 2 and SUFFIX_STANDARD.get(words[-1].key) in _INNER_SUFFIXES:
            inner = SUFFIX_STANDARD[words[-1].key]
            words = [*words[:-1], _Word(inner, SUFFIX_SPOKEN[inner])]
    if len(words) >= 2 and words[0].key in DIRECTIONAL_STANDARD:
        predir = DIRECTIONAL_STANDARD[words[0].key]
        words = words[1:]
    name = _name_words(words, has_suffix=bool(suffix))
    return _Parsed(
        StreetName(predir, " ".join(w.key for w in name), suffix, postdir),
        tuple(w.shown for w in name),
    )


def _name_words(words: list[_Word], *, has_suffix: bool) -> list[_Word]:
    out: list[_Word] = []
    for index, word in enumerate(words):
        last = index == len(words) - 1
        if not last and word.key in _TITLES and (index == 0 or word.key == "ST"):
            title = _TITLES[word.key]
            out.append(_Word(title, title.title()))
        elif index == 0 and not has_suffix and len(words) >= 2 and word.key in SUFFIX_STANDARD:
            primary = SUFFIX_SPOKEN[SUFFIX_STANDARD[word.key]]
            out.append(_Word(primary.upper(), primary))
        elif word.key in _NAME_WORDS:
            out.append(_Word(_NAME_WORDS[word.key], word.shown))
        else:
            out.append(word)
    return out


def parse_street(written: str) -> StreetName:
    """Split a written or recognised street name into its parts.

    Raises ValueError when nothing of a name is left ("", "  ", "--").
    """
    return _parse(written).street


def street_key(written: str) -> str:
    """The canonical key of a written street name: "N. Beacon St" → "N BEACON ST"."""
    return _parse(written).street.key


def street_keys(written: str) -> tuple[str, ...]:
    """Every key of a field that lists several names joined by ";" (first one first)."""
    keys: list[str] = []
    for part in written.split(";"):
        try:
            key = street_key(part)
        except ValueError:
            continue
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def _speak_name_word(key: str, shown: str | None) -> str:
    match = _ORDINAL_NUMERAL.match(key)
    if match:
        return str(num2words(int(match.group(1)), to="ordinal")).replace(" and ", " ").title()
    if key in _SPOKEN_NAME_WORDS:
        return _SPOKEN_NAME_WORDS[key]
    if key in _INNER_SUFFIXES:
        return SUFFIX_SPOKEN[key]
    if shown and not (shown.isupper() or shown.islower()):
        return shown  # written in mixed case on purpose: "McDonough", "O'Brien"
    if len(key) > 1 and not _VOWELS.intersection(key):
        return key  # an acronym such as "VFW", said letter by letter
    return (shown or key).capitalize()


def speakable_street(street: StreetName | str) -> str:
    """How a person says a street: "North Beacon Street", "Fifth Avenue", "O'Brien Court"."""
    if isinstance(street, str):
        parsed = _parse(street)
        name_words = parsed.street.name.split()
        shown: tuple[str | None, ...] = parsed.shown_name
        street = parsed.street
    else:
        name_words = street.name.split()
        shown = (None,) * len(name_words)
    parts = []
    if street.predir:
        parts.append(DIRECTIONAL_SPOKEN.get(street.predir, street.predir.capitalize()))
    parts.extend(_speak_name_word(k, s) for k, s in zip(name_words, shown, strict=True))
    if street.suffix:
        parts.append(SUFFIX_SPOKEN.get(street.suffix, street.suffix.capitalize()))
    if street.postdir:
        parts.append(DIRECTIONAL_SPOKEN.get(street.postdir, street.postdir.capitalize()))
    return " ".join(parts)
