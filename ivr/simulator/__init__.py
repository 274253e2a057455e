"""The call simulator: Twilio's side of a phone call, played against any TwiML gateway."""

from ivr.simulator.call import CallerPlace, CallOptions, CallResult, place_call
from ivr.simulator.caller_turns import RecordingInfo
from ivr.simulator.live_calls import LiveCalls
from ivr.simulator.media import MediaServer
from ivr.simulator.script import (
    AnswerDial,
    HangUp,
    Hold,
    Press,
    QueueOutcome,
    Respond,
    Script,
    ScriptError,
    Silence,
    Speak,
    SpeakAudio,
    Turn,
    load_script,
    parse_script,
)
from ivr.simulator.transcript import CallTranscript, Line, LineKind

__all__ = [
    "AnswerDial",
    "CallOptions",
    "CallResult",
    "CallTranscript",
    "CallerPlace",
    "HangUp",
    "Hold",
    "Line",
    "LineKind",
    "LiveCalls",
    "MediaServer",
    "Press",
    "QueueOutcome",
    "RecordingInfo",
    "Respond",
    "Script",
    "ScriptError",
    "Silence",
    "Speak",
    "SpeakAudio",
    "Turn",
    "load_script",
    "parse_script",
    "place_call",
]  # fmt: skip
