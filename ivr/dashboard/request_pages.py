"""The embedded Open311 endpoint's requests for admins: the latest filed, and each one with
everything it was filed with (contact fields, attributes the service does not ask, every
photo, its "me too" link and count; :mod:`ivr.open311.stored_request`), and a form that opens
or closes it, with notes (:mod:`ivr.open311.status_change`). Nested in the ``staff`` blueprint,
whose guard runs first (a session, and its CSRF token on every POST).

Admins only, the status form included: the page shows the caller's contact fields, and a
status change is published at once (open data, FixMyStreet's ``servicerequestupdates``, the
status a caller hears by phone), which is the city's word on the request, not a call agent's.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ivr.dashboard.guard import require_admin
from ivr.open311.render import has_forbidden_characters
from ivr.open311.status_change import NOTES_LIMIT, StatusChangeRefused, change_status
from ivr.open311.stored_request import StoredRequest, recent_requests, stored_request
from ivr.runtime import current_runtime
from ivr.store.request_tables import STATUSES

log = logging.getLogger(__name__)

LIMIT = 200
MAX_ID = 64  # characters in a published id (the column's width)
NOTES_FIELD_LIMIT = 4 * NOTES_LIMIT  # characters read from the form (folding may shorten it)

bp = Blueprint("requests", __name__)


@bp.get("/requests")
def index() -> str:
    require_admin()
    rt = current_runtime()
    with rt.sessions() as session:
        lines = recent_requests(session, limit=LIMIT)
    return render_template("staff/requests.html", lines=lines)


@bp.get("/requests/<service_request_id>")
def show(service_request_id: str) -> str:
    require_admin()
    return _page(_found(service_request_id))


@bp.post("/requests/<service_request_id>/status")
def change(service_request_id: str) -> BaseResponse | tuple[str, int]:
    """Open or close the request, with notes; a refusal shows the page again with its reason
    and what was typed."""
    require_admin()
    found = _found(service_request_id)
    status = request.form.get("status", "")
    notes = request.form.get("status_notes", "")[:NOTES_FIELD_LIMIT]
    rt = current_runtime()
    try:
        with rt.sessions() as session, session.begin():
            changed = change_status(
                session, service_request_id, status=status, notes=notes, now=rt.clock()
            )
    except StatusChangeRefused as refused:
        return _page(found, error=str(refused), status=status, notes=notes), 400
    if not changed:
        abort(404, "no such request")
    now_status = status.strip().lower()
    log.info(
        "request status changed by staff",
        extra={
            "service_request_id": service_request_id,
            "status": now_status,
            "staff_id": g.staff.id,
        },
    )
    flash(f"Request {service_request_id} is now {now_status}.", "info")
    return redirect(url_for("staff.requests.show", service_request_id=service_request_id))


def _found(service_request_id: str) -> StoredRequest:
    if len(service_request_id) > MAX_ID or has_forbidden_characters(service_request_id):
        abort(404, "no such request")
    with current_runtime().sessions() as session:
        found = stored_request(session, service_request_id)
    if found is None:
        abort(404, "no such request")
    return found


def _page(
    found: StoredRequest, *, error: str = "", status: str = "", notes: str | None = None
) -> str:
    return render_template(
        "staff/request.html",
        found=found,
        statuses=STATUSES,
        notes_limit=NOTES_LIMIT,
        error=error,
        chosen_status=status or found.request.status,
        typed_notes=found.status_notes if notes is None else notes,
    )
