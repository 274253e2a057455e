"""A simulated telephone line: what a caller's voice has gone through when Twilio records it.

``telephone`` band-limits the audio to the 300–3400 Hz of a phone line, resamples it to 8 kHz,
optionally adds noise at a signal-to-noise ratio (from a seeded generator, so a test or an
evaluation hears the same noise every run), and passes it through a μ-law encode/decode round
trip (G.711), as a carrier does. The noise is white (hiss) or brown (integrated white noise, its
power falling 6 dB per octave: the rumble of traffic, wind and rooms), added either after the
band-pass (noise on the line) or before it (room noise picked up by the handset with the voice,
so the line's band shapes it too). Tests and the evaluation use it to turn clean synthesised
speech into telephone audio.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.signal import butter, sosfiltfilt

from speech.audio import Pcm, linear_to_mulaw, mulaw_to_linear, resample

TELEPHONE_RATE = 8000
BAND_HZ = (300.0, 3400.0)
NoiseColour = Literal["white", "brown"]
NOISE_COLOURS: tuple[NoiseColour, ...] = ("white", "brown")


def band_pass(pcm: Pcm, low_hz: float = BAND_HZ[0], high_hz: float = BAND_HZ[1]) -> Pcm:
    """``pcm`` filtered to ``low_hz``–``high_hz`` (4th-order Butterworth, zero phase)."""
    nyquist = pcm.sample_rate / 2
    high = min(high_hz, nyquist * 0.95)
    sos = butter(4, [low_hz / nyquist, high / nyquist], btype="bandpass", output="sos")
    return Pcm.from_array(sosfiltfilt(sos, pcm.array.astype(np.float64)), pcm.sample_rate)


def noise_samples(size: int, colour: NoiseColour = "white", seed: int = 0) -> np.ndarray:
    """``size`` samples of unit-power noise: white, or brown (white noise integrated, its mean
    removed so it does not drift, then scaled back to unit power)."""
    if colour not in NOISE_COLOURS:
        raise ValueError(f"unknown noise {colour!r}; expected one of {', '.join(NOISE_COLOURS)}")
    white = np.random.default_rng(seed).normal(0.0, 1.0, size)
    if colour == "white" or size == 0:
        return white
    brown = np.cumsum(white)
    brown -= np.linspace(brown[0], brown[-1], size)  # no drift from one end to the other
    brown -= brown.mean()
    power = float(np.mean(brown**2))
    return brown / power**0.5 if power > 0.0 else brown


def add_noise(pcm: Pcm, snr_db: float, seed: int = 0, colour: NoiseColour = "white") -> Pcm:
    """``pcm`` with noise of ``colour`` at ``snr_db`` below the signal's mean power."""
    values = pcm.array.astype(np.float64)
    power = float(np.mean(values**2)) if values.size else 0.0
    if power == 0.0:
        return pcm
    noise_power = power / (10 ** (snr_db / 10))
    noise = noise_samples(values.size, colour, seed) * noise_power**0.5
    return Pcm.from_array(values + noise, pcm.sample_rate)


def mulaw_round_trip(pcm: Pcm) -> Pcm:
    """``pcm`` encoded to μ-law and back: the quantisation every phone call applies."""
    decoded = mulaw_to_linear(linear_to_mulaw(pcm.array))
    return Pcm(decoded.astype("<i2").tobytes(), pcm.sample_rate)


def telephone(
    pcm: Pcm,
    *,
    snr_db: float | None = None,
    seed: int = 0,
    noise: NoiseColour = "white",
    noise_before_band: bool = False,
) -> Pcm:
    """``pcm`` as a phone line delivers it: 300–3400 Hz, 8 kHz, noise if asked, μ-law.

    ``snr_db`` is measured against the audio the noise is added to: the full-band voice when
    ``noise_before_band`` (room noise, then the band removes much of a brown noise's power), the
    band-limited voice otherwise (line noise, heard at exactly ``snr_db``).
    """
    if snr_db is not None and noise_before_band:
        pcm = add_noise(pcm, snr_db, seed, noise)
    line = resample(band_pass(pcm), TELEPHONE_RATE)
    if snr_db is not None and not noise_before_band:
        line = add_noise(line, snr_db, seed, noise)
    return mulaw_round_trip(line)
