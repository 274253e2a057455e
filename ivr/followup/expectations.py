"""What the city lets a caller expect: its notice about the service, and the date it expects to
take care of the request. Said at the end of the call when the city answers within the filing
wait, in the status-by-phone answer, and written in the text message.

Where they come from:

- at filing and in the text message, the notice is the one the city's POST answer carried
  (the outbox row keeps it). The expected date (:func:`expected_at_filing`, for both) is a
  city's own CRM's answer to the GET ``requests/{id}`` the outbox asks once after filing
  (GeoReport v2's POST answer has no such field; the outbox row keeps it, see
  :mod:`ivr.outbox.worker`), else the embedded endpoint's, read from the request it filed under
  the report's idempotency key.
- by status, both are the city's GET answer.

The notice is the city's text, in the city's language (``IVR_CITY_LANGUAGE``): it is said only
when it is plain text (a notice with tags or HTML entities was written for a web page and is
not said), with its whitespace folded, and at most :data:`NOTICE_SAID_LIMIT` characters (cut at
the end of a sentence, else of a word). A caller in another language hears it introduced as the
city's words ("La ciudad dejó esta nota, en inglés:") and then spoken in the city's language.
The date is a day ("Friday, December 4"), in the caller's language, on the city's clock.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import Catalogue
from ivr.dialog.actions import Say
from ivr.followup.spoken_dates import local_day, spoken_day
from ivr.open311.request_store import BLACKBOX_NOTICE
from ivr.open311.service_terms import city_zone, has_markup
from ivr.outbox.queue import FILED, Delivery
from ivr.settings import Settings
from ivr.store.call_tables import OutboxRecord
from ivr.store.request_tables import ServiceRequestRecord

log = logging.getLogger(__name__)

NOTICE_SAID_LIMIT = 300  # characters: about twenty seconds of speech, two text segments
NOTICE = "expect.notice"  # the notice, in the caller's language (which is the city's)
NOTICE_IN = "expect.notice_in"  # one sentence: the notice, named as in the city's language
NOTICE_INTRO = "expect.notice_intro"  # said before the notice spoken in the city's language
CITY_WORDS = "expect.city_words"  # the notice alone, spoken in the city's language
BY = "expect.by"
BY_PAST = "expect.by_past"
SENTENCE_ENDS = (". ", "! ", "? ")


@dataclass(frozen=True)
class Expectations:
    """The notice (already cleaned by :func:`said_notice`) and the expected moment."""

    notice: str = ""
    expected: datetime | None = None


NOTHING = Expectations()


def said_notice(raw: str) -> str:
    """The city's notice as a caller may hear or read it; empty when it is not plain text."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in raw).split())
    if not text or has_markup(text):
        return ""
    if len(text) > NOTICE_SAID_LIMIT:
        cut = text[:NOTICE_SAID_LIMIT]
        end = max(cut.rfind(mark) for mark in SENTENCE_ENDS)
        if end >= NOTICE_SAID_LIMIT // 3:
            text = cut[: end + 1]
        else:
            text = cut.rsplit(" ", 1)[0].rstrip(",;:-") + "…"
    return text if text[-1] in ".!?…" else text + "."


def told_at_filing(sessions: sessionmaker[Session], delivery: Delivery | None) -> Expectations:
    """What the caller can be told once the report is filed: the POST answer's notice, and the
    expected date (:func:`expected_at_filing`). Nothing before the city has answered."""
    if delivery is None or delivery.status != FILED:
        return NOTHING
    notice = delivery.service_notice.strip()
    # The embedded endpoint's own notice for a blackbox service says what the caller has
    # just heard ("it does not give out reference numbers"): it is not repeated.
    notice = "" if notice == BLACKBOX_NOTICE else said_notice(notice)
    try:
        with sessions() as session:
            expected = expected_at_filing(session, delivery.outbox_id)
    except SQLAlchemyError as error:  # the caller still hears the reference and the notice
        log.warning("expected date not read: %s", type(error).__name__)
        expected = None
    return Expectations(notice, expected)


def expected_at_filing(session: Session, outbox_id: int) -> datetime | None:
    """The date the city expects to take care of the report of outbox row ``outbox_id``: a
    city's own CRM's, as its GET answer gave it after filing (kept on the row), else that of
    the request the embedded endpoint filed under the row's key; None when neither has one."""
    query = (
        select(OutboxRecord.expected_datetime, ServiceRequestRecord.expected_datetime)
        .outerjoin(ServiceRequestRecord, ServiceRequestRecord.idempotency_key == OutboxRecord.key)
        .where(OutboxRecord.id == outbox_id)
    )
    found = session.execute(query).first()
    if found is None:
        return None
    at_city, embedded = found
    return at_city if at_city is not None else embedded


@dataclass(frozen=True)
class ExpectationWords:
    """How expectations are put in a caller's language: spoken (:meth:`prompts`) or in one
    sentence (:meth:`sentence`, for the status answer and the text message)."""

    catalogues: Mapping[str, Catalogue]
    city_language: str = "en"
    zone: tzinfo | None = None  # the city's clock; None: each moment in its own offset

    @classmethod
    def of(cls, settings: Settings, catalogues: Mapping[str, Catalogue]) -> ExpectationWords:
        name = settings.city_timezone.strip()
        zone = city_zone(name) if name else None
        return cls(catalogues, settings.city_language.strip() or "en", zone)

    def prompts(self, told: Expectations, language: str, now: datetime) -> tuple[Say, ...]:
        """The closing words of a call: the notice (in the city's voice for a caller in
        another language), then the expected date."""
        said: list[Say] = []
        city_name = self._city_language_name(language)
        if told.notice and city_name and self.city_language in self.catalogues:
            said.append(Say(NOTICE_INTRO, (("city_language", city_name),), language))
            said.append(Say(CITY_WORDS, (("notice", told.notice),), self.city_language))
        elif told.notice:
            said.append(Say(NOTICE, (("notice", told.notice),), language))
        if told.expected is not None:
            key, day = self._expected_day(told.expected, language, now)
            said.append(Say(key, (("date", day),), language))
        return tuple(said)

    def sentence(self, told: Expectations, language: str, now: datetime) -> str:
        """The same as words in the caller's language ("" when there is nothing to tell)."""
        catalogue = self._catalogue(language)
        parts: list[str] = []
        city_name = self._city_language_name(language)
        if told.notice and city_name:
            values = {"city_language": city_name, "notice": told.notice}
            parts.append(catalogue.text(NOTICE_IN, values))
        elif told.notice:
            parts.append(catalogue.text(NOTICE, {"notice": told.notice}))
        if told.expected is not None:
            key, day = self._expected_day(told.expected, language, now)
            parts.append(catalogue.text(key, {"date": day}))
        return " ".join(parts)

    def _catalogue(self, language: str) -> Catalogue:
        return self.catalogues.get(language) or next(iter(self.catalogues.values()))

    def _city_language_name(self, language: str) -> str:
        """The city's language as the caller names it, when it is not the caller's own."""
        if language == self.city_language:
            return ""
        return self._catalogue(language).prompts.get(f"language.{self.city_language}", "")

    def _expected_day(self, expected: datetime, language: str, now: datetime) -> tuple[str, str]:
        today = local_day(now, self.zone or expected.tzinfo)
        key = BY_PAST if local_day(expected, self.zone) < today else BY
        return key, spoken_day(expected, self._catalogue(language), today=today, zone=self.zone)
