"""The call simulator: Twilio's side of a phone call, played against any TwiML gateway."""

from ivr.simulator.call import CallOptions, CallResult, Place, place_call
from ivr.simulator.caller_turns import RecordingInfo
from ivr.simulator.live_calls import LiveCalls
from ivr.simulator.media import MediaServer
from ivr.simulator.script import (
    AnswerDial,
    HangUp,
    Hold,
    Press,
    QueueOutcome,
    Script,
    ScriptError,
    Silence,
    Speak,
    SpeakAudio,
    load_script,
    parse_script,
)
from ivr.simulator.transcript import Line, LineKind, Transcript

__all__ = [
    "AnswerDial", "CallOptions", "CallResult", "HangUp", "Hold", "Line", "LineKind", "LiveCalls",
    "MediaServer",
    "Place", "Press", "QueueOutcome", "RecordingInfo", "Script", "ScriptError", "Silence",
    "Speak", "SpeakAudio", "Transcript", "load_script", "parse_script", "place_call",
]  # fmt: skip
