"""The smallest intake flow a call-desk test needs: the caller records a note (asked up to
``attempts`` times), then hears goodbye; with ``files``, the note is filed as a report first."""

from __future__ import annotations

from typing import Any


def note_flow(*, attempts: int, transcribe: bool = False, files: bool = False) -> dict[str, Any]:
    """The flow's document (``flows.loader.flow_from_document`` reads it)."""
    ask: dict[str, Any] = {
        "type": "record",
        "prompt": "description.ask",
        "store_as": "note",
        "attempts": attempts,
        "after_last_attempt": "bye",
        "transitions": {"done": "file" if files else "bye"},
    }
    if transcribe:
        ask["transcribe"] = True
    states: dict[str, Any] = {"ask_note": ask}
    if files:
        states["file"] = {"type": "submit", "service_code": "0", "transitions": {"done": "bye"}}
    states["bye"] = {"type": "hangup", "prompt": "common.goodbye"}
    return {
        "name": "note",
        "start": "ask_note",
        "operator": "bye",
        "languages": ["en"],
        "states": states,
    }
