"""Words that should be a street name → every street key they can stand for, weighted.

The spoken parser (:mod:`ivr.addresses.spoken`) hands here the words it has left for a street
once it has taken a house number off: "twenty third street", "savin hill", "b elm street",
"mass ave". :func:`street_readings` gives each key they can be read as, numbered streets
included ("twenty third" → 23RD), with how much it is trusted: a name cut at its suffix word, a
name with no suffix, an alias ("Mass" → MASSACHUSETTS) and its literal reading, and for a name
ending in a suffix form that is rarely a street type ("Savin Hill") also the core of a longer
name ("SAVIN HILL" of Savin Hill Avenue). See docs/addresses-spoken.md for the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ivr.addresses.number_words import ordinal_suffix
from ivr.addresses.spoken_numbers import is_number_word, is_ordinal, read_ordinal, unit_value
from ivr.addresses.spoken_vocabulary import FUNCTION_WORDS, NAME_ALIASES, STREET_ENDS
from ivr.addresses.spoken_words import number_at
from ivr.addresses.streets import StreetName, parse_street
from ivr.addresses.usps_suffixes import DIRECTIONAL_STANDARD, SUFFIX_SPOKEN, SUFFIX_STANDARD

MAX_NAME_WORDS = 7
# Suffixes that are never a whole street name on their own ("twelve street" is no address).
_BARE_SUFFIXES = frozenset({"ST", "AVE", "RD", "DR", "BLVD", "LN", "PL", "CT", "TER", "HWY"})
# Street types a street name is rarely said without; any other suffix word ending what the caller
# said ("Savin Hill", "City Point") may be the end of a longer name ("Savin Hill Avenue").
_ROAD_TYPES = frozenset(
    {"ST", "AVE", "RD", "BLVD", "DR", "LN", "PL", "CT", "TER", "WAY", "PKWY", "HWY", "SQ", "CIR"}
)
LETTER_O = frozenset({"O", "OH"})  # "O Street": the letter, not a zero

# How much less a street reading is trusted when…
NO_SUFFIX = 0.85  # …the street has no "street"/"avenue" word
SHORT_STOP = 0.6  # …the street is cut at its first suffix word though another follows
BIG_ORDINAL = 0.5  # …a numbered street above 300th
LETTER_NAME = 0.7  # …a street name starts with a lone letter ("B Elm Street")
CORE_OF_LONGER = 0.9  # …"Savin Hill" is read as part of a longer name, not as SAVIN HL
ALIAS_LITERAL = 0.9  # …"Mass" is kept as said rather than read as "Massachusetts"


@dataclass(frozen=True)
class StreetReading:
    """A street key words can stand for, and how much that reading is trusted."""

    key: str
    weight: float


def leading_run(tokens: Sequence[str]) -> int:
    """How many leading tokens are number words, ending at the first ordinal if any."""
    n = 0
    while n < len(tokens):
        token = tokens[n]
        if is_ordinal(token):
            return n + 1
        if token == "AND":
            follows = number_at(tokens, n + 1) or (
                n + 1 < len(tokens) and is_ordinal(tokens[n + 1])
            )
            if not (number_at(tokens, n - 1) and follows):
                return n
        if not is_number_word(token):
            return n
        n += 1
    return n


def _street_end(words: Sequence[str]) -> list[tuple[int, float]]:
    """Where the street name ends: after its suffix (and a directional), best first."""
    first = 2 if len(words) > 2 and words[0] in DIRECTIONAL_STANDARD else 1
    limit = len(words)
    for i, word in enumerate(words):
        if word in STREET_ENDS and i > 0:
            limit = i
            break
    for p in range(first, limit):
        if words[p] in SUFFIX_STANDARD:
            end = p + 1
            while end < limit and words[end] in SUFFIX_STANDARD:
                end += 1
            if end < limit and words[end] in DIRECTIONAL_STANDARD:
                end += 1
            stops = [(end, 1.0)]
            if end > p + 1 and words[p + 1] in SUFFIX_STANDARD:
                stops.append((p + 1, SHORT_STOP))
            return stops
    return [(limit, NO_SUFFIX)]


def street_readings(tokens: Sequence[str]) -> list[StreetReading]:
    """Every reading of words that should be a street name (possibly a numbered one)."""
    if not tokens:
        return []
    if tokens[0] in LETTER_O and len(tokens) > 1 and tokens[1] in SUFFIX_STANDARD:
        return _name_readings(["O", *tokens[1:]], 1.0)  # "O Street", not a zero
    run = leading_run(tokens)
    heads: list[tuple[list[str], float]]
    if run:
        if not is_ordinal(tokens[run - 1]):
            return []
        heads = []
        for reading in read_ordinal(tokens[:run]):
            value = int(reading.digits)
            weight = reading.weight * (BIG_ORDINAL if value > 300 else 1.0)
            heads.append(([ordinal_suffix(value)], weight))
    else:
        heads = [([], 1.0)]
    rest = list(tokens[run:])
    readings: list[StreetReading] = []
    for head, head_weight in heads:
        readings.extend(_name_readings(head + rest, head_weight))
    return readings


def _name_readings(words: list[str], weight: float) -> list[StreetReading]:
    """The street keys words can stand for, each with how much it is trusted."""
    readings: list[StreetReading] = []
    for end, end_weight in _street_end(words):
        name = words[:end]
        if not name or len(name) > MAX_NAME_WORDS or name[0] == "STREET":
            continue
        if len(name) == 1 and SUFFIX_STANDARD.get(name[0]) in _BARE_SUFFIXES:
            continue
        if name[0] not in LETTER_O and (is_number_word(name[0]) or unit_value(name[0]) is not None):
            continue
        if all(word in FUNCTION_WORDS for word in name):
            continue
        said = weight * end_weight
        lone_letter = len(name[0]) == 1 and name[0] not in DIRECTIONAL_STANDARD
        letter_street = len(name) > 1 and SUFFIX_STANDARD.get(name[1]) in _ROAD_TYPES
        if lone_letter and len(name) > 1 and not letter_street:
            said *= LETTER_NAME  # "B Elm Street" is rarer than 12B Elm Street
        if name[0] in NAME_ALIASES:
            readings.extend(_keys([*NAME_ALIASES[name[0]].split(), *name[1:]], said))
            said *= ALIAS_LITERAL
        readings.extend(_keys(name, said))
    return readings


def _keys(name: list[str], weight: float) -> list[StreetReading]:
    """The key of a name, and for a name said without its street type whose last word is a
    suffix form ("Savin Hill" of Savin Hill Avenue) also the suffix-less core "SAVIN HILL"."""
    try:
        street = parse_street(" ".join(name))
    except ValueError:
        return []
    readings = [StreetReading(street.key, weight)]
    if street.suffix and name[-1] in SUFFIX_STANDARD and street.suffix not in _ROAD_TYPES:
        word = SUFFIX_SPOKEN[street.suffix].upper()
        core = StreetName(street.predir, f"{street.name} {word}", "", street.postdir)
        readings.append(StreetReading(core.key, weight * CORE_OF_LONGER))
    return readings
