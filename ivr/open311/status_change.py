"""Staff changing the status of a request on the embedded endpoint: open or closed, with notes.

The dashboard's request page and ``ivr open311 status`` both change a status here. The change
itself is :func:`ivr.open311.request_store.update_status`, which moves the request's
``updated_datetime``: the change log then carries it to the event stream, the Atom feed,
mySociety's ``servicerequestupdates`` (what FixMyStreet reads) and the status-by-phone answer.

The notes are read out to callers who ask by phone and published as open data, so they must be
plain text: runs of whitespace (line ends included) are folded into one space, and a note is
refused when it is longer than :data:`NOTES_LIMIT` characters (about thirty seconds of speech),
holds a control character, or holds markup (a tag or an HTML entity: what a web page needs, not
a phone). A refusal names the rule, never the notes. Everything public shows the notes with
phone numbers masked (:func:`ivr.open311.public_text.mask_phone_numbers`); staff see them as
written.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ivr.open311.request_store import update_status
from ivr.open311.service_terms import has_markup
from ivr.store.request_tables import STATUSES

NOTES_LIMIT = 500


class StatusChangeRefused(ValueError):
    """A status or notes that cannot be stored; the message says why."""


def checked_status(status: str) -> str:
    """``status`` when it is one of GeoReport's (``open``, ``closed``)."""
    word = status.strip().lower()
    if word not in STATUSES:
        raise StatusChangeRefused(f"the status must be {' or '.join(STATUSES)}")
    return word


def checked_notes(notes: str) -> str:
    """``notes`` folded into one line of plain text, or a refusal saying which rule it breaks."""
    folded = " ".join(notes.split())
    if len(folded) > NOTES_LIMIT:
        raise StatusChangeRefused(
            f"the notes must be at most {NOTES_LIMIT} characters (these have {len(folded)})"
        )
    if any(not ch.isprintable() for ch in folded):
        raise StatusChangeRefused("the notes must be plain text: no control characters")
    if has_markup(folded):
        raise StatusChangeRefused(
            "the notes must be plain text: no tags or HTML entities (such as <b> or &amp;)"
        )
    return folded


def change_status(
    session: Session,
    service_request_id: str,
    *,
    status: str,
    notes: str | None,
    now: datetime,
) -> bool:
    """Give the request ``status`` and, unless ``notes`` is None, those notes (empty clears
    them); False when there is no such request. The caller commits."""
    status = checked_status(status)
    cleaned = None if notes is None else checked_notes(notes)
    return update_status(session, service_request_id, status=status, now=now, status_notes=cleaned)
