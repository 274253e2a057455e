"""The words around an address that are not the address, as callers say them.

Everything is upper case with apostrophes removed ("it's" → "ITS"), the form the spoken parser
works in. Phrases are tuples of words. Upset or hurried callers pad an address with greetings,
hesitations, hedges, the city's name and corrections; these lists are what the parser strips.
"""

from __future__ import annotations

from collections.abc import Sequence


class Phrases:
    """A set of phrases (tuples of words), looked up by their first or last word."""

    def __init__(self, texts: tuple[str, ...]) -> None:
        phrases = sorted((tuple(text.split()) for text in texts), key=len, reverse=True)
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        self._by_last: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:  # longest first, so "IT IS AT" is tried before "IT IS"
            self._by_first.setdefault(phrase[0], []).append(phrase)
            self._by_last.setdefault(phrase[-1], []).append(phrase)

    def starts(self, tokens: Sequence[str], at: int = 0) -> int:
        """How many words of the longest phrase found at ``tokens[at:]``; 0 when none is."""
        if at >= len(tokens):
            return 0
        for phrase in self._by_first.get(tokens[at], ()):
            if tuple(tokens[at : at + len(phrase)]) == phrase:
                return len(phrase)
        return 0

    def ends(self, tokens: Sequence[str]) -> int:
        """How many words of the longest phrase that ends ``tokens``; 0 when none does."""
        if not tokens:
            return 0
        for phrase in self._by_last.get(tokens[-1], ()):
            if len(tokens) >= len(phrase) and tuple(tokens[-len(phrase) :]) == phrase:
                return len(phrase)
        return 0


def _phrases(*texts: str) -> Phrases:
    return Phrases(texts)


# Hesitations dropped wherever they are.
DISFLUENCIES = frozenset(
    {"UM", "UMM", "UH", "UHH", "UHM", "ER", "ERM", "AH", "AHH", "EH", "HMM", "HM", "MM", "MHM"}
)
# Words dropped wherever they are: none of them is ever part of a street name or a number.
ANYWHERE = frozenset({"PLEASE", "YEAH", "OKAY", "OK", "LIKE", "BASICALLY", "UHHUH"})

# Dropped from the start, repeatedly ("yeah so it's at the corner of …").
LEADING = _phrases(
    "YES", "YEP", "YUP", "YA", "SURE", "SO", "WELL", "HI", "HELLO", "HEY", "ALRIGHT", "ALL RIGHT",
    "RIGHT", "NO", "OH", "AND", "ANYWAY", "JUST", "ACTUALLY", "REALLY", "HONESTLY",
    "THE ADDRESS IS", "ADDRESS IS", "MY ADDRESS IS", "THE ADDRESS", "ADDRESS", "THE LOCATION IS",
    "LOCATION IS", "LOCATION", "THE LOCATION", "ITS", "IT IS", "ITS AT", "IT IS AT", "ITS ON",
    "IT IS ON", "ITS IN", "IT IS IN", "THATS", "THAT IS", "THATS AT", "THAT IS AT", "THATS ON",
    "THIS IS", "THIS IS AT", "THIS IS ON", "ITS LOCATED AT", "ITS LOCATED ON", "LOCATED AT",
    "LOCATED ON", "IM", "I AM", "IM AT", "I AM AT", "IM ON", "I AM ON", "IM CALLING FROM",
    "I AM CALLING FROM", "CALLING FROM", "I LIVE AT", "I LIVE ON", "WE LIVE AT", "WE LIVE ON",
    "WERE AT", "WE ARE AT", "WERE ON", "WE ARE ON", "THERES", "THERE IS", "THERES ONE",
    "I SAW IT", "I SAW IT AT", "I SAW IT ON", "ITS RIGHT", "ITS JUST", "IT WAS", "IT WAS AT",
    "IT WAS ON", "ITS OVER", "OVER", "OVER ON", "OVER AT", "OVER BY", "UP", "UP ON", "UP AT",
    "DOWN", "DOWN ON", "DOWN AT", "OUT", "OUT ON", "OUT AT", "OUT IN FRONT OF", "AT", "ON", "THE",
    "NEAR", "NEAR TO", "NEARBY", "IN FRONT OF", "RIGHT IN FRONT OF", "OUTSIDE", "OUTSIDE OF",
    "RIGHT OUTSIDE", "ACROSS FROM", "ACROSS THE STREET FROM", "RIGHT ACROSS FROM", "RIGHT BY",
    "RIGHT NEAR", "BY", "NEXT TO", "RIGHT NEXT TO", "CLOSE TO", "BEHIND", "BESIDE", "AROUND",
    "ABOUT", "APPROXIMATELY", "ROUGHLY", "SOMEWHERE", "SOMEWHERE ON", "SOMEWHERE AROUND",
    "SOMEWHERE NEAR", "I THINK", "I THINK ITS", "I GUESS", "I BELIEVE", "I BELIEVE ITS", "MAYBE",
    "PROBABLY", "KIND OF", "SORT OF", "NUMBER", "HOUSE NUMBER", "THE HOUSE NUMBER IS",
    "ITS NUMBER", "ADDRESS NUMBER", "IN", "IN THE", "THE ONE ON", "THE ONE AT",
    "IM CALLING ABOUT", "I AM CALLING ABOUT", "CALLING ABOUT", "IM CALLING TO REPORT",
    "I AM CALLING TO REPORT", "I WANT TO REPORT", "I WOULD LIKE TO REPORT", "ID LIKE TO REPORT",
    "I NEED TO REPORT", "IM REPORTING", "ITS GOING TO BE", "THE ADDRESS IS GOING TO BE",
    "THE ADDRESS WOULD BE", "THE ADDRESS OF", "THE ADDRESS THERE IS", "THE STREET ADDRESS IS",
    "STREET ADDRESS", "YOU KNOW", "LET ME SEE", "LET ME THINK", "LET ME CHECK", "HOLD ON",
    "OK SO", "OKAY SO", "THE PLACE IS", "THE SPOT IS", "ITS LIKE", "IT WOULD BE", "THAT WOULD BE",
    "ITS RIGHT AT", "ITS RIGHT ON", "ITS RIGHT IN FRONT OF", "ITS IN FRONT OF", "ITS NEAR",
    "ITS BY", "ITS OUTSIDE", "ITS ACROSS FROM", "I LIVE", "WE LIVE", "MY HOUSE IS",
    "MY HOUSE IS AT", "MY HOUSE", "AT THE ADDRESS",
)  # fmt: skip

# Dropped from the end, repeatedly ("… street in boston massachusetts please").
TRAILING = _phrases(
    "PLEASE", "THANK YOU", "THANKS", "THANK YOU VERY MUCH", "I THINK", "I GUESS", "I BELIEVE",
    "OR SOMETHING", "OR SOMETHING LIKE THAT", "SOMETHING LIKE THAT", "OR SO", "THERE",
    "RIGHT THERE", "OVER THERE", "AREA", "THE AREA", "IN THE AREA", "AROUND THERE",
    "IN BOSTON", "BOSTON", "BOSTON MASSACHUSETTS", "BOSTON MASS", "BOSTON MA",
    "IN BOSTON MASSACHUSETTS", "IN BOSTON MASS", "MASSACHUSETTS", "MASS", "MA", "USA",
    "IN THE CITY", "CITY OF BOSTON", "IN THE CITY OF BOSTON", "OK", "OKAY", "YEAH", "RIGHT",
    "IN MIAMI", "MIAMI FLORIDA", "MIAMI FL", "IN MIAMI FLORIDA", "FLORIDA", "FL",
    "SO", "AND", "THE", "AT", "ON", "OF",
)  # fmt: skip

# After one of these the caller starts the address again: what follows replaces what came before.
CORRECTIONS = _phrases(
    "I MEAN", "SORRY", "IM SORRY", "NO WAIT", "WAIT", "NO NO", "CORRECTION", "LET ME REPEAT",
    "SCRATCH THAT", "LET ME START AGAIN", "EXCUSE ME", "PARDON ME",
)  # fmt: skip

# Before an intersection: "the corner of Main and Fifth".
INTERSECTION_MARKERS = _phrases(
    "CORNER OF", "THE CORNER OF", "CORNER", "INTERSECTION OF", "THE INTERSECTION OF",
    "INTERSECTION", "JUNCTION OF", "CROSSING OF", "WHERE",
)  # fmt: skip
# Between the two streets of an intersection (or between an address and a cross street).
CONNECTORS = _phrases(
    "AND", "AT", "NEAR", "BY", "WITH", "MEETS", "CROSSES", "CROSS", "OFF", "OFF OF", "BETWEEN",
    "AT THE CORNER OF", "ON THE CORNER OF", "AT THE INTERSECTION OF", "AT THE CORNER WITH",
    "AT THE INTERSECTION WITH", "CORNER OF", "NEAR THE CORNER OF", "CLOSE TO", "NEXT TO",
    "AND THE CORNER OF", "INTERSECTS WITH", "INTERSECTS", "ACROSS FROM",
)  # fmt: skip
# A street name ends before these words ("one oh one elm in dorchester").
STREET_ENDS = frozenset({"IN", "NEAR", "BY", "AT", "BETWEEN", "ZIP", "ZIPCODE", "FROM"})
# Short names people say for long ones ("Mass Ave", "Comm Ave", "MLK Boulevard").
NAME_ALIASES: dict[str, str] = {
    "MASS": "MASSACHUSETTS",
    "COMM": "COMMONWEALTH",
    "MLK": "MARTIN LUTHER KING JR",
}

ZIP_MARKERS = _phrases(
    "ZIP CODE", "ZIP", "ZIPCODE", "POSTAL CODE", "POST CODE", "ZIP CODE IS", "THE ZIP CODE IS",
    "THE ZIP IS", "ZIP IS", "AND THE ZIP CODE IS", "AND ZIP CODE",
)  # fmt: skip

# Words a recogniser writes for a digit when the caller said one. They count as digits only next
# to other numbers: "for" in "looking for" stays a word.
HOMOPHONES: dict[str, str] = {
    "FOR": "FOUR",
    "FORE": "FOUR",
    "TO": "TWO",
    "TOO": "TWO",
    "WON": "ONE",
    "ATE": "EIGHT",
    "TREE": "THREE",
    "FREE": "THREE",
    "SEX": "SIX",
    "NINER": "NINE",
    "NEIN": "NINE",
    "TIN": "TEN",
}
# Said for the digit zero inside a number.
ZERO_WORDS = frozenset({"OH", "O", "ZERO", "NOUGHT", "NAUGHT"})
# Letters after a house number: "twelve A" → 12A. Not N, S, E, W: those are directionals
# ("twelve N Washington Street").
HOUSE_LETTERS = frozenset("ABCDFGHJKLMPRT")
# Words before an address in a sentence: "there's a pothole AT twelve Elm Street".
ADDRESS_INTROS = frozenset(
    {"AT", "ON", "IS", "NEAR", "OUTSIDE", "BY", "FOR", "TO", "FROM", "OF", "ABOUT"}
)  # "… the pothole in front OF twelve Elm Street", "I'm calling ABOUT twelve Elm Street"
# …and before a street said without a number: "there's a pothole ON Elm Street". Not the
# connectors of an intersection ("at", "near", "by"): those join two streets.
STREET_INTROS = frozenset({"ON", "IS", "OUTSIDE", "FOR", "FROM", "TO"})
# Words that are never a street name on their own ("for", "the", "it is").
FUNCTION_WORDS = frozenset(
    {"A", "AN", "THE", "OF", "AND", "OR", "FOR", "TO", "TOO", "IS", "IT", "ITS", "AT", "ON", "IN",
     "BY", "WITH", "FROM", "THAT", "THIS", "THERE", "HERE", "WAS", "ARE", "BE", "I", "IM", "WE",
     "YOU", "MY", "ME", "NOT", "NO", "YES", "SO", "BUT", "IF", "THEN", "WHAT", "WHERE"}
)  # fmt: skip
# Words that say "between this number and that one" in a house-number range ("12 to 14").
RANGE_WORDS = frozenset({"TO", "THROUGH", "THRU", "DASH"})
