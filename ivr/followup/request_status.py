"""The ``request_status`` job: what a caller hears about a reference number they keyed in.

The gateway answers first from its own outbox for a reference it gave itself (a batch
service's token the city has not exchanged for an id yet: "received"; a token that has been
exchanged is asked about under its id). Anything else is asked of the city, through the
Open311 client (GET ``requests/{id}``). A city that cannot be reached, refuses the query or
answers nonsense is ``failed``: the caller hears that it cannot be reached right now, and the
log line names which of these it was (:func:`ivr.open311.error_words.what_went_wrong`: a 4xx is
a refusal). The job never retries: a caller is waiting on the line.

An open request's answer ends with what the city lets the caller expect: its notice and
expected date (:mod:`ivr.followup.expectations`); a closed one's has nothing left to expect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import Catalogue
from ivr.followup.expectations import Expectations, ExpectationWords, said_notice
from ivr.followup.spoken_dates import spoken_date
from ivr.jobs.queue import JobRequest
from ivr.open311.error_words import brief, what_went_wrong
from ivr.open311.errors import Open311Error
from ivr.open311.models import ServiceRequest
from ivr.store.call_tables import OutboxRecord
from ivr.webhooks.filing import spell

log = logging.getLogger(__name__)


class RequestReader(Protocol):
    def request(self, service_request_id: str) -> ServiceRequest | None: ...


class RequestStatus:
    """The handler; ``client`` is an ``Open311Client`` (or anything with its ``request``)."""

    def __init__(
        self,
        client: RequestReader,
        sessions: sessionmaker[Session],
        catalogues: Mapping[str, Catalogue],
        words: ExpectationWords | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._sessions = sessions
        self._catalogues = catalogues
        self._words = words or ExpectationWords(catalogues)
        self._clock = clock

    def __call__(self, job: JobRequest) -> Mapping[str, Any]:
        reference = str(job.data.get("reference") or "").strip()
        catalogue = self._catalogue(str(job.data.get("language") or ""))
        slots = {"status_reference": spell(reference), "status_words": "", "status_details": ""}
        if not reference:
            return {"text": "unknown", "slots": slots}
        city_id, held = self._from_outbox(reference)
        if city_id is None:
            return {"text": "received", "slots": slots}
        try:
            found = self._client.request(city_id)
        except Open311Error as error:
            log.warning(
                "status by phone: %s: %s",
                what_went_wrong(error),
                brief(error),
                extra={"city_status": error.status_code},
            )
            return {"text": "failed", "slots": slots}
        if found is None:
            return {"text": "received" if held else "unknown", "slots": slots}
        slots["status_words"] = _status_words(found.status, catalogue)
        details = [_details(found, catalogue, self._words)]
        if found.status.strip().lower() != "closed":
            told = Expectations(said_notice(found.service_notice), found.expected_datetime)
            details.append(self._words.sentence(told, catalogue.language, self._clock()))
        slots["status_details"] = " ".join(part for part in details if part)
        return {"text": "found", "slots": slots}

    def _catalogue(self, language: str) -> Catalogue:
        return self._catalogues.get(language) or next(iter(self._catalogues.values()))

    def _from_outbox(self, reference: str) -> tuple[str | None, bool]:
        """The city's id to ask about (None: the city has given none yet), and whether the
        gateway filed this reference itself."""
        with self._sessions() as session:
            by_token = session.scalar(
                select(OutboxRecord).where(OutboxRecord.token == reference).limit(1)
            )
            if by_token is not None:
                return by_token.service_request_id, True
            by_id = session.scalar(
                select(OutboxRecord.id).where(OutboxRecord.service_request_id == reference).limit(1)
            )
        return reference, by_id is not None


def _status_words(status: str, catalogue: Catalogue) -> str:
    key = f"status.{status.strip().lower()}"
    return catalogue.prompts.get(key, status.strip()) if status.strip() else ""


def _details(found: ServiceRequest, catalogue: Catalogue, words: ExpectationWords) -> str:
    """The notes and when it last changed, as sentences of the caller's catalogue."""
    parts = []
    notes = found.status_notes.strip().rstrip(".").strip()
    if notes:
        parts.append(catalogue.text("status.notes", {"notes": notes}))
    moment = found.updated_datetime or found.requested_datetime
    if moment is not None:
        date = spoken_date(moment, catalogue, words.zone)
        parts.append(catalogue.text("status.updated", {"date": date}))
    return " ".join(parts)
