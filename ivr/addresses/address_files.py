"""Reading a city's address-point files, one validated point at a time.

Two formats, told apart by their header row:

- AddressData (the shipped Boston sample): ``House number,Street name,Postal code,Latitude,
  Longitude``.
- OpenAddresses: ``LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH`` (only
  LON, LAT, NUMBER and STREET are required; the others may be missing or empty).

Every row either becomes one or more :class:`PointRow` (a row ``9-11`` or ``22;24`` is one
building with two numbers, so two points at the same place) or is counted under a
:class:`BadRow` reason and skipped whole. Street names are normalised with
:func:`ivr.addresses.streets.parse_street`, so the gazetteer's keys are the parser's keys.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TextIO

from ivr.addresses.streets import StreetName, parse_street


class AddressFileError(ValueError):
    """The file cannot be read as address points at all (unknown header, unreadable text)."""


class FileFormat(StrEnum):
    ADDRESSDATA = "addressdata"
    OPENADDRESSES = "openaddresses"


class BadRow(StrEnum):
    """Why a row was skipped (the import reports a count per reason)."""

    WRONG_COLUMNS = "wrong number of columns"
    MISSING_COORDINATES = "missing coordinates"
    INVALID_COORDINATES = "coordinates not numbers"
    OUT_OF_RANGE = "coordinates out of range"
    NO_STREET = "no street name"
    UNPARSEABLE_STREET = "street name not understood"
    NO_NUMBER = "no house number"
    UNPARSEABLE_NUMBER = "house number not understood"


_ADDRESSDATA = ("house number", "street name", "postal code", "latitude", "longitude")
_OPENADDRESSES_REQUIRED = ("lon", "lat", "number", "street")
_OPENADDRESSES_OPTIONAL = ("unit", "city", "district", "region", "postcode", "id", "hash")

_NUMBER = re.compile(r"(\d{1,7})\s*(?:([A-Z]{1,3})|(1/2))?")
_NUMBER_LIST = re.compile(r"\s*[,;&]\s*|\s+AND\s+")
_RANGE = re.compile(r"(\d{1,7}[A-Z]{0,3})\s*-\s*(\d{1,7}[A-Z]{0,3})")
_LETTER_AFTER_HYPHEN = re.compile(r"^(\d+)\s*-\s*([A-Z]{1,3})$")
_LEADING_DIGITS = re.compile(r"\d+")
_ZIP = re.compile(r"(\d{5})(?:-?\d{4})?")
_STREET_UNIT = re.compile(
    r"[\s,]+(\d+(?:ST|ND|RD|TH)\s+FLOOR|FLOOR\s+\d+|SUITE\s+\S+|STE\.?\s+\S+|UNIT\s+\S+|"
    r"APT\.?\s+\S+|#\s*\S+)$",
    re.IGNORECASE,
)
_MAX_NUMBERS_PER_ROW = 6


@dataclass(frozen=True)
class PointRow:
    """One house number at one place, validated and normalised (addresses hidden in repr)."""

    source_id: str
    house_number: str = field(repr=False)
    house_number_int: int | None = field(repr=False)
    unit: str = field(repr=False)
    street_key: str = field(repr=False)
    street: str = field(repr=False)
    postal_code: str
    neighbourhood: str
    city: str
    lat: float = field(repr=False)
    lon: float = field(repr=False)


@dataclass
class ReadTally:
    """What reading a file found: rows seen, points made, bad rows by reason."""

    file_format: str = ""
    rows: int = 0
    points: int = 0
    bad: Counter[str] = field(default_factory=Counter)


def detect_format(header: Sequence[str]) -> tuple[FileFormat, dict[str, int]]:
    """The file's format and the column index of each known column, from its header row."""
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    positions = {name: index for index, name in enumerate(names) if name}
    if all(name in positions for name in _ADDRESSDATA):
        return FileFormat.ADDRESSDATA, {name: positions[name] for name in _ADDRESSDATA}
    if all(name in positions for name in _OPENADDRESSES_REQUIRED):
        wanted = _OPENADDRESSES_REQUIRED + _OPENADDRESSES_OPTIONAL
        return FileFormat.OPENADDRESSES, {n: positions[n] for n in wanted if n in positions}
    raise AddressFileError(
        "header not recognised: expected the AddressData columns "
        f"({','.join(_ADDRESSDATA)}) or the OpenAddresses columns "
        f"({','.join(c.upper() for c in _OPENADDRESSES_REQUIRED)}, …); got {','.join(names)!r}"
    )


def parse_house_numbers(written: str) -> list[tuple[str, int | None]] | None:
    """The house numbers one row gives, as (text, numeric part); None when not understood.

    ``"12A"`` and ``"12-A"`` → [("12A", 12)]; ``"9-11"`` and ``"9,11"`` → [("9", 9), ("11", 11)];
    ``"12½"`` → [("12 1/2", 12)]. A hyphen joins two numbers only when it reads as a short
    range on one side of a street (``9-11``, ``11-11A``); otherwise (``37-12``, Queens style)
    the whole text is one number whose numeric part is the first.
    """
    text = " ".join(written.upper().replace("½", " 1/2").split()).strip(" -")
    text = _LETTER_AFTER_HYPHEN.sub(r"\1\2", text)
    if not text:
        return []
    numbers: list[tuple[str, int | None]] = []
    for part in _NUMBER_LIST.split(text):
        if not part:
            continue
        ranged = _RANGE.fullmatch(part)
        if ranged and not _is_short_range(ranged.group(1), ranged.group(2)):
            numbers.append((part.replace(" ", ""), _numeric_part(ranged.group(1))))
            continue
        for piece in ranged.groups() if ranged else (part,):
            number = _single_number(piece)
            if number is None:
                return None
            numbers.append(number)
    unique = list(dict.fromkeys(numbers))
    return unique[:_MAX_NUMBERS_PER_ROW] if unique else None


def _single_number(piece: str) -> tuple[str, int] | None:
    match = _NUMBER.fullmatch(piece.strip())
    if not match:
        return None
    digits, letters, half = match.groups()
    value = int(digits)
    text = str(value) + (letters or "") + (" 1/2" if half else "")
    return text, value


def _numeric_part(piece: str) -> int:
    digits = _LEADING_DIGITS.match(piece)
    return int(digits.group()) if digits else 0


def _is_short_range(first: str, last: str) -> bool:
    low, high = _numeric_part(first), _numeric_part(last)
    return low <= high <= low + 20


def normalise_postal_code(written: str) -> str:
    """US ZIP and ZIP+4 to five digits; the first of a ``;`` list; others upper-cased."""
    first = written.split(";")[0].strip().upper()
    match = _ZIP.fullmatch(first)
    if match:
        return match.group(1)
    return first[:10]


def load_neighbourhoods(stream: TextIO) -> dict[str, str]:
    """``postal_code,neighbourhood`` rows → {postal code: neighbourhood}."""
    reader = csv.reader(stream)
    header = [name.strip().lstrip("\ufeff").lower() for name in next(reader, [])]
    if header[:2] != ["postal_code", "neighbourhood"]:
        raise AddressFileError("neighbourhoods file: header must be postal_code,neighbourhood")
    mapping: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise AddressFileError(f"neighbourhoods file, line {line}: needs a code and a name")
        mapping[normalise_postal_code(row[0])] = " ".join(row[1].split())
    return mapping


class _Streets:
    """Street names parsed once per distinct written form (a city has a few thousand)."""

    def __init__(self, parse: Callable[[str], StreetName]) -> None:
        self._parse = parse
        self._seen: dict[str, tuple[str, str] | None] = {}

    def __call__(self, written: str) -> tuple[str, str] | None:
        """(key, display) for a written street name, or None when it cannot be understood."""
        if written in self._seen:
            return self._seen[written]
        display = " ".join(_STREET_UNIT.sub("", written).split()).strip(" ,")
        result: tuple[str, str] | None = None
        try:
            key = self._parse(display).key
        except ValueError:
            key = ""
        if key.strip():
            result = (key, display)
        self._seen[written] = result
        return result


def read_points(
    stream: TextIO,
    *,
    neighbourhoods: Mapping[str, str],
    tally: ReadTally,
    parse: Callable[[str], StreetName] = parse_street,
) -> Iterator[PointRow]:
    """Yield the points of an address file, counting rows and bad rows into ``tally``."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise AddressFileError("the file is empty: no header row") from None
    file_format, columns = detect_format(header)
    tally.file_format = str(file_format)
    streets = _Streets(parse)
    width = max(columns.values()) + 1
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        tally.rows += 1
        if len(row) < width:
            tally.bad[BadRow.WRONG_COLUMNS] += 1
            continue
        if file_format is FileFormat.ADDRESSDATA:
            fields = _addressdata_fields(row, columns, line)
        else:
            fields = _openaddresses_fields(row, columns, line)
        points = _validate(fields, streets, neighbourhoods)
        if isinstance(points, BadRow):
            tally.bad[points] += 1
            continue
        tally.points += len(points)
        yield from points


@dataclass(frozen=True)
class _Fields:
    source_id: str
    number: str
    street: str
    unit: str
    postal_code: str
    district: str
    city: str
    lat: str
    lon: str


def _addressdata_fields(row: list[str], columns: dict[str, int], line: int) -> _Fields:
    return _Fields(
        source_id=f"line {line}",
        number=row[columns["house number"]],
        street=row[columns["street name"]],
        unit="",
        postal_code=row[columns["postal code"]],
        district="",
        city="",
        lat=row[columns["latitude"]],
        lon=row[columns["longitude"]],
    )


def _openaddresses_fields(row: list[str], columns: dict[str, int], line: int) -> _Fields:
    def column(name: str) -> str:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else ""

    return _Fields(
        source_id=column("id") or column("hash") or f"line {line}",
        number=column("number"),
        street=column("street"),
        unit=column("unit"),
        postal_code=column("postcode"),
        district=column("district"),
        city=column("city"),
        lat=column("lat"),
        lon=column("lon"),
    )


def _validate(
    fields: _Fields, streets: _Streets, neighbourhoods: Mapping[str, str]
) -> list[PointRow] | BadRow:
    if not fields.lat.strip() or not fields.lon.strip():
        return BadRow.MISSING_COORDINATES
    try:
        lat, lon = float(fields.lat), float(fields.lon)
    except ValueError:
        return BadRow.INVALID_COORDINATES
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return BadRow.INVALID_COORDINATES
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or (lat == 0.0 and lon == 0.0):
        return BadRow.OUT_OF_RANGE
    if not fields.street.strip():
        return BadRow.NO_STREET
    street = streets(fields.street)
    if street is None:
        return BadRow.UNPARSEABLE_STREET
    numbers = parse_house_numbers(fields.number)
    if numbers is None:
        return BadRow.UNPARSEABLE_NUMBER
    if not numbers:
        return BadRow.NO_NUMBER
    postal_code = normalise_postal_code(fields.postal_code)
    district = " ".join(fields.district.split())
    neighbourhood = district.title() if district else neighbourhoods.get(postal_code, "")
    key, display = street
    unit = " ".join(fields.unit.split())[:50]
    return [
        PointRow(
            source_id=fields.source_id[:100],
            house_number=text[:20],
            house_number_int=value,
            unit=unit,
            street_key=key[:120],
            street=display[:200],
            postal_code=postal_code,
            neighbourhood=neighbourhood[:100],
            city=" ".join(fields.city.split()).title()[:100],
            lat=lat,
            lon=lon,
        )
        for text, value in numbers
    ]
