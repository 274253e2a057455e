"""One call's state between webhooks: plain data that round-trips through JSON.

Every webhook reads the call's state from the database, steps the engine and writes the new
state back, so any worker can answer any webhook. The mappings held here are never changed in
place: the engine always builds new ones. What the caller said, typed or was located at is
personal data and stays out of ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr.dialog.actions import Action, action_from_dict, action_to_dict
from ivr.dialog.field_names import field_names
from ivr.dialog.staff import StaffLink

# The outcome of a location that could not be confirmed: the report is filed with the
# caller's own words (``query``) as its address and no coordinates, marked for staff.
PLACE_UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class Location:
    """Where the caller placed the problem, as the last address lookup found it.

    ``outcome`` is the lookup's event (``done``, ``ambiguous``, ``failed``), or
    :data:`PLACE_UNCONFIRMED` when no place could be confirmed and the report goes on with
    the caller's own words in ``query``; ``spoken`` is the read-back the caller hears;
    ``query`` the words that were looked up (a later lookup by postal code reuses them).
    """

    outcome: str
    level: str = "none"
    score: float = 0.0
    lat: float | None = field(default=None, repr=False)
    lon: float | None = field(default=None, repr=False)
    house_number: str = field(default="", repr=False)
    street: str = field(default="", repr=False)
    postal_code: str = field(default="", repr=False)
    spoken: str = field(default="", repr=False)
    query: str = field(default="", repr=False)
    ask_about: tuple[str, ...] = field(default=(), repr=False)
    source: str = ""

    @property
    def unconfirmed(self) -> bool:
        """No place could be confirmed: the report carries the caller's words instead."""
        return self.outcome == PLACE_UNCONFIRMED

    def to_dict(self) -> dict[str, Any]:
        raw = {name: getattr(self, name) for name in field_names(Location)}
        raw["ask_about"] = list(self.ask_about)
        return raw

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Location:
        known = field_names(cls)
        values = {k: v for k, v in raw.items() if k in known}
        values["ask_about"] = tuple(values.get("ask_about", ()))
        return cls(**values)


@dataclass(frozen=True)
class StepRecord:
    """One line of the call's timeline: which state heard which event, and what followed.
    ``result`` never holds what the caller said or typed."""

    step: int
    state: str
    event: str
    result: str
    next_state: str
    at: str | None = None  # ISO 8601, from the event

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "state": self.state,
            "event": self.event,
            "result": self.result,
            "next_state": self.next_state,
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> StepRecord:
        at = raw.get("at")
        return cls(
            step=int(raw["step"]),
            state=str(raw["state"]),
            event=str(raw["event"]),
            result=str(raw.get("result") or ""),
            next_state=str(raw.get("next_state") or ""),
            at=str(at) if at is not None else None,
        )


@dataclass(frozen=True)
class CallState:
    """Where one call stands.

    ``step`` counts the caller's steps answered so far; the actions of the last step carry
    ``step`` in their URLs, and ``last_actions`` are replayed when that step is asked again.
    ``attempts`` counts failed tries per state since it was last entered; ``visits`` counts
    every entry into a state with ``max_visits``, for the whole call. ``slots`` are the
    answers stored by ``store_as``; ``attributes`` the Open311 attribute answers by code.
    ``pending`` maps a slot to the key of the job that will fill it (a transcript).
    """

    call_sid: str
    flow: str
    current: str
    language: str
    step: int = 0
    attempts: Mapping[str, int] = field(default_factory=dict)
    visits: Mapping[str, int] = field(default_factory=dict)
    slots: Mapping[str, str] = field(default_factory=dict, repr=False)
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    service_code: str | None = None
    service_name: str = ""
    location: Location | None = None
    pending: Mapping[str, str] = field(default_factory=dict)
    history: tuple[StepRecord, ...] = field(default=(), repr=False)
    last_actions: tuple[Action, ...] = field(default=(), repr=False)
    ended: bool = False
    end_reason: str = ""
    staff: StaffLink | None = None  # the call's link with staff, once it has one

    @property
    def awaited_jobs(self) -> tuple[str, ...]:
        """The names of the jobs whose results the call waits on (``transcribe``,
        ``find_duplicates``…): the last part of each key in ``pending``."""
        return tuple(key.rsplit(":", 1)[-1] for key in self.pending.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "call_sid": self.call_sid,
            "flow": self.flow,
            "current": self.current,
            "language": self.language,
            "step": self.step,
            "attempts": dict(self.attempts),
            "visits": dict(self.visits),
            "slots": dict(self.slots),
            "attributes": {code: list(values) for code, values in self.attributes.items()},
            "service_code": self.service_code,
            "service_name": self.service_name,
            "location": self.location.to_dict() if self.location else None,
            "pending": dict(self.pending),
            "history": [record.to_dict() for record in self.history],
            "last_actions": [action_to_dict(action) for action in self.last_actions],
            "ended": self.ended,
            "end_reason": self.end_reason,
            "staff": self.staff.to_dict() if self.staff else None,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> CallState:
        location = raw.get("location")
        return cls(
            call_sid=str(raw["call_sid"]),
            flow=str(raw["flow"]),
            current=str(raw["current"]),
            language=str(raw["language"]),
            step=int(raw.get("step", 0)),
            attempts={str(k): int(v) for k, v in (raw.get("attempts") or {}).items()},
            visits={str(k): int(v) for k, v in (raw.get("visits") or {}).items()},
            slots={str(k): str(v) for k, v in (raw.get("slots") or {}).items()},
            attributes={
                str(k): tuple(str(x) for x in v) for k, v in (raw.get("attributes") or {}).items()
            },
            service_code=raw.get("service_code"),
            service_name=str(raw.get("service_name") or ""),
            location=Location.from_dict(location) if location else None,
            pending={str(k): str(v) for k, v in (raw.get("pending") or {}).items()},
            history=tuple(StepRecord.from_dict(r) for r in raw.get("history") or ()),
            last_actions=tuple(action_from_dict(a) for a in raw.get("last_actions") or ()),
            ended=bool(raw.get("ended", False)),
            end_reason=str(raw.get("end_reason") or ""),
            staff=StaffLink.from_dict(raw["staff"]) if raw.get("staff") else None,
        )


def new_call(call_sid: str, flow_name: str, start: str, language: str) -> CallState:
    """The state of a call that has just arrived, before its ``start`` event."""
    return CallState(call_sid=call_sid, flow=flow_name, current=start, language=language)
