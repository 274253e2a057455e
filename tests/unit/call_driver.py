"""Drive the pure dialog engine event by event, and hear what the caller would hear."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from flows.catalogue import Catalogue
from flows.model import Flow
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, Place
from ivr.dialog.actions import Action, Gather, Job, Say
from ivr.dialog.context import DialogContext, TransferTarget
from ivr.dialog.engine import Outcome, start_call, step
from ivr.dialog.events import Event
from ivr.dialog.state import CallState

OPERATOR_NUMBER = "+15555550100"


def spoken(actions: Sequence[Action], catalogues: Mapping[str, Catalogue]) -> list[str]:
    """The sentences the caller hears for ``actions``, in order."""
    heard: list[str] = []
    for action in actions:
        says = action.prompts if isinstance(action, Gather) else (action,)
        for say in says:
            if isinstance(say, Say):
                heard.append(catalogues[say.language].text(say.key, dict(say.values)))
    return heard


def place(number: str, street: str, postal_code: str = "02118") -> Place:
    key = street.upper().replace("STREET", "ST")
    return Place(42.34, -71.07, number, street, key, postal_code=postal_code, source="test")


@dataclass
class FakeResolver:
    """An address resolver answering from a table of words → results; records each lookup."""

    answers: dict[tuple[str, str | None], list[GeocodeResult]] = field(default_factory=dict)
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    source: ClassVar[str] = "test"
    remote: ClassVar[bool] = False

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        self.calls.append((words, postal_code))
        found = self.answers.get((words.lower(), postal_code))
        return found or [GeocodeResult(level=MatchLevel.NONE, score=0.0, reason="unknown")]

    def geocode(self, candidates: Sequence[AddressCandidate]) -> list[GeocodeResult]:
        return [GeocodeResult(level=MatchLevel.NONE, score=0.0, reason="unknown")]

    def knows(
        self,
        words: str,
        result: Place,
        *,
        postal_code: str | None = None,
        score: float = 0.95,
        ambiguous: bool = False,
    ) -> None:
        level = MatchLevel.ADDRESS if result.house_number else MatchLevel.STREET
        answer = GeocodeResult(level=level, score=score, place=result, ambiguous=ambiguous)
        self.answers[(words.lower(), postal_code)] = [answer]


class Call:
    """One call through the engine: send events, then ask what was heard and done."""

    def __init__(
        self,
        flow: Flow,
        catalogues: Mapping[str, Catalogue],
        *,
        resolver: FakeResolver | None = None,
        transfers: Mapping[str, TransferTarget] | None = None,
        sid: str = "CA0001",
    ) -> None:
        self.flow = flow
        self.catalogues = catalogues
        self.resolver = resolver or FakeResolver()
        self.context = DialogContext(
            catalogues=catalogues,
            resolver=self.resolver,
            transfers=(
                transfers
                if transfers is not None
                else {"operator": TransferTarget(number=OPERATOR_NUMBER)}
            ),
        )
        self.state: CallState = start_call(flow, sid)
        self.outcome: Outcome | None = None
        self.jobs: list[Job] = []

    def send(self, event: Event) -> Outcome:
        self.outcome = step(self.flow, self.state, event, self.context)
        self.state = self.outcome.state
        self.jobs += self.outcome.jobs
        return self.outcome

    def start(self) -> list[str]:
        self.send(Event.start())
        return self.heard()

    def press(self, digits: str) -> list[str]:
        self.send(Event.keypress(digits, step=self.state.step))
        return self.heard()

    def say(self, text: str, confidence: float = 0.9) -> list[str]:
        self.send(Event.speech(text, confidence, step=self.state.step))
        return self.heard()

    def silence(self) -> list[str]:
        self.send(Event.no_input(step=self.state.step))
        return self.heard()

    def heard(self) -> list[str]:
        assert self.outcome is not None
        return spoken(self.outcome.actions, self.catalogues)

    @property
    def actions(self) -> tuple[Action, ...]:
        assert self.outcome is not None
        return self.outcome.actions

    def text(self, prompt_key: str, language: str = "en", /, **values: str) -> str:
        return self.catalogues[language].text(prompt_key, values)
