"""The gazetteer's address points in columns: one numpy array per field, grouped by street.

A million points as Python objects cost several hundred MB and half a minute to build; as
columns they are a few dozen MB, built in seconds and stored on disk as they are
(:mod:`ivr.addresses.index_snapshot`). The texts points repeat (house numbers as written,
postal codes, neighbourhoods) are kept once each in a table, and a point holds their codes.

Rows are grouped by street (streets in the order their first point came), and within a
street they keep the order they came in: whatever depends on that order (the first of equal
answers, the mean of several points of one number) is the same as from the rows themselves.
A street's points are the rows ``start:end``; :class:`PointsByNumber` reads them by house
number, making point objects only for the number asked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

NO_NUMBER = -1  # the ``number_int`` of a point whose number has no digits

Key = TypeVar("Key", str, int)


@dataclass(frozen=True, slots=True)
class IndexedPoint:
    number: str = field(repr=False)
    number_int: int | None = field(repr=False)
    lat: float = field(repr=False)
    lon: float = field(repr=False)
    postal_code: str = ""
    neighbourhood: str = ""


@dataclass(frozen=True, eq=False)
class PointColumns:
    """Every point of the gazetteer; row ``i`` of each array is point ``i``."""

    number: npt.NDArray[np.int32]  # code into ``numbers``
    number_int: npt.NDArray[np.int64]  # NO_NUMBER when the number has no digits
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    postal_code: npt.NDArray[np.int32]  # code into ``postal_codes``
    neighbourhood: npt.NDArray[np.int32]  # code into ``neighbourhoods``
    numbers: tuple[str, ...] = field(repr=False)
    postal_codes: tuple[str, ...] = field(repr=False)
    neighbourhoods: tuple[str, ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.lat)

    def number_code(self, text: str) -> int:
        """The code of a house number as written, -1 when no point has it."""
        codes = self.__dict__.get("_number_codes")
        if codes is None:  # made on the first lookup, then kept (the object is immutable)
            codes = {text: at for at, text in enumerate(self.numbers)}
            object.__setattr__(self, "_number_codes", codes)
        return int(codes.get(text, -1))

    def point(self, row: int) -> IndexedPoint:
        value = int(self.number_int[row])
        return IndexedPoint(
            self.numbers[self.number[row]],
            None if value == NO_NUMBER else value,
            float(self.lat[row]),
            float(self.lon[row]),
            self.postal_codes[self.postal_code[row]],
            self.neighbourhoods[self.neighbourhood[row]],
        )

    def points(self, rows: Sequence[int]) -> tuple[IndexedPoint, ...]:
        """The points of ``rows``, in that order (made column by column: a number found in
        hundreds of places is a few hundred points)."""
        at = np.asarray(rows, dtype=np.intp)
        numbers, postal_codes, areas = self.numbers, self.postal_codes, self.neighbourhoods
        return tuple(
            map(
                IndexedPoint,
                [numbers[code] for code in self.number[at].tolist()],
                [None if v == NO_NUMBER else v for v in self.number_int[at].tolist()],
                self.lat[at].tolist(),
                self.lon[at].tolist(),
                [postal_codes[code] for code in self.postal_code[at].tolist()],
                [areas[code] for code in self.neighbourhood[at].tolist()],
            )
        )


class PointsByNumber(Mapping[Key, tuple[IndexedPoint, ...]], Generic[Key]):
    """The points of rows ``start:end`` by house number — as written (``by_text``) or by its
    digits — in the order they came; keys in the order they first came. Nothing is made until
    a number is asked for."""

    __slots__ = ("_by_text", "_columns", "_end", "_start")

    def __init__(self, columns: PointColumns, start: int, end: int, *, by_text: bool) -> None:
        self._columns = columns
        self._start = start
        self._end = end
        self._by_text = by_text

    def _codes(self) -> npt.NDArray[Any]:
        source = self._columns.number if self._by_text else self._columns.number_int
        return source[self._start : self._end]

    def _code(self, key: object) -> int | None:
        if self._by_text:
            if not isinstance(key, str):
                return None
            code = self._columns.number_code(key)
            return code if code >= 0 else None
        if not isinstance(key, int) or not 0 <= key < 2**62:
            return None
        return key

    def _rows(self, key: object) -> npt.NDArray[np.intp]:
        code = self._code(key)
        if code is None:
            return np.empty(0, dtype=np.intp)
        return np.flatnonzero(self._codes() == code)

    def __getitem__(self, key: Key) -> tuple[IndexedPoint, ...]:
        rows = self._rows(key)
        if not len(rows):
            raise KeyError(key)
        return self._columns.points((rows + self._start).tolist())

    def __contains__(self, key: object) -> bool:
        code = self._code(key)
        return code is not None and bool((self._codes() == code).any())

    def _keys(self) -> list[int]:
        codes = self._codes()
        if not len(codes):
            return []
        unique, first = np.unique(codes, return_index=True)
        if not self._by_text:
            kept = unique != NO_NUMBER
            unique, first = unique[kept], first[kept]
        return [int(code) for code in unique[np.argsort(first, kind="stable")]]

    def __iter__(self) -> Iterator[Key]:
        if self._by_text:
            numbers = self._columns.numbers
            return iter([numbers[code] for code in self._keys()])  # type: ignore[misc]
        return iter(self._keys())  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._keys())


class ColumnsBuilder:
    """Rows added in batches (streets in any order), grouped by street at the end."""

    _FIELDS = ("street", "number", "number_int", "lat", "lon", "postal", "area")

    def __init__(self) -> None:
        self._streets: dict[str, int] = {}
        self._numbers: dict[str, int] = {}
        self._postal_codes: dict[str, int] = {}
        self._areas: dict[str, int] = {}
        self._chunks: dict[str, list[npt.NDArray[Any]]] = {name: [] for name in self._FIELDS}
        self.displays: list[dict[str, int]] = []  # per street: display form → points

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of (street key, display form, house number as written, its digits or
        None, postal code, neighbourhood, lat, lon)."""
        if not rows:
            return
        keys, displays, numbers, ints, postal_codes, areas, lats, lons = zip(*rows, strict=True)
        streets, texts, codes, places = (
            self._streets,
            self._numbers,
            self._postal_codes,
            self._areas,
        )
        street = [streets.setdefault(key, len(streets)) for key in keys]
        self.displays.extend({} for _ in range(len(streets) - len(self.displays)))
        for (at, display), count in Counter(zip(street, displays, strict=True)).items():
            forms = self.displays[at]
            forms[display] = forms.get(display, 0) + count
        chunks = self._chunks
        chunks["street"].append(np.array(street, dtype=np.int32))
        number = [texts.setdefault(text, len(texts)) for text in numbers]
        chunks["number"].append(np.array(number, dtype=np.int32))
        value = [NO_NUMBER if v is None else v for v in ints]
        chunks["number_int"].append(np.array(value, dtype=np.int64))
        chunks["lat"].append(np.array(lats, dtype=np.float64))
        chunks["lon"].append(np.array(lons, dtype=np.float64))
        postal = [codes.setdefault(code or "", len(codes)) for code in postal_codes]
        chunks["postal"].append(np.array(postal, dtype=np.int32))
        area = [places.setdefault(name or "", len(places)) for name in areas]
        chunks["area"].append(np.array(area, dtype=np.int32))

    def build(self) -> tuple[PointColumns, list[str], list[int]]:
        """The columns grouped by street, the street keys in order, and where each street's
        rows start (one more entry than streets: the last is the number of rows)."""
        empty = {"lat": np.float64, "lon": np.float64, "number_int": np.int64}
        joined: dict[str, Any] = {
            name: np.concatenate(chunks) if chunks else np.empty(0, dtype=empty.get(name, np.int32))
            for name, chunks in self._chunks.items()
        }
        street = joined.pop("street")
        order = np.argsort(street, kind="stable")
        counts = np.bincount(street, minlength=len(self._streets))
        starts = [0, *np.cumsum(counts).tolist()]
        columns = PointColumns(
            number=joined["number"][order],
            number_int=joined["number_int"][order],
            lat=joined["lat"][order],
            lon=joined["lon"][order],
            postal_code=joined["postal"][order],
            neighbourhood=joined["area"][order],
            numbers=tuple(self._numbers),
            postal_codes=tuple(self._postal_codes),
            neighbourhoods=tuple(self._areas),
        )
        return columns, list(self._streets), starts


def most_common(counts: Mapping[str, int]) -> str:
    """The text counted most often; of equal counts, the first counted."""
    return max(counts, key=lambda text: counts[text])
