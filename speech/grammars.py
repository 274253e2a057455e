"""Grammars built from word lists: the menu a caller chooses from, and the city's streets.

Engines take a :class:`speech.recognizer.Grammar`; this module builds the two the gateway
needs from plain text. Every phrase is normalised the way recognisers write words: lower case,
letters and apostrophes only, hyphens and other punctuation as spaces, numerals as words
("5th" → "fifth", "12" → "twelve"), so a street list can be passed as the gazetteer writes it.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable
from functools import lru_cache

from num2words import num2words

from speech.recognizer import Grammar

NUMBER_WORDS = (
    "zero",
    "oh",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
)
# Words a caller puts around a house number and street names.
ADDRESS_WORDS = ("and", "at", "of", "the", "corner", "near", "number", "by")
# What callers say before an address. Without them in the model, a recogniser spends "the
# address is" on a street name ("<street> nine one five …") and the address is lost; as words
# of the model they come out as themselves, and the spoken parser strips them.
LEAD_INS = (
    "the address is",
    "my address is",
    "address is",
    "the location is",
    "it's at",
    "it is at",
    "it's on",
    "it's",
    "i'm at",
    "i live at",
    "in front of",
    "right in front of",
    "near",
    "across from",
    "outside",
    "right outside",
    "right by",
    "right next to",
    "next to",
    "um",
    "uh",
    "yeah",
    "yes",
    "okay",
    "so",
    "i think it's",
    "i'm calling about",
    "i'm calling about a pothole at",
    "i'm calling about the pothole in front of",
    "there's a pothole at",
    "there's a pothole on",
    "there's a streetlight out at",
    "it's at the corner of",
    "um the address is",
    "uh it's at",
    "yeah it's at",
    "hi",
    "hello",
    "hi it's at",
    "hello the address is",
)
# Spoken forms of the suffixes a caller may add or drop ("Washington" for "Washington Street").
STREET_SUFFIXES = (
    "street",
    "avenue",
    "road",
    "boulevard",
    "place",
    "square",
    "court",
    "terrace",
    "lane",
    "drive",
    "park",
    "way",
    "parkway",
    "highway",
    "circle",
    "row",
    "wharf",
)

_NUMERAL = re.compile(r"^(\d+)(st|nd|rd|th)?$", re.ASCII)


def _spoken_token(token: str) -> str:
    match = _NUMERAL.match(token)
    if match is None:
        return token
    value = int(match.group(1))
    spoken = num2words(value, to="ordinal" if match.group(2) else "cardinal")
    return str(spoken)


def normalise_phrase(text: str) -> str:
    """``text`` as a recogniser writes it: "St. Botolph-St 5th" → "st botolph st fifth"."""
    lowered = text.lower().replace("’", "'")
    tokens = re.sub(r"[^\w']+|_", " ", lowered).split()
    spoken = " ".join(_spoken_token(token.strip("'")) for token in tokens if token.strip("'"))
    return " ".join(re.sub(r"[^\w' ]+|[\d_]", " ", spoken).split())


def _name(kind: str, items: Iterable[str]) -> str:
    digest = hashlib.sha256("\n".join(items).encode()).hexdigest()[:16]
    return f"{kind}-{digest}"


def menu_grammar(phrases: Iterable[str]) -> Grammar:
    """A strict grammar: exactly one of ``phrases`` ("yes", "no", "pothole", "street light")."""
    unique = tuple(dict.fromkeys(p for p in map(normalise_phrase, phrases) if p))
    return Grammar(phrases=unique, strict=True, name=_name("menu", unique))


@lru_cache(maxsize=65536)
def street_phrases(street: str) -> tuple[str, ...]:
    """How a caller says one street: the full name, and the name without its suffix."""
    full = normalise_phrase(street)
    if not full:
        return ()
    words = full.split()
    if len(words) > 1 and words[-1] in STREET_SUFFIXES:
        return (full, " ".join(words[:-1]))
    return (full,)


def street_grammar(streets: Iterable[str], addresses: Iterable[tuple[int, str]] = ()) -> Grammar:
    """An address grammar: house-number words, the streets, and "and", "corner of", etc.

    ``addresses``: the city's real (house number, street) pairs. Said in every style
    (:func:`spoken_house_number`), they teach a language model which numbers go with which
    street: on telephone audio with noise at 20 dB this found the whole address for 15 of 20
    callers against 11 of 20 with random numbers alone (``benchmarks/address_model.py``).

    Not strict: the streets are favoured, and an engine that can keep its free language model
    beside a grammar does so (a street missing from the list must not be forced onto a caller).
    """
    phrases = _phrases_of(streets)
    spoken_around = (*ADDRESS_WORDS, *LEAD_INS)
    words = tuple(dict.fromkeys((*NUMBER_WORDS, *(w for p in spoken_around for w in p.split()))))
    real = tuple(dict.fromkeys(_spoken_addresses(addresses)))
    return Grammar(
        phrases=phrases,
        words=words,
        strict=False,
        name=_name("streets", (*phrases, *real)),
        examples=address_examples(phrases) + real,
    )


def street_name_grammar(streets: Iterable[str]) -> Grammar:
    """An open grammar of ``streets`` alone (each with and without its suffix): a street said
    by itself when the house number names no street to narrow them to."""
    phrases = _phrases_of(streets)
    return Grammar(phrases=phrases, strict=False, name=_name("names", phrases))


def numbered_street_grammar(streets: Iterable[str]) -> Grammar:
    """A strict grammar of ``streets`` (each with and without its suffix): the street a caller
    says after keying in the house number, among the streets that have that number."""
    phrases = _phrases_of(streets)
    return Grammar(phrases=phrases, strict=True, name=_name("numbered", phrases))


def _phrases_of(streets: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(phrase for street in streets for phrase in street_phrases(street)))


def _spoken_addresses(addresses: Iterable[tuple[int, str]]) -> Iterable[str]:
    for number, street in addresses:
        for phrase in street_phrases(street):
            for said in _spoken_styles(number):
                yield f"{said} {phrase}"


@lru_cache(maxsize=65536)
def _spoken_styles(value: int) -> tuple[str, ...]:
    """Every distinct way of saying house number ``value``, sorted."""
    return tuple(sorted({spoken_house_number(value, style) for style in range(3)}))


@lru_cache(maxsize=8192)
def spoken_house_number(value: int, style: int) -> str:
    """``value`` as callers say it: 0 "one thousand two hundred", 1 digit by digit, 2 in pairs.

    Pairs: 1234 "twelve thirty four", 101 "one oh one", 300 "three hundred".
    """
    if style == 0 or value < 100:
        return normalise_phrase(str(num2words(value)).replace(" and ", " "))
    if style == 1:
        return " ".join("oh" if d == "0" else str(num2words(int(d))) for d in str(value))
    head, tail = divmod(value, 100)
    if tail == 0:
        ending = "hundred"
    elif tail < 10:
        ending = f"oh {num2words(tail)}"
    else:
        ending = str(num2words(tail))
    return normalise_phrase(f"{num2words(head)} {ending}")


def address_examples(
    phrases: tuple[str, ...], *, per_phrase: int = 2, seed: int = 0
) -> tuple[str, ...]:
    """Sample addresses for a language model: each street alone and after house numbers
    (spoken in all three styles), the same after a lead-in ("the address is …", "um …"), and
    pairs of streets as crossings. Seeded: the same every run.

    No closings ("thank you", "please"): as words of the model they were heard in the middle
    of house numbers ("thirty eight sixty" → "thirty eight thank you").
    """
    rng = random.Random(seed)
    examples: list[str] = []
    for phrase in phrases:
        examples.append(phrase)
        for _ in range(per_phrase):
            number = spoken_house_number(rng.randrange(1, 3000), rng.randrange(3))
            examples.append(f"{number} {phrase}")
        number = spoken_house_number(rng.randrange(1, 10000), rng.randrange(3))
        examples.append(f"{rng.choice(LEAD_INS)} {number} {phrase}")
    for _ in range(min(1000, len(phrases))):
        first, second = rng.sample(phrases, 2) if len(phrases) > 1 else (phrases[0],) * 2
        lead = rng.choice(("", "corner of ", "at "))
        examples.append(f"{lead}{first} and {second}")
    return tuple(examples)
