"""Spoken words → ranked address candidates (house number, street key, cross street, postal code).

The parser keeps ambiguity instead of resolving it: "one twenty third street" gives 1 23RD ST,
120 3RD ST and 123RD ST as separate candidates with weights, and the gazetteer decides which one
exists. A ``known_streets`` predicate (street key or suffix-less core → exists?) lets it rank
readings whose street exists first. Bad input never raises: it gives no candidates and a reason.
This module finds the house number, the cross street and the postal code; the words left for a
street are read by :mod:`ivr.addresses.spoken_streets`. See docs/addresses-spoken.md for the
rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ivr.addresses.number_words import TENS
from ivr.addresses.spoken_numbers import (
    NumberReading,
    is_number_word,
    is_ordinal,
    read_house_number,
)
from ivr.addresses.spoken_spanish import spanish_as_english
from ivr.addresses.spoken_streets import LETTER_O, StreetReading, leading_run, street_readings
from ivr.addresses.spoken_vocabulary import (
    HOMOPHONES,
    HOUSE_LETTERS,
    INTERSECTION_MARKERS,
)
from ivr.addresses.spoken_words import (
    extract_postal_code,
    focus_on_address,
    homophone_variants,
    hyphen_variants,
    number_at,
    split_at_connector,
    split_correction,
    strip_fillers,
    utterance_words,
)
from ivr.addresses.types import AddressCandidate

MAX_TOKENS = 60  # more words than this are no single address: the caller is asked again
MAX_HOUSE_WORDS = 9  # "four thousand two hundred and ninety one" is 7
MAX_ORDINAL_WORDS = 6  # "one hundred and twenty fifth" is 5
_UNIT_ORDINALS = frozenset(
    {"FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH"}
)

# How much less a reading is trusted when… (the street's own factors: ivr.addresses.spoken_streets)
STREET_ONLY = 0.7  # …no house number was said
SPLIT_PAIR = 0.6  # …a tens word and a unit ordinal are split ("twenty | third street")
NO_MARKER = 0.9  # …an intersection was heard without "corner of" / "intersection of"
FROM_THE_NUMBER_ON = 0.8  # …the words before the house number are dropped as a lead-in
UNKNOWN_STREET = 0.4  # …``known_streets`` says the street does not exist
UNKNOWN_CROSS = 0.7  # …``known_streets`` says the cross street does not exist


@dataclass(frozen=True)
class ParseResult:
    """Candidates best first (weight 0..1); ``reason`` says in plain words why there are none."""

    candidates: tuple[AddressCandidate, ...]
    reason: str = field(default="")

    @property
    def best(self) -> AddressCandidate | None:
        return self.candidates[0] if self.candidates else None


def _address_readings(
    tokens: list[str], *, street_only: float
) -> list[tuple[str | None, StreetReading, float, str]]:
    """(house number, street, weight, rule) for words that say one address or one street."""
    out: list[tuple[str | None, StreetReading, float, str]] = []
    variants = [
        (variant, hyphen_weight * homophone_weight)
        for hyphened, hyphen_weight in hyphen_variants(tokens)
        for variant, homophone_weight in homophone_variants(hyphened)
    ]
    for variant, variant_weight in variants:
        run = leading_run(variant)
        ends_in_ordinal = run > 0 and is_ordinal(variant[run - 1])
        # A house number is at most MAX_HOUSE_WORDS words, a street number MAX_ORDINAL_WORDS.
        for split in range(max(0, run - MAX_ORDINAL_WORDS), min(run, MAX_HOUSE_WORDS) + 1):
            house: NumberReading | None = None
            if split:
                if is_ordinal(variant[split - 1]):
                    continue
                house = read_house_number(variant[:split])
                if house is None:
                    continue
            letter_o = split == run - 1 and variant[split] in LETTER_O
            if split < run and not ends_in_ordinal and not letter_o:
                continue
            weight = variant_weight * (house.weight if house else street_only)
            tens_then_ordinal = 0 < split < run and variant[split - 1] in TENS
            if tens_then_ordinal and variant[split] in _UNIT_ORDINALS:
                weight *= SPLIT_PAIR
            rest = variant[split:]
            rule = house.rule if house else "street"
            for street in street_readings(rest):
                out.append((house.digits if house else None, street, weight * street.weight, rule))
            letter = rest[0] if rest and split == run and house else ""
            if len(letter) == 1 and letter in HOUSE_LETTERS and house:
                for street in street_readings(rest[1:]):
                    out.append(
                        (house.digits + letter, street, weight * street.weight, rule + "+letter")
                    )
    return out


def _candidates(tokens: list[str]) -> list[AddressCandidate]:
    tokens = strip_fillers(tokens)
    tokens, postal = extract_postal_code(tokens)
    tokens = strip_fillers(focus_on_address(strip_fillers(tokens)))
    marker = INTERSECTION_MARKERS.starts(tokens)
    body = strip_fillers(tokens[marker:]) if marker and marker < len(tokens) else tokens
    out: list[AddressCandidate] = []
    split = split_at_connector(body)
    if split is not None:
        left, right = split
        marker_weight = 1.0 if marker else NO_MARKER
        crosses = sorted(street_readings(right), key=lambda s: -s.weight)[:3]
        lefts = sorted(_address_readings(left, street_only=1.0), key=lambda r: -r[2])[:4]
        for house, street, weight, rule in lefts:
            for cross in crosses:
                if cross.key == street.key:
                    continue
                out.append(
                    AddressCandidate(
                        house_number=house,
                        street=street.key,
                        cross_street=cross.key,
                        postal_code=postal,
                        weight=weight * cross.weight * marker_weight,
                        reading=f"{rule}+cross" if house else "intersection",
                    )
                )
    if not out:
        for house, street, weight, rule in _address_readings(body, street_only=STREET_ONLY):
            out.append(
                AddressCandidate(
                    house_number=house,
                    street=street.key,
                    postal_code=postal,
                    weight=weight,
                    reading=rule,
                )
            )
    return out


def _reason(words: str, tokens: list[str]) -> str:
    if not words.strip():
        return "nothing was said"
    if len(tokens) > MAX_TOKENS:
        return f"too many words for one address ({len(tokens)}); ask for the address alone"
    if not tokens:
        return "only hesitations or noise were heard, no address"
    content, _postal = extract_postal_code(strip_fillers(list(tokens)))
    content = strip_fillers(content)
    if not content:
        return "only filler words were heard, no address"
    if all(is_number_word(t) for t in content):
        return "only a number was heard, no street name"
    return "no street name could be read from the words"


def _rank(
    found: list[AddressCandidate],
    known_streets: Callable[[str], bool] | None,
    max_candidates: int,
) -> tuple[AddressCandidate, ...]:
    known: dict[str, bool] = {}

    def exists(key: str) -> bool:
        if known_streets is None:
            return True
        if key not in known:
            known[key] = bool(known_streets(key))
        return known[key]

    best: dict[tuple[str | None, ...], AddressCandidate] = {}
    for candidate in found:
        weight = candidate.weight
        if candidate.street and not exists(candidate.street):
            weight *= UNKNOWN_STREET
        if candidate.cross_street and not exists(candidate.cross_street):
            weight *= UNKNOWN_CROSS
        weight = round(min(1.0, weight), 4)
        ident = (
            candidate.house_number,
            candidate.street,
            candidate.cross_street,
            candidate.postal_code,
        )
        if ident not in best or best[ident].weight < weight:
            best[ident] = AddressCandidate(
                house_number=candidate.house_number,
                street=candidate.street,
                cross_street=candidate.cross_street,
                postal_code=candidate.postal_code,
                weight=weight,
                reading=candidate.reading,
            )
    ranked = sorted(best.values(), key=lambda c: -c.weight)
    return tuple(ranked[: max(0, max_candidates)])


def parse_spoken(
    words: str,
    *,
    known_streets: Callable[[str], bool] | None = None,
    max_candidates: int = 12,
) -> ParseResult:
    """Read an address from recognised words: ranked candidates, or none and a reason.

    ``known_streets(key)`` answers whether a street key (or, for a key without suffix, a name
    core) exists in the city; readings whose street does not exist are ranked lower, not
    dropped, so a fuzzy match can still find them.
    """
    words = words if isinstance(words, str) else ""
    tokens = spanish_as_english(utterance_words(words))
    found: list[AddressCandidate] = []
    parts = split_correction(tokens) if len(tokens) <= MAX_TOKENS else []
    for part, part_weight in parts:
        found = [
            AddressCandidate(
                house_number=c.house_number,
                street=c.street,
                cross_street=c.cross_street,
                postal_code=c.postal_code,
                weight=c.weight * part_weight,
                reading=c.reading,
            )
            for c in _candidates(part)
        ]
        if found:
            break
    found += _from_the_number_on(tokens) if parts else []
    if not found:
        return ParseResult((), _reason(words, tokens))
    return ParseResult(_rank(found, known_streets, max_candidates))


def _from_the_number_on(tokens: list[str]) -> list[AddressCandidate]:
    """Readings of the words from the first house number that follows other words, a little
    less trusted: a lead-in no list knows ("hi, it's set 3976 Little Avenue", as Whisper
    heard "it's at"), or one a recogniser turned into a number ("five it's at thirty nine
    seventy six …", PocketSphinx's "hi") must not make the address unreadable."""
    start = next(
        (
            i
            for i in range(1, len(tokens))
            if number_at(tokens, i)
            and not number_at(tokens, i - 1)
            and tokens[i] != "AND"
            and tokens[i - 1] not in HOMOPHONES  # "for 38": four thirty eight, read already
            and tokens[i - 1] != "DASH"  # "12-14": a range or pairs, read already
        ),
        None,
    )
    if start is None:
        return []
    return [
        AddressCandidate(
            house_number=c.house_number,
            street=c.street,
            cross_street=c.cross_street,
            postal_code=c.postal_code,
            weight=c.weight * FROM_THE_NUMBER_ON,
            reading=f"{c.reading}+from-number",
        )
        for c in _candidates(tokens[start:])
        if c.house_number
    ]
