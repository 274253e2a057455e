"""Match what a caller said against the words that select each choice.

A phrase matches when the caller said at least half of its meaningful words (a misrecognised
long word still counts when it is close, "grafitti" for "graffiti"). Choices are ranked by how
many of their words were said, then by how much of the phrase: "graffiti on a bike rack" picks
"graffiti public bike rack" over the group "graffiti". The best choice wins only when it is
clearly better than the next: a caller who says "yes … no" is asked again rather than guessed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz import fuzz, process

T = TypeVar("T")

# Words that carry no meaning on their own, in the languages the catalogues speak.
_STOP_TEXT = """
    a an the of on or and in to for is it its my i at there this that please
    el la los las de del y o en un una por para es mi al lo
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
MIN_SCORE = 0.5  # at least half of a phrase's meaningful words
MARGIN = 0.1  # how much better the best choice must be than the next
FUZZY_RATIO = 85  # per-word similarity (0..100) for words of five letters or more


def words(text: str) -> list[str]:
    """Lower case, accents folded, punctuation dropped: "¿Sí, está bien?" → [si, esta, bien]."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.replace("'", "")
    return re.findall(r"[a-z0-9]+", folded)


class _Said:
    """What the caller said, ready to be compared with many phrases' words: the words, their
    forms without a plural "s", and the words long enough to be matched when misrecognised."""

    __slots__ = ("exact", "long", "stems")

    def __init__(self, said: Sequence[str]) -> None:
        self.exact = frozenset(said)
        self.stems = frozenset(w.rstrip("s") for w in said)
        self.long = [w for w in said if len(w) >= 5]

    def has(self, wanted: str) -> bool:
        """Whether the caller said ``wanted``: the same word, the same but for a plural "s",
        or (five letters or more on both sides) close enough."""
        if wanted in self.exact or wanted.rstrip("s") in self.stems:
            return True
        if len(wanted) < 5 or not self.long:
            return False
        close = process.extractOne(wanted, self.long, scorer=fuzz.ratio, score_cutoff=FUZZY_RATIO)
        return close is not None


@functools.lru_cache(maxsize=8192)
def _meaningful(phrase: str) -> tuple[str, ...]:
    """A phrase's words without the stop words (all of them when that leaves none), kept:
    the phrases are the catalogue's and the city's, matched again at every caller's answer."""
    wanted = words(phrase)
    return tuple(w for w in wanted if w not in STOP_WORDS) or tuple(wanted)


@dataclass(frozen=True)
class _Score:
    fraction: float
    matched: int


def phrase_score(said: _Said, phrase: str) -> _Score:
    meaningful = _meaningful(phrase)
    if not meaningful:
        return _Score(0.0, 0)
    found = sum(1 for w in meaningful if said.has(w))
    return _Score(found / len(meaningful), found)


def best_choice(text: str, choices: Sequence[tuple[T, Sequence[str]]]) -> T | None:
    """The choice whose phrases the caller said, or None if none or several fit."""
    heard = words(text)
    if not heard:
        return None
    said = _Said(heard)
    scored: list[tuple[_Score, int]] = []
    for index, (_, phrases) in enumerate(choices):
        scores = [phrase_score(said, p) for p in phrases]
        if scores:
            eligible = [s for s in scores if s.fraction >= MIN_SCORE] or [_Score(0.0, 0)]
            best = max(eligible, key=lambda s: (s.matched, s.fraction))
            scored.append((best, index))
    scored.sort(key=lambda pair: (pair[0].matched, pair[0].fraction), reverse=True)
    if not scored or scored[0][0].matched == 0:
        return None
    top = scored[0][0]
    if len(scored) > 1:
        second = scored[1][0]
        clearly = top.matched > second.matched or top.fraction - second.fraction >= MARGIN
        if not clearly:
            return None
    return choices[scored[0][1]][0]


def said_exactly(text: str, phrases: Sequence[str]) -> bool:
    """Whether the whole of what was said is one of ``phrases`` (for free-speech questions,
    where "operator" inside a sentence is part of an answer, not a request)."""
    said = words(text)
    return bool(said) and any(said == words(p) for p in phrases)


def spoken_digits(text: str, digit_words: Mapping[str, Sequence[str]]) -> str | None:
    """Digits said aloud, one by one or as numerals: "one two three" or "12 34" → "1234".
    None when any word is not a digit."""
    lookup: dict[str, str] = {}
    for key, phrases in digit_words.items():
        if key.isdigit():
            for phrase in phrases:
                tokens = words(phrase)
                if len(tokens) == 1:
                    lookup[tokens[0]] = key
    digits = []
    for token in words(text):
        if token.isdigit():
            digits.append(token)
        elif token in lookup:
            digits.append(lookup[token])
        else:
            return None
    return "".join(digits) or None
