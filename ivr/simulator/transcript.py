"""What the caller heard and did, in order: the record a simulated call leaves behind.

Lines hold personal data (what the caller said, numbers dialled), so their ``repr`` hides the
text; :meth:`CallTranscript.render` is the one way to print them, on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class LineKind(Enum):
    HEARD = "heard"  # text or sound the gateway played to the caller
    PRESSED = "pressed"  # keys the caller pressed
    SAID = "said"  # words the caller spoke
    SILENCE = "silence"  # the caller said nothing
    RECORDED = "recorded"  # audio the caller left at a <Record>
    DIALLED = "dialled"  # a <Dial> and how it ended
    QUEUED = "queued"  # an <Enqueue> and how it ended
    ERROR = "error"  # what Twilio would log as an application error
    AGENT_HEARD = "agent heard"  # what the person taking the call heard (a whisper)
    NOTE = "note"  # what the simulator observed that the caller would not hear
    ENDED = "ended"  # how the call ended


@dataclass(frozen=True)
class Line:
    kind: LineKind
    text: str = field(repr=False)

    def render(self) -> str:
        if self.kind is LineKind.HEARD:
            return f"Heard: {self.text}"
        if self.kind is LineKind.SAID:
            return f'Said "{self.text}"'
        if self.kind is LineKind.AGENT_HEARD:
            return f"Agent heard: {self.text}"
        if self.kind is LineKind.NOTE:
            return f"  ({self.text})"
        if self.kind is LineKind.ERROR:
            return f"Application error {self.text}"
        return self.text


@dataclass(frozen=True)
class CallTranscript:
    lines: tuple[Line, ...] = ()

    def heard(self) -> list[str]:
        """Every text the caller heard, in order."""
        return [line.text for line in self.lines if line.kind is LineKind.HEARD]

    def of_kind(self, kind: LineKind) -> list[str]:
        return [line.text for line in self.lines if line.kind is kind]

    def render(self) -> str:
        return "\n".join(line.render() for line in self.lines)


class TranscriptWriter:
    """Collects lines while a call runs; :meth:`transcript` freezes them."""

    def __init__(self) -> None:
        self._lines: list[Line] = []

    def add(self, kind: LineKind, text: str) -> None:
        self._lines.append(Line(kind, text))

    def heard(self, text: str) -> None:
        self.add(LineKind.HEARD, text)

    def note(self, text: str) -> None:
        self.add(LineKind.NOTE, text)

    def size(self) -> int:
        """How many lines there are so far (a mark for :meth:`lines_since`)."""
        return len(self._lines)

    def lines_since(self, mark: int) -> tuple[Line, ...]:
        """The lines added after ``mark`` (a :meth:`size`)."""
        return tuple(self._lines[mark:])

    def transcript(self) -> CallTranscript:
        return CallTranscript(tuple(self._lines))
