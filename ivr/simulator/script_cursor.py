"""Where a call is in its caller's script, and what a reacting caller decides at each wait.

A plain step answers the wait it comes to. A :class:`~ivr.simulator.script.Respond` step is
asked for the action when the gateway waits: its ``decide`` gets a
:class:`~ivr.simulator.script.Turn` made of the texts the caller heard since they last acted.
The action chosen is kept until the wait takes it, so looking ahead (``peek``, as ``<Dial>``
does for a ``dial`` step) and taking (``take``) see the same action, and ``decide`` is asked
once per wait.
"""

from __future__ import annotations

from collections.abc import Sequence

from ivr.simulator.script import Action, Respond, ScriptError, Step, Turn
from ivr.simulator.transcript import LineKind, TranscriptWriter


class ScriptCursor:
    def __init__(self, steps: Sequence[Step], writer: TranscriptWriter) -> None:
        self._steps = list(steps)
        self._writer = writer
        self._next = 0
        self._turn_start = 0  # the transcript's length when the caller last acted
        self._wait = Turn((), "gather")
        self._chosen: Action | None = None  # a Respond step's action for the current wait

    @property
    def position(self) -> int:
        """How many steps the script has used up (a plain step counts once it is taken)."""
        return self._next

    def waiting(self, verb: str, *, keys: bool = False, speech: bool = False) -> None:
        """A new wait begins: what a reacting caller decides is decided afresh."""
        self._wait = Turn((), verb, keys, speech)
        self._chosen = None

    def peek(self) -> Action | None:
        """The action that answers the current wait, without using it up."""
        if self._chosen is not None:
            return self._chosen
        while self._next < len(self._steps):
            step = self._steps[self._next]
            if not isinstance(step, Respond):
                return step
            chosen = step.decide(self._turn())
            if chosen is None:  # this caller is done: the next step answers
                self._next += 1
                continue
            if isinstance(chosen, Respond):
                raise ScriptError(f"script step {self._next}: respond chose another respond step")
            self._chosen = chosen
            return chosen
        return None

    def take(self) -> Action | None:
        """The action that answers the current wait, used up; the caller's turn ends."""
        action = self.peek()
        if self._chosen is not None:
            step = self._steps[self._next]
            if isinstance(step, Respond) and step.once:
                self._next += 1
            self._chosen = None
        else:
            self._next += 1
        self._turn_start = self._writer.size()
        return action

    def _turn(self) -> Turn:
        heard = tuple(
            line.text
            for line in self._writer.lines_since(self._turn_start)
            if line.kind is LineKind.HEARD
        )
        return Turn(heard, self._wait.verb, self._wait.keys, self._wait.speech)
