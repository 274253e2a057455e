"""Where a call stands with the call centre's staff, kept in the call's state for the dashboard.

``status`` is ``to staff`` (the caller is queued for or dialling a person), ``with staff`` (a
person took the call: the whisper was heard or the queue bridged) or ``in flow`` (staff sent
the caller into a part of the flow). ``return_at`` names the states that end the part staff
asked for: entering one sends the caller back to staff with ``part_done`` set, and what the
flow collected (service, address, slots) is in the call's state beside this link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ivr.dialog.field_names import field_names

TO_STAFF, WITH_STAFF, IN_FLOW = "to staff", "with staff", "in flow"


@dataclass(frozen=True)
class StaffLink:
    status: str = TO_STAFF
    since: str = ""  # ISO 8601, from the event that changed the status
    via: str = ""  # the queue's name, or "number" for a <Dial>
    agent: str = ""  # who sent the caller into the flow
    target: str = ""  # the state staff sent the caller to
    return_at: tuple[str, ...] = ()
    part_done: bool = False
    handoff: str = ""  # the handoff that sent the caller into the flow
    agent_call: str = ""  # the person's call leg (the dequeuing or dialled call)
    origin_call: str = ""  # a code handoff: the agent's call with this caller, when known

    def to_dict(self) -> dict[str, Any]:
        raw = {name: getattr(self, name) for name in field_names(StaffLink)}
        raw["return_at"] = list(self.return_at)
        return raw

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> StaffLink:
        known = field_names(cls)
        values = {k: v for k, v in raw.items() if k in known}
        values["return_at"] = tuple(str(s) for s in values.get("return_at", ()))
        return cls(**values)
