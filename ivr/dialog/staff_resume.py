"""Staff hand a caller into the flow, and the flow hands the caller back. Pure, like the engine.

A ``resume`` event carries the handoff as plain data:

- ``service_code``: the service the agent already chose (its name is found in the flow's menus);
- ``language``: the language the caller goes on in (a catalogue's language);
- ``slots``: answers the agent already has, by slot name;
- ``return_at``: states that end the part the agent asked for; entering one of them sends the
  caller back to staff through the flow's ``operator`` state, with the link's ``part_done`` set;
- ``agent``, ``handoff``, ``origin_call``: who asked, the handoff's id, the agent's own call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flows.model import Flow
from ivr.dialog.staff import IN_FLOW, StaffLink
from ivr.dialog.turn import Turn


def resume(turn: Turn, target: str, data: Mapping[str, Any]) -> None:
    """Apply what the agent filled in and mark the call as sent into the flow at ``target``."""
    language = str(data.get("language") or "")
    if language in turn.context.catalogues:
        turn.language = language
    code = str(data.get("service_code") or "")
    if code:
        turn.choose_service(code, service_name(turn.flow, code) or code)
    slots = data.get("slots") or {}
    turn.slots = {**turn.slots, **{str(k): str(v) for k, v in slots.items()}}
    turn.staff = StaffLink(
        status=IN_FLOW,
        since=turn.at,
        agent=str(data.get("agent") or ""),
        target=target,
        return_at=tuple(str(s) for s in data.get("return_at") or ()),
        handoff=str(data.get("handoff") or ""),
        origin_call=str(data.get("origin_call") or ""),
        agent_call=turn.staff.agent_call if turn.staff else "",
    )


def part_done(turn: Turn, name: str) -> bool:
    """Entering ``name`` ends the part staff asked for: mark it, and say so to the engine
    (which then sends the caller to the flow's operator state instead)."""
    link = turn.staff
    if link is None or link.status != IN_FLOW or link.part_done or name not in link.return_at:
        return False
    if turn.flow.operator is None:
        return False
    turn.staff = replace(link, part_done=True, since=turn.at)
    turn.result = f"{turn.result}; part done at {name}, back to staff".lstrip("; ")
    return True


def service_name(flow: Flow, code: str) -> str:
    """The name a menu of ``flow`` gives the service ``code``; "" when no menu offers it."""
    for state in flow.states.values():
        for option in state.options:
            if option.service_code == code and option.name:
                return option.name
    return ""
