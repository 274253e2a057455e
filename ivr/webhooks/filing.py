"""Filing at the end of an intake: the report a ``submit`` job carries, and what the caller hears
while the outbox delivers it.

The report is enqueued in the transaction that saves the step holding the ``submit`` job
(:mod:`ivr.webhooks.calls`). The caller then hears "one moment" once a second, for at most
``IVR_FILING_WAIT`` seconds, while the outbox worker files it; each wait is a ``<Redirect>`` to
the ``filing`` URL, whose answer reads the outbox row: once the city has answered with an id,
the caller hears it digit by digit before the flow's own closing words; a batch service's
token, when the city gave only that; that the city gives no numbers, for a blackbox service.
When the city is slow (or refused the report, which a person then sees in ``ivr outbox
failures``) the caller hears that the report was received and will reach the city shortly.
Once filed, the caller also hears what the city lets them expect: its notice and the date it
expects to take care of the report (:mod:`ivr.followup.expectations`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import Catalogue
from ivr.dialog.actions import Action, Hangup, Pause, Redirect, Say
from ivr.dialog.state import PLACE_UNCONFIRMED
from ivr.followup.expectations import ExpectationWords, told_at_filing
from ivr.followup.me_too import described, duplicate_of
from ivr.open311.models import DESCRIPTION_LIMIT
from ivr.open311.submission import LIMITS, VALUE_LIMIT
from ivr.outbox.queue import FILED, Delivery, Report
from ivr.recordings.marks import AUTOMATIC
from ivr.settings import Settings

FILING_EVENT = "filing"  # the urls() event name of a waiting caller's redirect
GOODBYE = "common.goodbye"
REFERENCE = "report.reference"
ON_ITS_WAY = "report.on_its_way"
TOKEN_REFERENCE = "report.token_reference"  # a batch service: its token, until the id comes
NUMBER_LATER = "report.number_later"  # a batch service whose token is too long to read out
NO_NUMBER = "report.no_number"  # a blackbox service: filed, and it never gives a number
TOKEN_READ_LIMIT = 16  # characters; a longer token is not read out one by one
# The recording is the caller's voice: its URL stays with the call (for staff), never in the
# description, which the city — and the embedded endpoint's open data — may publish.
PENDING_MARK = (
    "[The caller described the problem in a voice recording, kept with the call by the 311 "
    "gateway; it had not been transcribed when this report was filed.]"
)
UNTRANSCRIBED_MARK = (
    "[The caller described the problem in a voice recording, kept with the call by the 311 "
    "gateway for staff to listen to; it could not be transcribed.]"
)
TRANSCRIPT_MARK = "[automatic transcript]"
# A report whose place the caller could not confirm: the city learns why it has no
# coordinates, and that the caller's voice is kept for staff to place it.
PLACE_UNCONFIRMED_MARK = (
    "[Place not confirmed: the location is the caller's own words, as recognised on the call; "
    "the call's recording is kept by the 311 gateway for staff to place it.]"
)
# The embedded endpoint's limits (ivr.open311.submission), which the report made from a call
# keeps to: a spoken answer can be as long as a webhook field (4,096 characters), and a report
# made too long would be refused and parked after the caller was told it was taken.
ADDRESS_LIMIT = LIMITS["address_string"]
ANSWER_LIMIT = VALUE_LIMIT  # one answer to an attribute that is not free text
# A place not confirmed, and the caller said and keyed nothing for it: the city still needs a
# location to accept the report, and staff have the call.
NO_PLACE_WORDS = "(no place given on the call)"


def report_from_job(data: Mapping[str, Any], *, city: str = "", region: str = "") -> Report:
    """The report a ``submit`` job's data describes (see ``docs/dialog-engine.md``)."""
    location = data.get("location") or {}
    slots = data.get("slots") or {}
    attributes = {
        str(code): tuple(str(v)[:ANSWER_LIMIT] for v in values)
        for code, values in (data.get("attributes") or {}).items()
    }
    return Report(
        service_code=str(data.get("service_code") or ""),
        attributes=attributes,
        lat=_coordinate(location.get("lat")),
        long=_coordinate(location.get("lon")),
        address_string=address_string(location, city=city, region=region),
        description=_marked(
            described(
                description(slots, data.get("pending") or {}),
                duplicate_of(slots),
                DESCRIPTION_LIMIT,
            ),
            unconfirmed=place_unconfirmed(location),
        ),
        language=str(data.get("language") or "en"),
        call_sid=str(data.get("call_sid") or "") or None,
    )


def place_unconfirmed(location: Mapping[str, Any]) -> bool:
    """The caller's place could not be confirmed on the call (see ``keep_place_unconfirmed``)."""
    return location.get("outcome") == PLACE_UNCONFIRMED


def _marked(text: str, *, unconfirmed: bool) -> str:
    if not unconfirmed:
        return text
    room = DESCRIPTION_LIMIT - len(PLACE_UNCONFIRMED_MARK) - 2
    return "\n\n".join(part for part in (text[:room], PLACE_UNCONFIRMED_MARK) if part)


def address_string(location: Mapping[str, Any], *, city: str = "", region: str = "") -> str:
    """``1234 Washington St, Boston, MA 02135``: the confirmed place, with the city and
    region the gateway is configured for when known. A place not confirmed: the caller's
    own words, exactly as the call heard or took them (no coordinates go with them)."""
    if place_unconfirmed(location):
        words = " ".join(str(location.get("query") or "").split())
        return (words or NO_PLACE_WORDS)[:ADDRESS_LIMIT]
    street = " ".join(
        str(part) for part in (location.get("house_number"), location.get("street")) if part
    )
    tail = " ".join(part for part in (region, str(location.get("postal_code") or "")) if part)
    return ", ".join(part for part in (street, city, tail) if part)


def description(slots: Mapping[str, Any], pending: Mapping[str, Any]) -> str:
    """The description: the gateway's transcript of the caller's recording, marked as an
    automatic transcript; when there is none (still being transcribed, nothing recognised, no
    model for the call's language), a note that the recording is kept for staff. Never the
    recording's URL."""
    text = " ".join(str(slots.get("description") or "").split())
    url = str(slots.get("description_url") or "")
    if text and slots.get("description_source") == AUTOMATIC:
        text = f"{TRANSCRIPT_MARK} {text}"
    elif not text and url:
        text = PENDING_MARK if "description" in pending else UNTRANSCRIBED_MARK
    return text[:DESCRIPTION_LIMIT]


def waiting(language: str, poll: int) -> tuple[Action, ...]:
    """ "One moment, please." and a second's pause, then back to the ``filing`` URL."""
    return (Say("common.wait", language=language), Pause(1), Redirect(poll, FILING_EVENT))


def closing(
    last_actions: Sequence[Action],
    language: str,
    delivery: Delivery | None,
    expectations: Sequence[Say] = (),
) -> tuple[Action, ...]:
    """The flow's closing words with the reference number (or "on its way") and then what the
    city lets the caller expect (:func:`expectations_said`), before the goodbye."""
    extra = _where_it_stands(delivery, language)
    actions = list(last_actions) or [Say(GOODBYE, language=language), Hangup()]
    at = next(
        (i for i, a in enumerate(actions) if isinstance(a, Say) and a.key == GOODBYE),
        next((i for i, a in enumerate(actions) if isinstance(a, Hangup)), len(actions)),
    )
    actions[at:at] = [extra, *expectations]
    return tuple(actions)


class FilingContext(Protocol):
    """What the closing words need of the runtime (:class:`ivr.runtime.Runtime` has it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def catalogues(self) -> Mapping[str, Catalogue]: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


def expectations_said(
    rt: FilingContext, delivery: Delivery | None, language: str
) -> tuple[Say, ...]:
    """The city's notice and expected date for a filed report, in the caller's language;
    nothing while the report is on its way or when the city gave neither."""
    told = told_at_filing(rt.sessions, delivery)
    return ExpectationWords.of(rt.settings, rt.catalogues).prompts(told, language, rt.clock())


def _where_it_stands(delivery: Delivery | None, language: str) -> Say:
    """The city's id; else a batch service's token (when short enough to read out); else,
    for a blackbox service, that the city gives no number; else that it is on its way."""
    if delivery is None or delivery.status != FILED:
        return Say(ON_ITS_WAY, language=language)
    if delivery.service_request_id:
        return Say(REFERENCE, (("number", spell(delivery.service_request_id)),), language)
    if delivery.token and len(delivery.token) <= TOKEN_READ_LIMIT:
        return Say(TOKEN_REFERENCE, (("token", spell(delivery.token)),), language)
    if delivery.token:
        return Say(NUMBER_LATER, language=language)
    return Say(NO_NUMBER, language=language)


def spell(reference: str) -> str:
    """A reference read one character at a time: ``"4312"`` → ``"4 3 1 2"``."""
    return " ".join(ch for ch in reference.strip() if not ch.isspace())


def _coordinate(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)
