"""An address said in Spanish, rewritten in the English words the spoken parser reads.

Spanish-speaking callers are heard by Whisper in Spanish: it writes number words
("cuatrocientos treinta y ocho", "cuatro treinta y ocho" said in pairs, "uno dos tres" digit
by digit), Spanish street forms ("calle ocho", "avenida noroeste siete", "438 de la calle
Washington", "calle Washington número 438") and Spanish lead-ins ("la dirección es", "está
en", "enfrente de"). :func:`spanish_as_english` turns those into what an English caller would
have said: numbers as numerals (one numeral per group the caller said, so pairs and digits
are joined by the parser's own rules), "calle ocho" as "8TH STREET", "avenida noroeste siete"
as "NW 7TH AVENUE", "la dirección es" as "THE ADDRESS IS". The rest of the parser is unchanged.

Words are upper case, as ``spoken_words.utterance_words`` gives them; accents do not matter.
Nothing is rewritten unless the utterance holds a word only Spanish has ("calle", "avenida",
"dirección", a Spanish number word…): "once" stays an English word in English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ivr.addresses.number_words import ordinal_suffix
from ivr.addresses.spoken_vocabulary import Phrases

UNITS = {
    "CERO": 0, "UNO": 1, "UN": 1, "UNA": 1, "DOS": 2, "TRES": 3, "CUATRO": 4, "CINCO": 5,
    "SEIS": 6, "SIETE": 7, "OCHO": 8, "NUEVE": 9,
}  # fmt: skip
TEENS = {
    "DIEZ": 10, "ONCE": 11, "DOCE": 12, "TRECE": 13, "CATORCE": 14, "QUINCE": 15,
    "DIECISEIS": 16, "DIECISIETE": 17, "DIECIOCHO": 18, "DIECINUEVE": 19, "VEINTE": 20,
    "VEINTIUNO": 21, "VEINTIUN": 21, "VEINTIUNA": 21, "VEINTIDOS": 22, "VEINTITRES": 23,
    "VEINTICUATRO": 24, "VEINTICINCO": 25, "VEINTISEIS": 26, "VEINTISIETE": 27,
    "VEINTIOCHO": 28, "VEINTINUEVE": 29,
}  # fmt: skip
TENS = {
    "TREINTA": 30, "CUARENTA": 40, "CINCUENTA": 50, "SESENTA": 60, "SETENTA": 70,
    "OCHENTA": 80, "NOVENTA": 90,
}  # fmt: skip
HUNDREDS = {
    "CIEN": 100, "CIENTO": 100, "DOSCIENTOS": 200, "TRESCIENTOS": 300, "CUATROCIENTOS": 400,
    "QUINIENTOS": 500, "SEISCIENTOS": 600, "SETECIENTOS": 700, "OCHOCIENTOS": 800,
    "NOVECIENTOS": 900,
}  # fmt: skip
HUNDREDS.update({word[:-2] + "AS": value for word, value in HUNDREDS.items() if value > 100})
ORDINALS = {
    "PRIMER": 1, "PRIMERO": 1, "PRIMERA": 1, "SEGUNDO": 2, "SEGUNDA": 2, "TERCER": 3,
    "TERCERO": 3, "TERCERA": 3, "CUARTO": 4, "CUARTA": 4, "QUINTO": 5, "QUINTA": 5,
    "SEXTO": 6, "SEXTA": 6, "SEPTIMO": 7, "SEPTIMA": 7, "OCTAVO": 8, "OCTAVA": 8,
    "NOVENO": 9, "NOVENA": 9, "DECIMO": 10, "DECIMA": 10,
}  # fmt: skip
# Spanish street types → the English suffix word said after the name.
STREET_TYPES = {
    "CALLE": "STREET",
    "AVENIDA": "AVENUE",
    "AV": "AVENUE",
    "AVE": "AVENUE",
    "BULEVAR": "BOULEVARD",
    "CARRETERA": "HIGHWAY",
    "CAMINO": "ROAD",
}
DIRECTIONALS = {
    "NOROESTE": "NW", "NORESTE": "NE", "SUROESTE": "SW", "SURESTE": "SE", "NORTE": "N",
    "SUR": "S", "OESTE": "W", "ESTE": "E",
}  # fmt: skip
# Words only a Spanish utterance holds: one of them, and the utterance is read as Spanish.
_SPANISH_ONLY = frozenset(
    {*UNITS, *TEENS, *TENS, *HUNDREDS, *STREET_TYPES, "MIL", "DIRECCION", "ESTA", "ENFRENTE",
     "NOROESTE", "NORESTE", "SUROESTE", "SURESTE", "ESQUINA", "NUMERO", "QUEDA", "DEL",
     "CALLE", "BULEVAR", "CERCA", "GRACIAS", "EN", "BACHE", "FRENTE", "LADO"}
    - {"ONCE", "UN", "UNA", "AV", "AVE"}
)  # fmt: skip
# Spanish phrases → the English phrase the parser knows (lead-ins, connectors, closings).
_PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {
    tuple(spanish.split()): tuple(english.split())
    for spanish, english in (
        ("LA DIRECCION ES", "THE ADDRESS IS"),
        ("MI DIRECCION ES", "MY ADDRESS IS"),
        ("LA DIRECCION", "THE ADDRESS"),
        ("DIRECCION", "ADDRESS"),
        ("ESTA EN", "ITS AT"),
        ("ESTA", "ITS"),
        ("ES EN", "ITS AT"),
        ("QUEDA EN", "ITS AT"),
        ("ENFRENTE DE", "IN FRONT OF"),
        ("EN FRENTE DE", "IN FRONT OF"),
        ("FRENTE A", "IN FRONT OF"),
        ("CERCA DE", "NEAR"),
        ("AL LADO DE", "NEXT TO"),
        ("EN LA ESQUINA DE", "AT THE CORNER OF"),
        ("LA ESQUINA DE", "THE CORNER OF"),
        ("ESQUINA DE", "CORNER OF"),
        ("ESQUINA", "CORNER"),
        ("EL NUMERO", "NUMBER"),
        ("NUMERO", "NUMBER"),
        ("EN BOSTON", "IN BOSTON"),
        ("EN MIAMI", "IN MIAMI"),
        ("POR FAVOR", "PLEASE"),
        ("GRACIAS", "THANK YOU"),
        ("MUCHAS GRACIAS", "THANK YOU"),
        ("SI", "YES"),
        ("BUENO", "SO"),
        ("PUES", "SO"),
        ("O SEA", "SO"),
        ("Y", "AND"),
        ("ES", "ITS"),
    )
}
_PHRASE_LOOKUP = Phrases(tuple(" ".join(p) for p in _PHRASES))
# Dropped before a street type or a directional: "438 de la calle Washington", "del noroeste".
_ARTICLES = frozenset({"DE", "LA", "EL", "DEL", "LAS", "LOS"})
_NUMERAL = re.compile(r"^\d+$")
_ARTICLE_NUMBERS = frozenset({"UN", "UNA"})
_TAKE_DE = frozenset({"ESQUINA", "FRENTE", "ENFRENTE", "CERCA", "LADO", "DIRECCION"})
_ORDINAL_NUMERAL = re.compile(r"^(\d+)(?:ST|ND|RD|TH|O|A|RO|RA|VO|VA|MO|MA|TO|TA)?$")
_NAME_STOPS = frozenset({"EN", "Y", "CERCA", "ESQUINA", "NUMERO", "ENFRENTE", "CODIGO", "ZIP"})


def plain(token: str) -> str:
    """``token`` without accents: "DIRECCIÓN" → "DIRECCION"."""
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFD", token)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_spanish(tokens: Sequence[str]) -> bool:
    """Whether the words hold one only Spanish has."""
    return any(plain(token) in _SPANISH_ONLY for token in tokens)


def _below_thousand(tokens: Sequence[str], i: int) -> tuple[int, int]:
    """The value of a Spanish number below 1000 starting at ``i``, and where it ends."""
    value, j = 0, i
    if j < len(tokens) and tokens[j] in HUNDREDS:
        value, j = HUNDREDS[tokens[j]], j + 1
    if j < len(tokens) and tokens[j] in TENS:
        value, j = value + TENS[tokens[j]], j + 1
        if j + 1 < len(tokens) and tokens[j] == "Y" and UNITS.get(tokens[j + 1], 0) > 0:
            value, j = value + UNITS[tokens[j + 1]], j + 2
    elif j < len(tokens) and tokens[j] in TEENS:
        value, j = value + TEENS[tokens[j]], j + 1
    elif j < len(tokens) and tokens[j] in UNITS and (j == i or value):
        value, j = value + UNITS[tokens[j]], j + 1
    return value, j


def _number_group(tokens: Sequence[str], i: int) -> tuple[int, int] | None:
    """One number as Spanish says it in full ("mil doscientos", "cuatrocientos treinta y
    ocho", "cuatro"), starting at ``i``: its value and where it ends; None when none starts.

    A unit followed by a tens word is two groups ("cuatro | treinta y ocho", a house number
    said in pairs): the standard form never puts a unit before tens.
    """
    if tokens[i] in _ARTICLE_NUMBERS and (i + 1 == len(tokens) or tokens[i + 1] != "MIL"):
        return None  # "hay un bache": an article, not one
    value, j = _below_thousand(tokens, i)
    if j < len(tokens) and tokens[j] == "MIL":
        value, j = (value or 1) * 1000, j + 1
        rest, k = _below_thousand(tokens, j)
        value, j = value + rest, k
    return None if j == i else (value, j)


def _street_number(tokens: Sequence[str], i: int) -> tuple[int, int] | None:
    """A street's number after "calle"/"avenida" or before it: "ocho", "8", "octava", "27"."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    if token in ORDINALS:
        return ORDINALS[token], i + 1
    numeral = _ORDINAL_NUMERAL.match(token)
    if numeral:
        value = int(numeral.group(1))
        return (value, i + 1) if value else None
    group = _number_group(tokens, i)
    return group if group and group[0] else None


def _directional_at(tokens: Sequence[str], i: int) -> tuple[str, int] | None:
    """A directional at ``i`` ("noroeste", "del noroeste"), as its abbreviation, and its end."""
    j = i
    while j < len(tokens) and tokens[j] in _ARTICLES:
        j += 1
    if j < len(tokens) and tokens[j] in DIRECTIONALS:
        return DIRECTIONALS[tokens[j]], j + 1
    return None


def _street(tokens: list[str], i: int) -> tuple[list[str], int, list[str]] | None:
    """The street said from a street type at ``i`` ("calle ocho suroeste", "avenida Washington
    número 438"): its English words, where it ends, and a house number said after it."""
    suffix = STREET_TYPES[tokens[i]]
    j = i + 1
    directional = _directional_at(tokens, j)
    if directional:
        j = directional[1]
    number = _street_number(tokens, j)
    if number:
        name = [ordinal_suffix(number[0])]
        j = number[1]
    else:
        start = j
        while j < len(tokens) and not _stops_name(tokens, j):
            j += 1
        name = tokens[start:j]
        if not name:
            return None
    if directional is None:
        directional = _directional_at(tokens, j)
        if directional:
            j = directional[1]
    words = [*([directional[0]] if directional else []), *name, suffix]
    house: list[str] = []
    k = j + (1 if j < len(tokens) and tokens[j] == "NUMERO" else 0)
    if k < len(tokens) and _NUMERAL.match(tokens[k]):
        house, j = [tokens[k]], k + 1
    return words, j, house


def _stops_name(tokens: Sequence[str], j: int) -> bool:
    token = tokens[j]
    return (
        token in _NAME_STOPS
        or token in DIRECTIONALS
        or bool(_NUMERAL.match(token))
        or _number_group(tokens, j) is not None
        or (token in _ARTICLES and j + 1 < len(tokens) and tokens[j + 1] in DIRECTIONALS)
    )


def _streets(tokens: list[str]) -> list[str]:
    """Spanish street forms rewritten in English order ("calle ocho" → "8TH STREET")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in STREET_TYPES and token not in ("AV", "AVE"):
            street = _street(tokens, i)
            if street is not None:
                words, end, house = street
                _drop_articles(out)  # "438 de la calle Washington"
                out.extend([*house, *words])  # "calle Washington 438" → 438 Washington Street
                i = end
                continue
        ordinal = ORDINALS.get(token)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if ordinal and nxt in STREET_TYPES:  # "la séptima avenida (del noroeste)"
            directional = _directional_at(tokens, i + 2)
            _drop_articles(out)
            if directional:
                out.append(directional[0])
            out.extend([ordinal_suffix(ordinal), STREET_TYPES[nxt]])
            i = directional[1] if directional else i + 2
            continue
        out.append(DIRECTIONALS.get(token, token) if token != "ESTE" else token)
        i += 1
    return out


def _drop_articles(out: list[str]) -> None:
    """Drop the "de la" said before a street ("438 de la calle …"), not the "de" of a lead-in
    or connector ("la esquina de calle ocho", "cerca de calle Elm")."""
    while out and out[-1] in _ARTICLES:
        if out[-1] == "DE" and len(out) > 1 and out[-2] in _TAKE_DE:
            return
        out.pop()


def _numbers(tokens: list[str]) -> list[str]:
    """Spanish number words as numerals, one per group said ("cuatro treinta y ocho" → 4 38)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        group = _number_group(tokens, i)
        if group is None:
            out.append(tokens[i])
            i += 1
            continue
        out.append(str(group[0]))
        i = group[1]
    return out


def _phrases(tokens: list[str]) -> list[str]:
    """Spanish lead-ins, connectors and closings as the English phrases the parser strips."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "EN" and i + 1 < len(tokens) and _NUMERAL.match(tokens[i + 1]):
            out.append("AT")  # "hay un bache en 438 …"
            i += 1
            continue
        n = _PHRASE_LOOKUP.starts(tokens, i)
        if n:
            out.extend(_PHRASES[tuple(tokens[i : i + n])])
            i += n
            continue
        out.append("IN" if tokens[i] == "EN" else tokens[i])
        i += 1
    return out


def spanish_as_english(tokens: list[str]) -> list[str]:
    """``tokens`` (upper case words) with a Spanish address rewritten in English words;
    unchanged when nothing in them is Spanish only."""
    if not is_spanish(tokens):
        return tokens
    words = [plain(token) for token in tokens]
    if words and words[0] == "ESTE":
        words = words[1:]  # "este…": a Spanish hesitation, not the directional
    return _phrases(_numbers(_streets(words)))
