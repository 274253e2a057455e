"""One step of a call in the making: the engine's scratchpad between an event and its outcome.

A Turn copies the call's state, collects the actions and jobs of this step, and builds the new
frozen :class:`CallState` at the end. It lives only inside one ``engine.step`` call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from flows.catalogue import Catalogue, placeholders
from flows.model import Flow, PromptRef
from ivr.dialog.actions import Action, Job, Say
from ivr.dialog.context import DialogContext
from ivr.dialog.events import Event
from ivr.dialog.state import CallState, Location, StepRecord

UNCONFIRMED_PLACE = "location.unconfirmed_place"  # the prompt that names such a place

HISTORY_LIMIT = 200  # the oldest lines are dropped from a very long call's timeline


class Turn:
    def __init__(self, flow: Flow, state: CallState, context: DialogContext) -> None:
        self.flow = flow
        self.context = context
        self.before = state
        self.next_step = state.step + 1
        self.current = state.current
        self.language = state.language
        self.attempts = dict(state.attempts)
        self.visits = dict(state.visits)
        self.slots = dict(state.slots)
        self.attributes = dict(state.attributes)
        self.service_code = state.service_code
        self.service_name = state.service_name
        self.location = state.location
        self.pending = dict(state.pending)
        self.ended = state.ended
        self.end_reason = state.end_reason
        self.staff = state.staff
        self.at = ""  # when the event happened (ISO 8601), for the staff link's changes
        self.actions: list[Action] = []
        self.jobs: list[Job] = []
        self.result = ""

    # -- what the caller hears -------------------------------------------------------------

    @property
    def catalogue(self) -> Catalogue:
        return self.context.catalogues[self.language]

    def named_values(self) -> dict[str, str]:
        """Values a prompt may speak besides its own: every slot, the service, the address
        (a place not confirmed is "the place you described": its words may be a mishearing,
        and the caller is not read them)."""
        values = dict(self.slots)
        values["service"] = self.service_name
        location = self.location
        address = location.spoken if location else ""
        if location is not None and location.unconfirmed:
            address = self.catalogue.prompts.get(UNCONFIRMED_PLACE, "")
        values["address"] = address
        return values

    def prompt(self, ref: PromptRef, extra: Mapping[str, str] | None = None) -> Say:
        """A Say for ``ref`` holding only the values its template needs."""
        language = ref.language or self.language
        catalogue = self.context.catalogues[language]
        available = self.named_values()
        available.update(extra or {})
        available.update(dict(ref.values))
        template = catalogue.prompts.get(ref.key, "")
        needed = sorted(set(placeholders(template)))
        values = tuple((name, available.get(name, "")) for name in needed)
        return Say(key=ref.key, values=values, language=language)

    def prompts(self, refs: Iterable[PromptRef]) -> list[Say]:
        return [self.prompt(ref) for ref in refs]

    def apology(self, kind: str) -> Say:
        return Say(key=f"common.{kind}", language=self.language)

    # -- what the call remembers -----------------------------------------------------------

    def store(self, slot: str | None, attribute: str | None, value: str) -> None:
        if slot:
            self.slots[slot] = value
        if attribute:
            self.attributes[attribute] = (value,)

    def add_attribute_value(self, attribute: str, value: str) -> None:
        values = self.attributes.get(attribute, ())
        if value not in values:
            self.attributes[attribute] = (*values, value)

    def remove_attribute_value(self, attribute: str, value: str) -> None:
        values = tuple(v for v in self.attributes.get(attribute, ()) if v != value)
        if values:
            self.attributes[attribute] = values
        else:
            self.attributes.pop(attribute, None)

    def choose_service(self, code: str, name: str) -> None:
        if code != self.service_code:
            self.attributes = {}
        self.service_code = code
        self.service_name = name

    def set_location(self, location: Location) -> None:
        self.location = location

    def end(self, reason: str) -> None:
        self.ended = True
        self.end_reason = reason

    # -- the new state -----------------------------------------------------------------------

    def finish(self, event: Event, *, counts_as_step: bool = True) -> CallState:
        at = event.at.isoformat() if event.at else None
        record = StepRecord(
            step=self.before.step,
            state=self.before.current,
            event=str(event.kind),
            result=self.result,
            next_state=self.current,
            at=at,
        )
        history = (*self.before.history, record)[-HISTORY_LIMIT:]
        changes: dict[str, Any] = {
            "current": self.current,
            "language": self.language,
            "attempts": self.attempts,
            "visits": self.visits,
            "slots": self.slots,
            "attributes": self.attributes,
            "service_code": self.service_code,
            "service_name": self.service_name,
            "location": self.location,
            "pending": self.pending,
            "history": history,
            "ended": self.ended,
            "end_reason": self.end_reason,
            "staff": self.staff,
        }
        if counts_as_step:
            changes["step"] = self.next_step
            changes["last_actions"] = tuple(self.actions)
        return dataclasses.replace(self.before, **changes)
