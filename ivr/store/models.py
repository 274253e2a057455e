"""Every table of the store, imported in one place so Alembic and the tests see them all.

Each concept keeps its tables in its own module; add the module here when you add one.
"""

from __future__ import annotations

from ivr.store import (
    call_tables,
    gazetteer_tables,
    handoff_tables,
    job_tables,
    request_tables,
    staff_tables,
    text_tables,
)
from ivr.store.base import Base

__all__ = [
    "Base",
    "call_tables",
    "gazetteer_tables",
    "handoff_tables",
    "job_tables",
    "request_tables",
    "staff_tables",
    "text_tables",
]
