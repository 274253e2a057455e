"""The ``find_duplicates`` job: an open request of the same service near the confirmed place.

The city is asked for its open requests of the service in the last ``days`` days (GET
``requests`` with ``service_code``, ``status=open`` and ``start_date``); the nearest one within
``radius_metres`` of the caller's point is offered to the caller. When the city does not
answer, answers with an error or refuses the query (a 4xx: it read the question and said no),
the check is ``failed``, the log line says which of these it was, and the report is filed as
usual: the check never keeps a report from the city. The job never retries: a caller is
waiting on the line.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from flows.catalogue import Catalogue
from ivr.followup.spoken_dates import spoken_date
from ivr.jobs.queue import JobRequest
from ivr.open311.error_words import brief, what_went_wrong
from ivr.open311.errors import Open311Error
from ivr.open311.models import ServiceRequest

log = logging.getLogger(__name__)
EARTH_RADIUS_METRES = 6_371_000.0


class RequestSearch(Protocol):
    def requests(
        self,
        *,
        ids: Sequence[str] = (),
        service_code: str = "",
        start: datetime | None = None,
        end: datetime | None = None,
        status: str = "",
    ) -> tuple[ServiceRequest, ...]: ...


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points, in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(min(1.0, h)))


class DuplicateFinder:
    """The handler; ``client`` is an ``Open311Client`` (or anything with its ``requests``)."""

    def __init__(
        self,
        client: RequestSearch,
        catalogues: Mapping[str, Catalogue],
        *,
        radius_metres: float,
        days: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._client = client
        self._catalogues = catalogues
        self._radius = radius_metres
        self._days = days
        self._clock = clock

    def __call__(self, job: JobRequest) -> Mapping[str, Any]:
        slots = {"duplicate_of": "", "duplicate_address": "", "duplicate_date": ""}
        code = str(job.data.get("service_code") or "")
        try:
            point = (float(job.data["lat"]), float(job.data["lon"]))
        except (KeyError, TypeError, ValueError):
            return {"text": "none", "slots": slots}
        if self._radius <= 0 or not code:
            return {"text": "none", "slots": slots}
        start = self._clock() - timedelta(days=self._days)
        try:
            found = self._client.requests(service_code=code, status="open", start=start)
        except Open311Error as error:
            log.warning(
                "duplicate check skipped: %s: %s",
                what_went_wrong(error),
                brief(error),
                extra={"city_status": error.status_code},
            )
            return {"text": "failed", "slots": slots}
        nearest = _nearest(found, code, point, self._radius)
        if nearest is None:
            return {"text": "none", "slots": slots}
        catalogue = self._catalogues.get(str(job.data.get("language") or ""))
        catalogue = catalogue or next(iter(self._catalogues.values()))
        when = nearest.requested_datetime or nearest.updated_datetime
        slots["duplicate_of"] = nearest.service_request_id
        slots["duplicate_address"] = _street(nearest.address) or str(job.data.get("near") or "")
        slots["duplicate_date"] = spoken_date(when, catalogue) if when else ""
        return {"text": "found", "slots": slots}


def _nearest(
    found: Sequence[ServiceRequest], code: str, point: tuple[float, float], radius: float
) -> ServiceRequest | None:
    best: tuple[float, ServiceRequest] | None = None
    for request in found:
        if request.lat is None or request.long is None or request.status.lower() != "open":
            continue
        if request.service_code and request.service_code != code:
            continue
        distance = metres_between(point, (request.lat, request.long))
        if distance <= radius and (best is None or distance < best[0]):
            best = (distance, request)
    return best[1] if best else None


def _street(address: str) -> str:
    """``438 Washington Street, Boston, MA 02135`` is said as its first part."""
    return address.split(",", 1)[0].strip()
