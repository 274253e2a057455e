"""Tables of the gazetteer: the city's address points, and the distinct streets made from them.

``gazetteer_points`` holds one row per house number at a location, as imported (a file row
``9-11`` becomes two points, 9 and 11, at the same place). ``street_key`` is the canonical key
of :func:`ivr.addresses.streets.street_key`, so lookups compare like with like. ``dataset``
names the dataset a point was imported into (one city, or one file of it); ``ivr gazetteer
import --replace`` swaps one dataset's points, ``ivr gazetteer drop`` deletes them, and
geocoding reads only the datasets the settings choose (:mod:`ivr.addresses.dataset_choice`).

``gazetteer_streets`` is derived from the points after every import (one row per street key):
the display name, the name core and its metaphone, and the postal codes the street runs
through. It is what phonetic and fuzzy lookups, the street-name hints given to recognisers and
``ivr gazetteer stats`` read without scanning every point.

``gazetteer_imports`` records every import that committed, until its dataset is dropped: the
names in it are the gazetteer's datasets, and a process holding the in-memory index compares a
digest of its datasets' rows with the one its index was built from to know when to reload.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ivr.store.base import Base


class GazetteerPoint(Base):
    __tablename__ = "gazetteer_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(100), index=True)
    source_id: Mapped[str] = mapped_column(String(100), default="")
    house_number: Mapped[str] = mapped_column(String(20))  # as written: "12A", "9"
    house_number_int: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 12 for "12A"
    unit: Mapped[str] = mapped_column(String(50), default="")
    street_key: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(String(200))  # display form: "Washington Street"
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    neighbourhood: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_gazetteer_points_street_number", "street_key", "house_number_int"),)

    def __repr__(self) -> str:  # addresses are kept out of logs
        return f"<GazetteerPoint id={self.id} dataset={self.dataset!r}>"


class GazetteerStreet(Base):
    __tablename__ = "gazetteer_streets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    street_key: Mapped[str] = mapped_column(String(120), unique=True)
    display: Mapped[str] = mapped_column(String(200))
    name_core: Mapped[str] = mapped_column(String(120), index=True)
    core_metaphone: Mapped[str] = mapped_column(String(120), index=True)
    postal_codes: Mapped[str] = mapped_column(Text, default="")  # space-separated, sorted
    point_count: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<GazetteerStreet id={self.id}>"


class GazetteerImport(Base):
    __tablename__ = "gazetteer_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(100))
    file_format: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(300), default="")  # file name
    rows: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    bad_rows: Mapped[int] = mapped_column(Integer)
    replaced: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<GazetteerImport id={self.id} dataset={self.dataset!r}>"
