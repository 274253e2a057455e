"""Is anyone speaking? An energy test run before recognition.

A recogniser forced to explain a silent recording explains it anyway: PocketSphinx, given three
seconds of line silence and the city's address model, hears a street name with full
confidence. So a recording is first measured: frames of 20 ms whose level stands clearly above
the recording's own noise floor (its quietest tenth) and above an absolute floor count as
speech. Too little speech, and the recording is "nothing recognised" without being decoded.

Written by hand: it is a dozen lines of numpy, and the usual voice-activity libraries (WebRTC's
VAD) are built for streaming frames, not for judging a whole short recording.
"""

from __future__ import annotations

import numpy as np

from speech.audio import Pcm

FRAME_SECONDS = 0.02
ABOVE_FLOOR_DB = 12.0  # a speech frame is this much louder than the recording's noise floor
ABSOLUTE_FLOOR_DBFS = -55.0  # and louder than this, whatever the floor
MIN_SPEECH_SECONDS = 0.1  # "Elm", said on a line with noise at 10 dB, measures 0.16 s


def speech_seconds(pcm: Pcm) -> float:
    """How many seconds of ``pcm`` sound like speech rather than the line's noise."""
    values = pcm.array.astype(np.float64) / 32768.0
    size = max(1, round(pcm.sample_rate * FRAME_SECONDS))
    count = values.size // size
    if count == 0:
        return 0.0
    frames = values[: count * size].reshape(count, size)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    floor = float(np.percentile(level, 10))
    threshold = max(floor + ABOVE_FLOOR_DB, ABSOLUTE_FLOOR_DBFS)
    return float(np.count_nonzero(level > threshold)) * FRAME_SECONDS


def has_speech(pcm: Pcm) -> bool:
    """True when ``pcm`` holds at least a short word's worth of speech."""
    return speech_seconds(pcm) >= MIN_SPEECH_SECONDS
