"""House numbers and numbered streets as people say them.

No library reads spoken house numbers the way callers say them (word2number reads "twelve
thirty four" as 364; text2num makes "fifteen hundred fifth avenue" into "1505th avenue"), so the
readings are written here by hand:

- *pairs and digits*: the words are groups said one after the other and their digits are
  written side by side: "twelve thirty four" → 12|34 → 1234, "nineteen oh five" → 19|0|5 → 1905,
  "one oh one" → 1|0|1 → 101, "one two three four" → 1234, "four twenty" → 420, "double five" →
  55; a tens word and the unit after it are one group ("forty five" → 45);
- *hundreds and thousands*, the standard reading, whenever HUNDRED, THOUSAND or AND is said:
  "fifteen hundred" → 1500, "two thousand and five" → 2005, "three hundred and six" → 306;
- *numerals* from a recogniser that writes digits: "1234", "12 34" → 1234.

All tokens are upper case words. Homophones ("for", "to") are resolved by the caller of these
functions: here a token is a number word or it is not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ivr.addresses.number_words import (
    ORDINAL_TO_CARDINAL,
    TEENS,
    TENS,
    UNITS,
    ordinal_value,
    standard_cardinal,
)
from ivr.addresses.spoken_vocabulary import ZERO_WORDS

MAX_HOUSE_DIGITS = 6
_NUMERAL = re.compile(r"^\d+$")
_ORDINAL_NUMERAL = re.compile(r"^(\d+)(ST|ND|RD|TH)$")
_REPEATS = {"DOUBLE": 2, "TRIPLE": 3}
_STANDARD_WORDS = frozenset({"HUNDRED", "THOUSAND", "AND"})
# How much each way of reading a house number is trusted, before anything else is known.
RULE_WEIGHTS: dict[str, float] = {
    "numerals": 1.0,
    "number": 0.97,  # one group: "five", "forty five", "twelve"
    "hundreds": 0.97,
    "pairs": 0.95,
    "digits": 0.95,
}
SPLIT_HUNDREDS = 0.8  # "five two hundred": groups before "hundred" are less usual


@dataclass(frozen=True)
class NumberReading:
    """One reading of spoken number words: the digits and the rule that produced them."""

    digits: str
    rule: str
    weight: float


def unit_value(token: str) -> int | None:
    """0–9 for a digit word ("FIVE", "OH", "ZERO"), else None."""
    if token in ZERO_WORDS:
        return 0
    return UNITS.get(token)


def is_number_word(token: str) -> bool:
    """A token that can be part of a spoken or written house number."""
    return (
        unit_value(token) is not None
        or token in TEENS
        or token in TENS
        or token in _STANDARD_WORDS
        or token in _REPEATS
        or bool(_NUMERAL.match(token))
    )


def is_ordinal(token: str) -> bool:
    """An ordinal word or numeral: "FIFTH", "TWENTIETH", "5TH"."""
    return token in ORDINAL_TO_CARDINAL or bool(_ORDINAL_NUMERAL.match(token))


def _groups(tokens: Sequence[str]) -> list[str] | None:
    """The digit groups of a pairs/digits utterance, or None when it is not one."""
    groups: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        unit = unit_value(token)
        if _NUMERAL.match(token):
            if _tens_then_unit(token, nxt):  # "250, 9": Whisper's "two fifty nine"
                groups.append(str(int(token) + int(nxt)))
                i += 1
            else:
                groups.append(token)
        elif token in TENS:
            follow = UNITS.get(nxt)
            if follow:
                groups.append(str(TENS[token] + follow))
                i += 1
            else:
                groups.append(str(TENS[token]))
        elif token in TEENS:
            groups.append(str(TEENS[token]))
        elif unit is not None:
            groups.append(str(unit))
        elif token in _REPEATS and unit_value(nxt) is not None:
            groups.append(str(unit_value(nxt)) * _REPEATS[token])
            i += 1
        else:
            return None
        i += 1
    return groups


def _tens_then_unit(token: str, nxt: str) -> bool:
    """A numeral ending in a tens word ("250", "20") followed by a lone digit: the way Whisper
    writes "two fifty, nine" and "twenty, nine" — one number, not two groups."""
    return (
        len(token) >= 2
        and token[-1] == "0"
        and token[-2] != "0"
        and len(nxt) == 1
        and nxt in "123456789"
    )


def _valid_house(digits: str) -> bool:
    return 0 < len(digits) <= MAX_HOUSE_DIGITS and digits[0] != "0"


def read_house_number(tokens: Sequence[str]) -> NumberReading | None:
    """The house number said by ``tokens`` (all number words or numerals), or None."""
    if not tokens:
        return None
    if any(token in _STANDARD_WORDS for token in tokens):
        words = ["ZERO" if token in ZERO_WORDS else token for token in tokens]
        value = standard_cardinal(words)
        if value is None:
            return _groups_of_hundreds(tokens)
        if not _valid_house(str(value)):
            return None
        return NumberReading(str(value), "hundreds", RULE_WEIGHTS["hundreds"])
    groups = _groups(tokens)
    if not groups:
        return None
    digits = "".join(groups)
    if not _valid_house(digits):
        return None
    if all(_NUMERAL.match(token) for token in tokens):
        rule = "numerals"
    elif len(groups) == 1:
        rule = "number"
    elif all(len(group) == 1 for group in groups):
        rule = "digits"
    else:
        rule = "pairs"
    return NumberReading(digits, rule, RULE_WEIGHTS[rule])


def _groups_of_hundreds(tokens: Sequence[str]) -> NumberReading | None:
    """Groups said side by side, then "hundred": "FIVE TWO HUNDRED" → 5200, as a recogniser
    writes "fifty two hundred" when it splits "fifty" from "two"."""
    if len(tokens) < 3 or tokens[-1] != "HUNDRED":
        return None
    groups = _groups(tokens[:-1])
    if not groups or len(groups) < 2:
        return None
    digits = "".join(groups) + "00"
    if not _valid_house(digits):
        return None
    return NumberReading(digits, "hundreds", RULE_WEIGHTS["hundreds"] * SPLIT_HUNDREDS)


def read_digit_string(tokens: Sequence[str]) -> str | None:
    """Digits said one by one or written ("OH TWO ONE TWO FOUR", "02124") → "02124"."""
    out = []
    for token in tokens:
        if _NUMERAL.match(token):
            out.append(token)
            continue
        unit = unit_value(token)
        if unit is None:
            return None
        out.append(str(unit))
    return "".join(out) or None


def read_ordinal(tokens: Sequence[str]) -> list[NumberReading]:
    """Every reading of an ordinal street number ending in an ordinal word or numeral.

    "TWENTY THIRD" → 23 (standard); "ONE TWENTY THIRD" → 123 (pairs, as New Yorkers say
    123rd Street); "ONE HUNDRED AND TENTH" → 110; "5TH" → 5. Empty when it is no ordinal.
    """
    if not tokens or not is_ordinal(tokens[-1]):
        return []
    numeral = _ORDINAL_NUMERAL.match(tokens[-1])
    if numeral:
        value = int(numeral.group(1))
        return [NumberReading(str(value), "numerals", 1.0)] if len(tokens) == 1 and value else []
    readings: list[NumberReading] = []
    standard = ordinal_value(["ZERO" if t in ZERO_WORDS else t for t in tokens])
    if standard is not None:
        readings.append(NumberReading(str(standard), "standard", 1.0))
    pairs = _ordinal_pairs(tokens)
    if pairs is not None and all(r.digits != pairs for r in readings):
        readings.append(NumberReading(pairs, "pairs", 0.8))
    return readings


def _ordinal_pairs(tokens: Sequence[str]) -> str | None:
    """ "ONE TWENTY THIRD" → "123", "ONE OH FIFTH" → "105": groups said side by side."""
    last = ORDINAL_TO_CARDINAL[tokens[-1]]
    if last in ("HUNDRED", "THOUSAND"):
        return None
    head = list(tokens[:-1])
    value = UNITS.get(last) or TEENS.get(last) or TENS.get(last) or 0
    if head and head[-1] in TENS and last in UNITS:
        value += TENS[head.pop()]
        group = str(value)
    elif head and head[-1] in ZERO_WORDS and last in UNITS:
        head.pop()
        group = f"0{value}"
    else:
        group = str(value)
    if not head:
        return None  # a lone ordinal is read by the standard rule
    if len(group) == 1:
        return None  # "ONE FIFTH" is no street number
    prefix = _groups(head)
    if not prefix:
        return None
    digits = "".join(prefix) + group
    return digits if digits[0] != "0" and len(digits) <= 4 else None
