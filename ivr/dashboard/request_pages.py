"""The embedded Open311 endpoint's requests for admins: the latest filed, and each one with
everything it was filed with (contact fields, attributes the service does not ask, every
photo, its "me too" link and count; :mod:`ivr.open311.stored_request`). Nested in the
``staff`` blueprint, whose guard runs first."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ivr.dashboard.guard import require_admin
from ivr.open311.render import has_forbidden_characters
from ivr.open311.stored_request import recent_requests, stored_request
from ivr.runtime import current_runtime

LIMIT = 200
MAX_ID = 64  # characters in a published id (the column's width)

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
    if len(service_request_id) > MAX_ID or has_forbidden_characters(service_request_id):
        abort(404, "no such request")
    with current_runtime().sessions() as session:
        found = stored_request(session, service_request_id)
    if found is None:
        abort(404, "no such request")
    return render_template("staff/request.html", found=found)
