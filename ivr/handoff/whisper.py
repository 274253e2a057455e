"""The whisper: what a person hears, in English, before a caller is connected to them.

It says what the machine has so far: the service, the address, the caller's language, and,
for a caller coming back from a part staff sent them into, that the part is done.
"""

from __future__ import annotations

from ivr.dialog.state import CallState

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def whisper_text(state: CallState | None) -> str:
    if state is None:
        return "A caller from the 311 line."
    words: list[str] = []
    link = state.staff
    if link is not None and link.part_done:
        words.append("Your caller is back from the automated line.")
    words.append(f"311 caller about {state.service_name or 'no service chosen yet'}.")
    location = state.location
    if location is not None and location.outcome == "done" and location.spoken:
        words.append(f"Address: {location.spoken}.")
    else:
        words.append("No address yet.")
    if state.language != "en":
        words.append(f"The caller speaks {LANGUAGE_NAMES.get(state.language, state.language)}.")
    return " ".join(words)
