"""An utterance as words: hesitations, fillers, corrections, postal codes and homophones.

The spoken parser (``ivr.addresses.spoken``) reads addresses from what is left. Tokens are upper
case with apostrophes removed ("it's" → "ITS"), as in ``spoken_vocabulary``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ivr.addresses.spoken_numbers import is_number_word, is_ordinal, read_digit_string
from ivr.addresses.spoken_vocabulary import (
    ADDRESS_INTROS,
    ANYWHERE,
    CONNECTORS,
    CORRECTIONS,
    DISFLUENCIES,
    HOMOPHONES,
    INTERSECTION_MARKERS,
    LEADING,
    RANGE_WORDS,
    STREET_INTROS,
    TRAILING,
    ZIP_MARKERS,
)
from ivr.addresses.usps_suffixes import SUFFIX_STANDARD

MAX_CHARS = 1000  # the longest utterance looked at; the rest is ignored
MAX_WORD = 40  # longer "words" are noise
_WORD = re.compile(r"[^\W_]+")
_COMPASS_PAIRS = {
    ("NORTH", "WEST"): "NW",
    ("NORTH", "EAST"): "NE",
    ("SOUTH", "WEST"): "SW",
    ("SOUTH", "EAST"): "SE",
    ("NOR", "WEST"): "NW",  # Whisper's "nor West 64th Street"
    ("NOR", "EAST"): "NE",
}
_DIRECTIONAL_INITIALS = re.compile(r"\b([NS])\.\s*([EW])\b\.?", re.IGNORECASE)

# How much less a reading is trusted when…
HOMOPHONE = 0.85  # …"for" was read as four
DROPPED_WORD = 0.8  # …a word next to the number was dropped
RANGE = 0.9  # …a house-number range was cut to its first number
CORRECTED_AWAY = 0.8  # …the words before "sorry" / "I mean" are used
UNLIKELY_HYPHEN = 0.7  # …"12-14" is read as 1214, "10-23" as a range
MAX_RANGE_GAP = 20  # "12-14", "100-110", "10-30": the numbers of one building, not "10-50"


def utterance_words(words: str) -> list[str]:
    text = words[:MAX_CHARS].upper().replace("&", " AND ").replace("’", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # "1,234"
    text = re.sub(r"\b(\d{5})-\d{4}\b", r"\1", text)  # a ZIP+4 code: its five digits
    # Digits said one by one, written with hyphens ("1-4-3-7"): one number.
    text = re.sub(r"\b\d(?:\s*-\s*\d\b){2,}", lambda m: re.sub(r"\D", "", m.group()), text)
    # Two numbers joined by a hyphen: a range ("12-14") or pairs ("10-23"); hyphen_variants
    # reads both.
    text = re.sub(r"(\d+)\s*-\s*(?=\d)", r"\1 DASH ", text)
    text = join_directional_initials(text)
    text = re.sub(r"\b(\d+)([A-Z])\b", r"\1 \2", text)  # "12A" → "12 A"
    text = re.sub(r"\bA\s+(?=HUNDRED\b|THOUSAND\b)", "ONE ", text.replace("'", ""))  # "a hundred"
    found = _WORD.findall(text)
    kept = [t for t in found if t not in DISFLUENCIES and t not in ANYWHERE and len(t) <= MAX_WORD]
    return _join_compass_words(kept)


def _join_compass_words(tokens: list[str]) -> list[str]:
    """ "NORTH WEST SEVENTH AVENUE" → "NW SEVENTH AVENUE", as a recogniser splits "northwest";
    left apart before a suffix word ("North East Street" is EAST ST, north)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = _COMPASS_PAIRS.get((tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""))
        after = tokens[i + 2] if i + 2 < len(tokens) else ""
        if pair and after and after not in SUFFIX_STANDARD:
            out.append(pair)
            i += 2
            continue
        out.append(tokens[i])
        i += 1
    return out


def join_directional_initials(text: str) -> str:
    """ "N.W. 7th Ave" → "NW 7th Ave": the initials of a directional are one word, not the
    letters N and W."""
    return _DIRECTIONAL_INITIALS.sub(r"\1\2", text)


def strip_fillers(tokens: list[str]) -> list[str]:
    """Drop filler phrases from both ends until none is left."""
    changed = True
    while changed and tokens:
        changed = False
        n = LEADING.starts(tokens)
        if n and n < len(tokens):
            tokens, changed = tokens[n:], True
        n = TRAILING.ends(tokens)
        if n and not all(is_number_word(t) for t in tokens[:-n]):
            # kept when only a number would be left: "twelve thirty Massachusetts"
            tokens, changed = tokens[:-n], True
    if tokens and len(tokens) in (LEADING.starts(tokens), TRAILING.ends(tokens)):
        return []  # nothing but a filler phrase ("in boston", "thank you")
    return tokens


def extract_postal_code(tokens: list[str]) -> tuple[list[str], str | None]:
    """Take a postal code out of the words: after "zip code", or five digits at the end."""
    for i in range(len(tokens)):
        n = ZIP_MARKERS.starts(tokens, i)
        if not n:
            continue
        j = i + n
        while j < len(tokens) and read_digit_string([tokens[j]]) is not None:
            j += 1
        digits = read_digit_string(tokens[i + n : j])
        return tokens[:i] + tokens[j:], digits if digits and len(digits) == 5 else None
    j = len(tokens)
    while j > 0 and read_digit_string([tokens[j - 1]]) is not None:
        j -= 1
    digits = read_digit_string(tokens[j:])
    before = tokens[:j]
    if digits and len(digits) == 5 and any(not is_number_word(t) for t in before):
        return before, digits
    return tokens, None


def split_correction(tokens: list[str]) -> list[tuple[list[str], float]]:
    """The words after the last correction, then the words before it (less trusted)."""
    for i in range(len(tokens) - 1, -1, -1):
        n = CORRECTIONS.starts(tokens, i)
        if n:
            return [(tokens[i + n :], 1.0), (tokens[:i], CORRECTED_AWAY)]
    return [(tokens, 1.0)]


def number_at(tokens: Sequence[str], i: int) -> bool:
    return 0 <= i < len(tokens) and is_number_word(tokens[i])


def homophone_variants(tokens: list[str]) -> list[tuple[list[str], float]]:
    """Readings of "for", "to", "won"… next to a number: as the digit, and as the word."""
    spots = [
        i
        for i, t in enumerate(tokens)
        if t in HOMOPHONES and (number_at(tokens, i - 1) or number_at(tokens, i + 1))
    ]
    if not spots:
        return [(tokens, 1.0)]
    as_digits = [HOMOPHONES[t] if i in spots else t for i, t in enumerate(tokens)]
    variants = [(as_digits, HOMOPHONE)]
    between = [i for i in spots if number_at(tokens, i - 1) and number_at(tokens, i + 1)]
    ranges = [i for i in between if tokens[i] in RANGE_WORDS]
    if ranges:
        cut = ranges[0]
        end = cut + 1
        while end < len(tokens) and is_number_word(tokens[end]):
            end += 1
        variants.append((tokens[:cut] + tokens[end:], RANGE))
    elif len(between) < len(spots):
        # "for twelve elm" / "twelve for elm": the word dropped, the digit reading kept too.
        dropped = [
            HOMOPHONES[t] if i in between else t
            for i, t in enumerate(tokens)
            if i not in spots or i in between
        ]
        variants.append((dropped, DROPPED_WORD))
    return variants


def hyphen_variants(tokens: list[str]) -> list[tuple[list[str], float]]:
    """Readings of two numerals joined by a hyphen ("12 DASH 14", "10 DASH 23"): a range (its
    first number) and one house number said in pairs. A range joins two numbers on the same
    side of a street (same parity, the second a little larger); anything else is pairs."""
    for i in range(1, len(tokens) - 1):
        first, second = tokens[i - 1], tokens[i + 1]
        if tokens[i] != "DASH" or not (first.isdecimal() and second.isdecimal()):
            continue
        ranged = tokens[:i] + tokens[i + 2 :]
        joined = tokens[:i] + tokens[i + 1 :]
        gap = int(second) - int(first)
        if len(first) == len(second) and gap % 2 == 0 and 0 < gap <= MAX_RANGE_GAP:
            return [(ranged, RANGE), (joined, UNLIKELY_HYPHEN)]
        return [(joined, 1.0), (ranged, UNLIKELY_HYPHEN)]
    return [(tokens, 1.0)]


def split_at_connector(tokens: list[str]) -> tuple[list[str], list[str]] | None:
    """The words before and after the first connector ("and", "at", "near"…), or None."""
    for i in range(1, len(tokens) - 1):
        n = CONNECTORS.starts(tokens, i)
        if not n or i + n >= len(tokens):
            continue
        if tokens[i] == "AND" and (number_at(tokens, i - 1) and not is_ordinal(tokens[i - 1])):
            continue  # "two thousand and five"
        right = strip_fillers(tokens[i + n :])
        further = split_at_connector(right)  # "between Adams and Bowdoin": the first of them
        return tokens[:i], further[0] if further else right
    return None


def focus_on_address(tokens: list[str]) -> list[str]:
    """Skip the sentence before the address: "there's a pothole at the corner of X and Y",
    "my car hit a hole at twelve Elm Street", "there's a pothole on Elm Street"."""
    for i in range(1, len(tokens)):
        n = INTERSECTION_MARKERS.starts(tokens, i)
        opens_intersection = n > 1 or (n and tokens[i] == "INTERSECTION")
        if opens_intersection and split_at_connector(strip_fillers(tokens[i + n :])):
            return tokens[i:]
    if tokens and not (is_number_word(tokens[0]) or is_ordinal(tokens[0])):
        for i in range(1, len(tokens) - 1):
            number_follows = tokens[i + 1] != "AND" and is_number_word(tokens[i + 1])
            if tokens[i] in ADDRESS_INTROS and number_follows and not number_at(tokens, i - 1):
                return tokens[i + 1 :]
        for i in range(len(tokens) - 2, 0, -1):
            if tokens[i] in STREET_INTROS and not CONNECTORS.starts(tokens, i):
                return tokens[i + 1 :]
    return tokens
