"""Names a caller can hear, made from the names cities publish.

Cities name their Open311 services for their database, not for the ear:
``Sewage_Back_up Outofsewervent4inch``, ``Cans_Left_Out_24x7``, ``Trees - Damaged Tree``.
:func:`speakable_service_name` turns such a name into lower-case words a text-to-speech voice
reads naturally and a caller can repeat: underscores and glued words split, digits spelled
out, web-form instructions dropped, a category prefix dropped when the rest repeats it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

from num2words import num2words

# Words common in 311 service names, so that glued words can be split without a city's list.
_LEXICON_TEXT = """
    a an and at back basin by can cans catch city clock cover curb damaged defect down
    for from graffiti hole in inch its left light lot manhole near odor of off on or out
    over overflowing parking pipe public rack ramp sewer sewage side sidewalk sign street
    the to tree trees up vent water with
"""
BASE_LEXICON = frozenset(_LEXICON_TEXT.split())

# Shorthand that reads badly aloud, and what a person would say instead.
_IDIOMS: tuple[tuple[str, str], ...] = (
    (r"\b24\s*[x/]\s*7\b", " around the clock "),
    (r"\band\s*/\s*or\b", " or "),
    (r"&", " and "),
    (r"\bw/\s*", " with "),
)
# Instructions meant for a web form, not for a caller.
_FORM_TEXT = re.compile(r"\benter\s+(?:additional\s+)?details?(?:\s+below)?\b", re.I)
_AFTER_WORDS: tuple[tuple[str, str], ...] = ((r"\bback up\b", "backup"),)
_SEGMENT_MIN = 6  # only words at least this long are tried as glued words
# The only pieces under three letters a glued word may be split into.
_SHORT_PIECES = frozenset(["of", "on", "in", "up", "at", "to", "by", "or", "no"])


def words_of(text: str) -> list[str]:
    """The plain lower-case words of a text: "Side_Sewer_issues" → [side, sewer, issues]."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", text)
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def service_vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """The words glued words may be split into: the base lexicon, and every word that occurs
    at least twice in ``texts`` (a city's service names, groups and descriptions). A word seen
    only once (``outofsewervent``) is not taken as known, so it may itself be split."""
    counts = Counter(w for text in texts for w in words_of(text.replace("_", " ")))
    return frozenset(w for w, n in counts.items() if n >= 2 and len(w) > 1) | BASE_LEXICON


@cache
def _split_glued(word: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
    """``outofsewervent`` → (out, of, sewer, vent) when every piece is a known word; the word
    itself otherwise. Fewest pieces win."""
    if len(word) < _SEGMENT_MIN or word in vocabulary or word.isdigit():
        return (word,)
    best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
    best[0] = ()
    for end in range(2, len(word) + 1):
        for begin in range(0, end - 1):
            head = best[begin]
            piece = word[begin:end]
            if head is None or piece not in vocabulary:
                continue
            if len(piece) < 3 and piece not in _SHORT_PIECES:
                continue
            candidate = (*head, piece)
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    found = best[len(word)]
    return found if found and len(found) > 1 else (word,)


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _part_words(part: str, vocabulary: frozenset[str]) -> list[str]:
    out: list[str] = []
    for word in words_of(part):
        for piece in _split_glued(word, vocabulary):
            out.append(num2words(int(piece)) if piece.isdigit() else piece)
    return out


def speakable_service_name(name: str, vocabulary: frozenset[str] = BASE_LEXICON) -> str:
    """A published service (or group) name as words to speak.

    >>> speakable_service_name("Cans_Left_Out_24x7")
    'cans left out around the clock'
    >>> speakable_service_name("Trees - Damaged Tree")
    'damaged tree'
    """
    text = _FORM_TEXT.sub(" ", name.replace("_", " "))
    for pattern, replacement in _IDIOMS:
        text = re.sub(pattern, replacement, text, flags=re.I)
    parts = [p for p in re.split(r"\s+-\s+|\s*:\s+|\s*/\s*", text) if words_of(p)]
    spoken = [_part_words(part, vocabulary) for part in parts]
    spoken = [words for words in spoken if words]
    if len(spoken) >= 2:
        rest = {_singular(w) for words in spoken[1:] for w in words}
        if all(_singular(w) in rest for w in spoken[0]):
            spoken = spoken[1:]  # "Trees - Damaged Tree": the category is said again
        elif len(spoken) == 2 and len(spoken[1]) == 1 and spoken[1][0].endswith("ed"):
            spoken = [spoken[1], spoken[0]]  # "Sign - Defaced" → "defaced sign"
    flat = [w for words in spoken for w in words]
    deduped = [w for i, w in enumerate(flat) if i == 0 or w != flat[i - 1]]
    result = " ".join(deduped)
    for pattern, replacement in _AFTER_WORDS:
        result = re.sub(pattern, replacement, result)
    return re.sub(r"\s+", " ", result).strip() or " ".join(words_of(name))
