"""A simulated telephone line: what a caller's voice has gone through when Twilio records it.

``telephone`` band-limits the audio to the 300–3400 Hz of a phone line, resamples it to 8 kHz,
optionally adds white noise at a signal-to-noise ratio (from a seeded generator, so a test or
an evaluation hears the same noise every run), and passes it through a μ-law encode/decode
round trip (G.711), as a carrier does. Tests and the evaluation use it to turn clean synthesised
speech into telephone audio.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfiltfilt

from speech.audio import Pcm, linear_to_mulaw, mulaw_to_linear, resample

TELEPHONE_RATE = 8000
BAND_HZ = (300.0, 3400.0)


def band_pass(pcm: Pcm, low_hz: float = BAND_HZ[0], high_hz: float = BAND_HZ[1]) -> Pcm:
    """``pcm`` filtered to ``low_hz``–``high_hz`` (4th-order Butterworth, zero phase)."""
    nyquist = pcm.sample_rate / 2
    high = min(high_hz, nyquist * 0.95)
    sos = butter(4, [low_hz / nyquist, high / nyquist], btype="bandpass", output="sos")
    return Pcm.from_array(sosfiltfilt(sos, pcm.array.astype(np.float64)), pcm.sample_rate)


def add_noise(pcm: Pcm, snr_db: float, seed: int = 0) -> Pcm:
    """``pcm`` with white noise at ``snr_db`` below the speech's mean power."""
    values = pcm.array.astype(np.float64)
    power = float(np.mean(values**2)) if values.size else 0.0
    if power == 0.0:
        return pcm
    noise_power = power / (10 ** (snr_db / 10))
    rng = np.random.default_rng(seed)
    return Pcm.from_array(values + rng.normal(0.0, noise_power**0.5, values.size), pcm.sample_rate)


def mulaw_round_trip(pcm: Pcm) -> Pcm:
    """``pcm`` encoded to μ-law and back: the quantisation every phone call applies."""
    decoded = mulaw_to_linear(linear_to_mulaw(pcm.array))
    return Pcm(decoded.astype("<i2").tobytes(), pcm.sample_rate)


def telephone(pcm: Pcm, *, snr_db: float | None = None, seed: int = 0) -> Pcm:
    """``pcm`` as a phone line delivers it: 300–3400 Hz, 8 kHz, noise if asked, μ-law."""
    line = resample(band_pass(pcm), TELEPHONE_RATE)
    if snr_db is not None:
        line = add_noise(line, snr_db, seed)
    return mulaw_round_trip(line)
