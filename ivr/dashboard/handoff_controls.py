"""Staff → IVR from a call's page: send a live caller into a step of the flow, or give a
handoff code that starts the flow with what the agent filled in.

Both go through the runtime's handoff desk (``ivr.handoff.desk``); what the caller then says
comes back in the call's state, which the call page shows as it refreshes. The prefill is what
the call already has: its service and language. Nested in the ``staff`` blueprint, whose guard
runs first.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ivr.dashboard.call_view import call_detail
from ivr.handoff.desk import HandoffDesk, HandoffError
from ivr.runtime import current_runtime

bp = Blueprint("handoffs", __name__)


def handoff_targets() -> list[tuple[str, str]]:
    """(state, label) of each step a caller can be sent into."""
    return list(current_runtime().handoffs.targets())


@bp.post("/calls/<call_sid>/send")
def send_caller(call_sid: str) -> BaseResponse:
    desk = current_runtime().handoffs
    target = _chosen_target(desk)
    try:
        desk.send_live(call_sid, target, _prefill(call_sid), g.staff.username)
    except HandoffError as error:
        flash(f"The caller was not sent: {error}", "error")
    else:
        flash(f"The caller is on their way to {_label(desk, target)}.", "info")
    return redirect(url_for("staff.calls.show", call_sid=call_sid))


@bp.post("/calls/<call_sid>/code")
def give_code(call_sid: str) -> BaseResponse:
    desk = current_runtime().handoffs
    target = _chosen_target(desk)
    try:
        code = desk.new_code(target, _prefill(call_sid), g.staff.username, origin_call=call_sid)
    except HandoffError as error:
        flash(f"No code was made: {error}", "error")
    else:
        number = current_runtime().settings.handoff_number  # what the agent tells the caller
        dial = f"; the caller dials {number} and keys it" if number else ""
        flash(f"Handoff code: {code} ({_label(desk, target)}){dial}", "code")
    return redirect(url_for("staff.calls.show", call_sid=call_sid))


def _chosen_target(desk: HandoffDesk) -> str:
    target = request.form.get("target_state", "")
    if target not in {state for state, _ in desk.targets()}:
        abort(400, "target_state: not a step a caller can be sent to")
    return target


def _prefill(call_sid: str) -> Mapping[str, str]:
    rt = current_runtime()
    with rt.sessions() as session:
        detail = call_detail(session, call_sid, rt.clock())
    if detail is None:
        abort(404, "no such call")
    filled = {"language": detail.summary.language}
    if detail.service_code:
        filled["service_code"] = detail.service_code
    return filled


def _label(desk: HandoffDesk, target: str) -> str:
    return dict(desk.targets()).get(target, target)
