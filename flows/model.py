"""A call flow as the program holds it, after its YAML document passed the schema.

A flow is a set of named states. Each state has a ``type`` (what it does with the caller), its
prompts by catalogue key, and ``transitions`` keyed by the events it can produce. Everything here
is plain data: the dialog engine (``ivr.dialog``) gives it meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class StateType(StrEnum):
    """What a state does with the caller; ``flows/schema.json`` admits exactly these values."""

    MENU = "menu"
    ASK_DIGITS = "ask_digits"
    ASK_SPEECH = "ask_speech"
    RECORD = "record"
    CONFIRM = "confirm"
    SAY = "say"
    LOOKUP = "lookup"
    SUBMIT = "submit"
    TRANSFER = "transfer"
    HANGUP = "hangup"


# States that wait for the caller to press or say something.
INPUT_TYPES = frozenset(
    {
        StateType.MENU,
        StateType.ASK_DIGITS,
        StateType.ASK_SPEECH,
        StateType.RECORD,
        StateType.CONFIRM,
    }
)
# States where every path through a flow may end.
TERMINAL_TYPES = frozenset({StateType.HANGUP, StateType.TRANSFER})

# Events that leave a state, by state type. A state must route every event in ``REQUIRED``;
# ``OPTIONAL`` ones are followed when present (``no_input``/``no_match`` replace the retry).
REQUIRED_TRANSITIONS: Mapping[StateType, tuple[str, ...]] = {
    StateType.MENU: (),
    StateType.ASK_DIGITS: ("done",),
    StateType.ASK_SPEECH: ("done",),
    StateType.RECORD: ("done",),
    StateType.CONFIRM: ("yes", "no"),
    StateType.SAY: ("done",),
    StateType.LOOKUP: (),  # the behaviour names its outcomes: see flows.behaviour_specs
    StateType.SUBMIT: ("done",),
    StateType.TRANSFER: (),
    StateType.HANGUP: (),
}
OPTIONAL_TRANSITIONS: Mapping[StateType, tuple[str, ...]] = {
    StateType.MENU: ("no_input", "no_match", "skip"),
    StateType.ASK_DIGITS: ("no_input", "no_match", "skip"),
    StateType.ASK_SPEECH: ("no_input", "no_match", "skip"),
    StateType.RECORD: ("no_input",),
    StateType.CONFIRM: ("no_input", "no_match"),
    StateType.SAY: (),
    StateType.LOOKUP: (),
    StateType.SUBMIT: (),
    StateType.TRANSFER: ("done", "failed"),
    StateType.HANGUP: (),
}


@dataclass(frozen=True)
class PromptRef:
    """A prompt by catalogue key, with named values for its ``{placeholders}``.

    ``language`` makes this one prompt speak in another catalogue's language (the "Para
    español, oprima nueve" offer in an English welcome).
    """

    key: str
    values: tuple[tuple[str, str], ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class Option:
    """One choice of a menu: a key and/or words that select it, and where it leads.

    ``words`` are catalogue word-list keys (so they follow the call's language); ``phrases``
    are literal words in any language (the city's own service names). An option without a key
    is chosen by voice only. Choosing it stores ``value`` into the state's slot or attribute,
    switches the call to ``language``, or records ``service_code`` (named ``name``) as the
    service the caller is reporting. With ``name_slot`` the option's name is that slot's value
    at the time of asking (the streets a lookup found); while the slot is empty the option is
    neither offered nor chosen.
    """

    target: str
    key: str | None = None
    value: str | None = None
    name: str = ""
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    prompt: PromptRef | None = None
    language: str | None = None
    service_code: str | None = None
    name_slot: str | None = None  # the option's name is this slot's value; empty: not offered


@dataclass(frozen=True)
class State:
    name: str
    type: StateType
    prompt: tuple[PromptRef, ...] = ()
    reprompt: tuple[PromptRef, ...] = ()
    options: tuple[Option, ...] = ()
    transitions: Mapping[str, str] = field(default_factory=dict)
    attempts: int | None = None
    after_last_attempt: str | None = None
    # Entries into this state a call may make, counted per call and never reset; the next
    # entry goes to ``after_max_visits`` instead. What bounds a cycle through several states.
    max_visits: int | None = None
    after_max_visits: str | None = None
    behaviour: str | None = None
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    store_as: str | None = None
    attribute: str | None = None
    value: str | None = None
    timeout: int = 5
    num_digits: int | None = None
    min_digits: int = 1
    max_digits: int | None = None
    finish_on_key: str = "#"
    skip_key: str | None = None
    yes_key: str = "1"
    no_key: str = "2"
    hints: tuple[str, ...] = ()
    min_confidence: float = 0.0
    max_length: int = 60
    transcribe: bool = False
    grammar: str = "free"  # a transcribed recording's grammar: streets, street_names, free, menu
    play_beep: bool = True
    target: str = "operator"
    service_code: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        """Every (field, state name) this state can lead to."""
        found = [(f"transitions.{event}", name) for event, name in self.transitions.items()]
        found += [(f"options[{i}].target", o.target) for i, o in enumerate(self.options)]
        if self.after_last_attempt:
            found.append(("after_last_attempt", self.after_last_attempt))
        if self.after_max_visits:
            found.append(("after_max_visits", self.after_max_visits))
        return found

    def prompt_refs(self) -> list[tuple[str, PromptRef]]:
        """Every (field, prompt) this state may speak."""
        refs = [(f"prompt[{i}]", p) for i, p in enumerate(self.prompt)]
        refs += [(f"reprompt[{i}]", p) for i, p in enumerate(self.reprompt)]
        refs += [(f"options[{i}].prompt", o.prompt) for i, o in enumerate(self.options) if o.prompt]
        return refs


@dataclass(frozen=True)
class Flow:
    """A whole flow. ``operator`` is the state that pressing 0 leads to from any input state."""

    name: str
    start: str
    states: Mapping[str, State]
    languages: tuple[str, ...] = ("en",)
    operator: str | None = None
    source: str = ""

    def state(self, name: str) -> State:
        try:
            return self.states[name]
        except KeyError:
            raise FlowError([Problem(self.source, name, "", "no such state")]) from None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow document, naming where: file, state and field."""

    source: str
    state: str
    field: str
    message: str

    def __str__(self) -> str:
        where = [self.source or "<flow>"]
        if self.state:
            where.append(f"state '{self.state}'")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


class FlowError(ValueError):
    """A flow document cannot be used; ``problems`` says every reason, each naming its place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
