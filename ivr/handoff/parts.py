"""The parts of a flow staff may send a caller into, and what an agent may fill in beforehand.

A part is a state to start at and the states that end it (``return_at``): entering one of those
sends a caller on a live handoff back to staff. A part that runs on to the filing (a live part
without ``return_at``, and every part given as a code) ``needs`` what the report needs and the
part does not ask: the service, the place. The parts are named by the standard intake's states;
a flow that lacks a part's state does not offer it. Prefill from an agent's screen is
checked here, at the border, with errors that say which field is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flows.model import Flow
from ivr.dialog.staff_resume import service_name

MAX_VALUE = 500


@dataclass(frozen=True)
class Part:
    state: str
    label: str
    return_at: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # SERVICE, PLACE: what the call must have to file from here


SERVICE, PLACE = "service", "place"
PARTS = (
    Part(
        "ask_location",
        "The address: said, read back and confirmed",
        ("ask_description",),
        (SERVICE,),
    ),
    Part(
        "ask_description",
        "The description: recorded and transcribed",
        ("confirm_report",),
        (SERVICE, PLACE),
    ),
    Part("main_menu", "The whole report, from the service menu"),
    Part("welcome", "The whole report, starting with the language offer"),
    Part("confirm_report", "Read the report back and file it", (), (SERVICE, PLACE)),
)


class PrefillError(ValueError):
    """What an agent filled in cannot be used; the message names the field."""


def parts_of(flow: Flow) -> list[Part]:
    """The parts ``flow`` offers (those whose state it has), in the order above."""
    return [part for part in PARTS if part.state in flow.states]


def part_at(flow: Flow, state: str) -> Part | None:
    return next((part for part in parts_of(flow) if part.state == state), None)


def checked_prefill(
    flow: Flow, languages: tuple[str, ...], prefill: Mapping[str, str]
) -> dict[str, Any]:
    """``prefill`` as the resume event carries it: ``service_code`` and ``language`` checked
    against the flow, every other key a slot the flow stores."""
    slot_names = {state.store_as for state in flow.states.values() if state.store_as}
    result: dict[str, Any] = {"slots": {}}
    for key, raw in prefill.items():
        value = str(raw).strip()
        if len(value) > MAX_VALUE:
            raise PrefillError(f"{key[:40]}: longer than {MAX_VALUE} characters")
        if not value:
            continue
        if key == "service_code":
            if not service_name(flow, value):
                raise PrefillError(f"service_code: {value[:40]!r} is not a service of this line")
            result["service_code"] = value
        elif key == "language":
            if value not in languages:
                raise PrefillError(f"language: must be one of {', '.join(languages)}")
            result["language"] = value
        elif key in slot_names:
            result["slots"][key] = value
        else:
            raise PrefillError(f"{key[:40]}: not something this flow asks for")
    return result
