"""Addresses read back to the caller the way a call taker says them.

English house numbers are read in groups, as people say them on the phone: 1–2 digits plainly
("forty five"); 3 digits as the first digit and a pair ("one oh one", "four twenty", "one
twenty three", "five hundred"); 4 digits as two pairs ("twelve thirty four", "nineteen oh
five", "fifteen hundred", "two thousand"); longer numbers as pairs from the right. Spanish reads
the whole number ("mil doscientos treinta y cuatro"), which is how Spanish speakers say house
numbers. Street names are said with ``speakable_street`` in both languages: a name is a name.
"""

from __future__ import annotations

import re
from dataclasses import replace

from num2words import num2words

from ivr.addresses.streets import speakable_street
from ivr.addresses.types import GeocodeResult, MatchLevel, Place

_HOUSE = re.compile(r"^(\d+)\s*([A-Za-z]?)$")
_SEPARATORS = re.compile(r"\s*([-,;])\s*")


def _language(language: str) -> str:
    """The language read in: Spanish for "es", "es-US", "es_MX"…; English for anything else."""
    return "es" if language.lower().replace("_", "-").split("-")[0] == "es" else "en"


def _words(value: int, language: str) -> str:
    return str(num2words(value, lang=language)).replace("-", " ")


def _pair(digits: str) -> str:
    """A two-digit group after another group: "05" → "oh five", "34" → "thirty four"."""
    if digits[0] == "0":
        return f"oh {_words(int(digits[1]), 'en')}"
    return _words(int(digits), "en")


def _english_number(digits: str) -> str:
    value = int(digits)
    digits = str(value)
    if len(digits) <= 2:
        return _words(value, "en")
    if len(digits) == 3:
        if digits[1:] == "00":
            return f"{_words(int(digits[0]), 'en')} hundred"
        return f"{_words(int(digits[0]), 'en')} {_pair(digits[1:])}"
    if len(digits) == 4:
        if digits[1:] == "000":
            return f"{_words(int(digits[0]), 'en')} thousand"
        if digits[2:] == "00":
            return f"{_words(int(digits[:2]), 'en')} hundred"
        return f"{_words(int(digits[:2]), 'en')} {_pair(digits[2:])}"
    head_length = len(digits) % 2 or 2
    groups = [digits[:head_length]] + [
        digits[i : i + 2] for i in range(head_length, len(digits), 2)
    ]
    return " ".join([_words(int(groups[0]), "en"), *(_pair(g) for g in groups[1:])])


def _one_house_number(text: str, language: str) -> str:
    match = _HOUSE.match(text)
    if not match:
        return text
    digits, letter = match.groups()
    said = _words(int(digits), "es") if language == "es" else _english_number(digits)
    return f"{said} {letter.upper()}" if letter else said


def speak_house_number(house_number: str, *, language: str = "en") -> str:
    """A house number said: "1234" → "twelve thirty four", "12A" → "twelve A", "12-14" →
    "twelve to fourteen", "27,29" → "twenty seven and twenty nine"; anything else as written
    (its runs of spaces as one)."""
    language = _language(language)
    joiners = {
        "-": " a " if language == "es" else " to ",
        ",": " y " if language == "es" else " and ",
    }
    joiners[";"] = joiners[","]
    parts = _SEPARATORS.split(house_number.strip())
    said: list[str] = []
    for index in range(0, len(parts), 2):
        words = _one_house_number(parts[index].strip(), language)
        if not words:
            continue
        if said:
            said.append(joiners[parts[index - 1]])
        said.append(words)
    return " ".join("".join(said).split())


def _digits(code: str, language: str) -> str:
    """A postal code said character by character: "02124" → "zero two one two four"."""
    return " ".join(_words(int(c), language) if c.isdigit() else c for c in code if c.isalnum())


def _street(display: str, key: str) -> str:
    for written in (display, key):
        if written.strip():
            try:
                return speakable_street(written)
            except ValueError:
                continue  # no words in it at all: punctuation only
    return ""


def _and(language: str, following: str) -> str:
    """Spanish "y" becomes "e" before an /i/ sound ("Main Street e Ivy Street")."""
    if language != "es":
        return "and"
    lowered = following.lower()
    starts_with_i = lowered.startswith("i") or (
        lowered.startswith("hi") and not lowered.startswith("hie")
    )
    return "e" if starts_with_i else "y"


def speak_place(place: Place, *, language: str = "en") -> str:
    """How a person reads a place back: "twelve thirty four Washington Street, in Dorchester"."""
    language = _language(language)
    street = _street(place.street, place.street_key)
    cross = _street(place.cross_street, "")
    number = speak_house_number(place.house_number or "", language=language)
    if street and cross:
        corner = "la esquina de" if language == "es" else "the corner of"
        said = f"{corner} {street} {_and(language, cross)} {cross}"
    elif street and number:
        said = f"{number} {street}"
    elif street:
        said = f"{street} ({'sin número' if language == 'es' else 'no house number'})"
    else:
        said = "una dirección sin calle" if language == "es" else "an address with no street"
    if place.neighbourhood.strip():
        said += f", {'en' if language == 'es' else 'in'} {place.neighbourhood.strip()}"
    elif _digits(place.postal_code, language):
        said += f", {_digits(place.postal_code, language)}"
    return said


def speak_result(result: GeocodeResult, *, language: str = "en") -> str:
    """The best place of a result read back; the level decides what is said of it."""
    if result.place is None:
        return (
            "una dirección que no se encontró"
            if _language(language) == "es"
            else ("an address that could not be found")
        )
    place = result.place
    if result.ambiguous:  # which part of the city is what the caller is asked next
        place = replace(place, neighbourhood="", postal_code="")
    if result.level is MatchLevel.STREET:
        place = replace(place, house_number=None, cross_street="")
    elif result.level in (MatchLevel.ADDRESS, MatchLevel.INTERPOLATED):
        place = replace(place, cross_street="")
    return speak_place(place, language=language)
