"""English number words as recognisers write them, and the strict standard reading of them.

Shared by street-name normalisation ("twenty third" → 23RD) and the spoken-address parser.
Words are upper case, one per token ("TWENTY THREE", never "twenty-three": callers split
hyphens first).
"""

from __future__ import annotations

from collections.abc import Sequence

UNITS: dict[str, int] = {
    "ZERO": 0,
    "ONE": 1,
    "TWO": 2,
    "THREE": 3,
    "FOUR": 4,
    "FIVE": 5,
    "SIX": 6,
    "SEVEN": 7,
    "EIGHT": 8,
    "NINE": 9,
}
TEENS: dict[str, int] = {
    "TEN": 10,
    "ELEVEN": 11,
    "TWELVE": 12,
    "THIRTEEN": 13,
    "FOURTEEN": 14,
    "FIFTEEN": 15,
    "SIXTEEN": 16,
    "SEVENTEEN": 17,
    "EIGHTEEN": 18,
    "NINETEEN": 19,
}
TENS: dict[str, int] = {
    "TWENTY": 20,
    "THIRTY": 30,
    "FORTY": 40,
    "FOURTY": 40,
    "FIFTY": 50,
    "SIXTY": 60,
    "SEVENTY": 70,
    "EIGHTY": 80,
    "NINETY": 90,
}
# Each ordinal word and the cardinal word it stands for.
ORDINAL_TO_CARDINAL: dict[str, str] = {
    "FIRST": "ONE",
    "SECOND": "TWO",
    "THIRD": "THREE",
    "FOURTH": "FOUR",
    "FIFTH": "FIVE",
    "SIXTH": "SIX",
    "SEVENTH": "SEVEN",
    "EIGHTH": "EIGHT",
    "NINTH": "NINE",
    "TENTH": "TEN",
    "ELEVENTH": "ELEVEN",
    "TWELFTH": "TWELVE",
    "THIRTEENTH": "THIRTEEN",
    "FOURTEENTH": "FOURTEEN",
    "FIFTEENTH": "FIFTEEN",
    "SIXTEENTH": "SIXTEEN",
    "SEVENTEENTH": "SEVENTEEN",
    "EIGHTEENTH": "EIGHTEEN",
    "NINETEENTH": "NINETEEN",
    "TWENTIETH": "TWENTY",
    "THIRTIETH": "THIRTY",
    "FORTIETH": "FORTY",
    "FIFTIETH": "FIFTY",
    "SIXTIETH": "SIXTY",
    "SEVENTIETH": "SEVENTY",
    "EIGHTIETH": "EIGHTY",
    "NINETIETH": "NINETY",
    "HUNDREDTH": "HUNDRED",
    "THOUSANDTH": "THOUSAND",
}
SCALES: dict[str, int] = {"HUNDRED": 100, "THOUSAND": 1000}
NUMBER_WORDS: frozenset[str] = frozenset(UNITS) | set(TEENS) | set(TENS) | set(SCALES)


def below_hundred(words: Sequence[str]) -> int | None:
    """1–99 from "SEVEN", "SEVENTEEN", "SEVENTY", "SEVENTY SEVEN"; None for anything else."""
    if len(words) == 1:
        word = words[0]
        return UNITS.get(word) or TEENS.get(word) or TENS.get(word)
    if len(words) == 2 and words[0] in TENS and words[1] in UNITS and UNITS[words[1]] > 0:
        return TENS[words[0]] + UNITS[words[1]]
    return None


def _after_and(words: Sequence[str]) -> list[str] | None:
    """The words after an optional leading "AND"; None when "AND" is all there is."""
    rest = list(words)
    if rest[:1] == ["AND"]:
        rest = rest[1:]
        if not rest:
            return None
    return rest


def below_ten_thousand(words: Sequence[str]) -> int | None:
    """1–9999 read the standard way: "THREE HUNDRED (AND) SIX", "FORTY FIVE", and hundreds
    counted past ten as people say them: "FIFTEEN HUNDRED", "TWENTY ONE HUNDRED AND TWO"."""
    words = list(words)
    if "HUNDRED" in words:
        at = words.index("HUNDRED")
        hundreds = below_hundred(words[:at])
        rest = _after_and(words[at + 1 :])
        if not hundreds or rest is None:
            return None
        if not rest:
            return hundreds * 100
        tail = below_hundred(rest)
        return None if tail is None else hundreds * 100 + tail
    return below_hundred(words) if words else None


def standard_cardinal(words: Sequence[str]) -> int | None:
    """The strict standard reading of a whole number word sequence, or None.

    "ONE HUNDRED TWENTY" → 120, "TWO THOUSAND AND FIVE" → 2005, "FIFTEEN HUNDRED" → 1500,
    "FIFTEEN HUNDRED AND TWO" → 1502, "FORTY FIVE" → 45, "ZERO" → 0. Pairs such as "TWELVE
    THIRTY FOUR" are not standard and give None: the spoken parser reads those itself.
    """
    words = list(words)
    if words == ["ZERO"]:
        return 0
    if "THOUSAND" in words:
        at = words.index("THOUSAND")
        head = below_ten_thousand(words[:at]) if at else None
        rest = _after_and(words[at + 1 :])
        if head is None or head >= 1000 or rest is None:
            return None
        if not rest:
            return head * 1000
        tail = below_ten_thousand(rest)
        return None if tail is None or tail >= 1000 else head * 1000 + tail
    return below_ten_thousand(words)


def ordinal_value(words: Sequence[str]) -> int | None:
    """The value of an ordinal word sequence: "FIFTH" → 5, "TWENTY THIRD" → 23,
    "ONE HUNDRED AND TENTH" → 110, "HUNDREDTH" → 100; None when it is not one."""
    if not words or words[-1] not in ORDINAL_TO_CARDINAL:
        return None
    last = ORDINAL_TO_CARDINAL[words[-1]]
    head = list(words[:-1])
    if last in SCALES and not head:
        head = ["ONE"]
    value = standard_cardinal([*head, last])
    if value is None or value == 0:
        return None
    return value


def ordinal_suffix(value: int) -> str:
    """The written ordinal of a number, upper case: 1 → "1ST", 12 → "12TH", 23 → "23RD"."""
    teen = 10 <= value % 100 <= 20
    ending = "TH" if teen else {1: "ST", 2: "ND", 3: "RD"}.get(value % 10, "TH")
    return f"{value}{ending}"
