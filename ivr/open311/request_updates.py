"""mySociety's ``servicerequestupdates`` extension on the embedded endpoint: what FixMyStreet
reads to learn that a request it sent has changed (closed, reopened, given notes).

``GET servicerequestupdates.{json,xml}?start_date=…&end_date=…`` lists the changes made to
published requests after they were filed, read from the same change log as the event stream
(:func:`ivr.opendata.changes.changes_between`). Each update is the request as that change left
it:

- ``update_id``: the change's place in the log (``<microseconds>-<row id>``, the event
  stream's event id): the same change always has the same id, so a client that reads a window
  twice (FixMyStreet reads the last two hours every few minutes) files it once;
- ``service_request_id``, ``status`` (``open``/``closed``), ``updated_datetime`` (W3CDTF in
  UTC, whole seconds);
- ``description``: the request's ``status_notes`` as the public may read them
  (:func:`ivr.open311.public_text.public_description`: no phone numbers);
- ``media_url``: always empty: staff attach no photos to a change.

The window is read as ``GET requests`` reads its dates (ISO 8601, no offset means UTC, at most
90 days; the last 90 days when neither is given), but on ``updated_datetime``. At most 1,000
updates are answered, oldest first: with a ``start_date``, the first 1,000 from it (a reader
goes on from the last ``updated_datetime`` it got); without one, the latest 1,000.

The log keeps each request's latest state only: a request closed and reopened between two
reads is listed once, open, under the id of its latest change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from ivr.open311.models import RequestUpdate
from ivr.open311.public_text import public_description
from ivr.open311.request_query import date_window, read_datetime
from ivr.open311.server_input import FormFields
from ivr.opendata.changes import changes_between

MAX_UPDATES = 1000
FIELDS = ("start_date", "end_date")


def read_updates(
    session: Session, fields: FormFields, now: Callable[[], datetime]
) -> list[RequestUpdate]:
    """The updates a ``servicerequestupdates`` query string asks for, or a ``Refusal``."""
    given_start = read_datetime(fields.scalar("start_date", limit=64), "start_date")
    given_end = read_datetime(fields.scalar("end_date", limit=64), "end_date")
    start, end = date_window(given_start, given_end, now)
    changes = changes_between(session, start, end, limit=MAX_UPDATES, latest=given_start is None)
    return [
        RequestUpdate(
            update_id=str(change.cursor),
            service_request_id=change.request.service_request_id,
            status=change.request.status,
            updated_datetime=change.cursor.updated,
            description=public_description(change.request.status_notes),
        )
        for change in changes
    ]
