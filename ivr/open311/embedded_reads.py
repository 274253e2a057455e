"""The embedded endpoint's published requests, read from its store by this process's jobs.

When the city is the embedded endpoint, the follow-up jobs (the duplicate check, status by
phone) ask it what an ``Open311Client`` would ask over HTTP, and get the same answer, without
the request:

- the query is the one the client would send (:func:`~ivr.open311.form.search_filters`), read
  as the endpoint reads a query string (:func:`~ivr.open311.request_query.read_query`: the same
  90-day window, the same first 1,000 requests, newest first), and answered from the store as
  the endpoint answers it (:func:`~ivr.open311.request_store.published_requests`);
- what the endpoint would have refused, or answered with an error because the store failed,
  raises the ``Open311Error`` the client would have raised for that answer, which the jobs
  already handle (the duplicate check says ``failed`` and the report is filed as usual).

Asked through the app in-process instead (as the outbox files), a duplicate check cost a whole
request: routing, the JSON of every open request of the service written and parsed again, and
about 3 ms of Python on the job thread, while a caller held for it and other webhooks waited
for the GIL (docs/serving.md, "The duplicate check reads the store").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ivr.open311.errors import ErrorDescription, Open311Error, error_for_status
from ivr.open311.form import search_filters
from ivr.open311.models import ServiceRequest
from ivr.open311.request_query import RequestQuery, read_query
from ivr.open311.request_store import published_requests
from ivr.open311.server_input import FormFields, Refusal
from ivr.store.db import transaction

log = logging.getLogger(__name__)

STORE_FAILED = 500  # what the endpoint answers when its store fails (its handler of any error)


class EmbeddedReads:
    """``requests`` and ``request`` of an ``Open311Client``, answered by the embedded
    endpoint's store in this process."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    def requests(
        self,
        *,
        ids: Sequence[str] = (),
        service_code: str = "",
        start: datetime | None = None,
        end: datetime | None = None,
        status: str = "",
    ) -> tuple[ServiceRequest, ...]:
        """What ``GET requests`` with these filters answers."""
        what = "GET requests"
        pairs = search_filters(
            ids=ids, service_code=service_code, start=start, end=end, status=status
        )
        try:
            query = read_query(FormFields(tuple(pairs)), self._clock)
        except Refusal as refusal:
            raise _refused(refusal, what) from None
        return self._published(query, what)

    def request(
        self, service_request_id: str, *, timeout: float | None = None
    ) -> ServiceRequest | None:
        """What ``GET requests/{id}`` answers: the published request, or None (the endpoint's
        404). ``timeout`` is the client's, and means nothing here."""
        query = RequestQuery(service_request_ids=(service_request_id,))
        found = self._published(query, "GET request")
        return found[0] if found else None

    def _published(self, query: RequestQuery, what: str) -> tuple[ServiceRequest, ...]:
        try:
            with transaction(self._sessions) as session:
                return tuple(published_requests(session, query))
        except SQLAlchemyError as error:
            # As the endpoint logs an error it answers with a 500: the cause is the gateway's
            # own store, which the job's line ("the city failed") would not say.
            log.exception("the embedded Open311 endpoint's store failed a read", exc_info=error)
            raise error_for_status(STORE_FAILED, (), what) from None


def _refused(refusal: Refusal, what: str) -> Open311Error:
    errors = (ErrorDescription(str(refusal.code), refusal.description),)
    return error_for_status(refusal.code, errors, what)
