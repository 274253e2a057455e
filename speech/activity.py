"""Is anyone speaking? An energy test run before recognition.

A recogniser forced to explain a silent recording explains it anyway: PocketSphinx, given three
seconds of line silence and the city's address model, hears a street name with full
confidence. So a recording is first measured: frames of 20 ms whose level stands clearly above
the recording's own noise floor (its quietest tenth) and above an absolute floor count as
speech. Too little speech, and the recording is "nothing recognised" without being decoded.

The level is measured in the telephone band, 300–3400 Hz, where a voice's energy is. Measured
over the full band, low-frequency noise (traffic, wind, brown noise) swamps it: its slow swings
lift the floor above the words, or, on a line with nothing but rumble, pass for speech
(``benchmarks/speech_activity.py`` prints both cases).

Written by hand: it is a dozen lines of numpy and scipy, and the usual voice-activity libraries
(WebRTC's VAD) are built for streaming frames, not for judging a whole short recording.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

from speech.audio import Pcm

FRAME_SECONDS = 0.02
ABOVE_FLOOR_DB = 12.0  # a speech frame is this much louder than the recording's noise floor
ABSOLUTE_FLOOR_DBFS = -55.0  # and louder than this, whatever the floor
MIN_SPEECH_SECONDS = 0.1  # "Elm", said on a line with noise at 10 dB, measures 0.16 s
SPEECH_BAND_HZ = (300.0, 3400.0)


def _speech_band(values: np.ndarray, sample_rate: int) -> np.ndarray:
    """``values`` filtered to the telephone band (4th-order Butterworth; the top edge kept
    below the Nyquist frequency of low sample rates)."""
    nyquist = sample_rate / 2
    low, high = SPEECH_BAND_HZ[0], min(SPEECH_BAND_HZ[1], nyquist * 0.95)
    if low >= high:
        return values
    sos = butter(4, [low / nyquist, high / nyquist], btype="bandpass", output="sos")
    return np.asarray(sosfilt(sos, values))


def speech_seconds(pcm: Pcm) -> float:
    """How many seconds of ``pcm`` sound like speech rather than the line's noise."""
    values = pcm.array.astype(np.float64) / 32768.0
    size = max(1, round(pcm.sample_rate * FRAME_SECONDS))
    count = values.size // size
    if count == 0:
        return 0.0
    values = _speech_band(values, pcm.sample_rate)
    frames = values[: count * size].reshape(count, size)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    floor = float(np.percentile(level, 10))
    threshold = max(floor + ABOVE_FLOOR_DB, ABSOLUTE_FLOOR_DBFS)
    return float(np.count_nonzero(level > threshold)) * FRAME_SECONDS


def has_speech(pcm: Pcm) -> bool:
    """True when ``pcm`` holds at least a short word's worth of speech."""
    return speech_seconds(pcm) >= MIN_SPEECH_SECONDS
