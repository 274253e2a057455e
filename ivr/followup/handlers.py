"""The follow-up job handlers (status by phone, the duplicate check), with their collaborators."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import Catalogue
from ivr.dialog.follow_up import DUPLICATES_JOB, STATUS_JOB
from ivr.followup.duplicates import DuplicateFinder, RequestSearch
from ivr.followup.expectations import ExpectationWords
from ivr.followup.request_status import RequestReader, RequestStatus
from ivr.jobs.runner import Handler
from ivr.settings import Settings


class CityReader(RequestReader, RequestSearch, Protocol):
    """What the follow-up jobs ask of the city (``Open311Client`` has both)."""


def follow_up_handlers(
    settings: Settings,
    client: CityReader,
    sessions: sessionmaker[Session],
    catalogues: Mapping[str, Catalogue],
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Handler]:
    return {
        STATUS_JOB: RequestStatus(
            client,
            sessions,
            catalogues,
            ExpectationWords.of(settings, catalogues),
            clock=clock,
        ),
        DUPLICATES_JOB: DuplicateFinder(
            client,
            catalogues,
            radius_metres=settings.duplicate_radius_metres,
            days=settings.duplicate_days,
            clock=clock,
        ),
    }
