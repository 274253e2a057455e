"""The speech check on noisy telephone audio: a voice under noise is speech, noise alone is not.

Real synthesised voices down the simulated phone line with white and brown noise (brown: the
rumble of traffic and rooms, most of its power at low frequencies), added in the caller's room
(before the line's band-pass) or on the line (after it).
"""

from __future__ import annotations

import numpy as np
import pytest

from speech.activity import has_speech, speech_seconds
from speech.audio import Pcm
from speech.channel import noise_samples, telephone
from tests.support.speech_audio import spoken_pcm

ADDRESS = "the address is eight five seven dorchester avenue"


@pytest.mark.parametrize("voice", ["flite:rms", "flite:slt", "espeak:en-us"])
@pytest.mark.parametrize("before_band", [False, True], ids=["line", "room"])
@pytest.mark.parametrize("noise", ["brown", "white"])
def test_an_address_under_noise_at_15_db_is_speech(
    voice: str, before_band: bool, noise: str
) -> None:
    pcm = spoken_pcm(ADDRESS, voice, 15.0, noise, before_band)  # type: ignore[arg-type]

    assert has_speech(pcm)
    assert speech_seconds(pcm) > 0.8  # most of the words, not a stray frame


@pytest.mark.parametrize("before_band", [False, True], ids=["line", "room"])
@pytest.mark.parametrize("noise", ["brown", "white"])
@pytest.mark.parametrize("seed", range(4))
def test_noise_alone_is_not_speech(before_band: bool, noise: str, seed: int) -> None:
    loud = noise_samples(24_000, noise, seed) * 1000.0  # type: ignore[arg-type]
    if before_band:
        pcm = telephone(Pcm.from_array(loud, 8000))
    else:
        line = telephone(Pcm.from_array(np.zeros(24_000), 8000))
        pcm = Pcm.from_array(line.array + loud, 8000)

    assert not has_speech(pcm)


def test_brown_noise_alone_was_speech_to_a_full_band_measure() -> None:
    """Why the band matters: measured over the whole band, the slow swings of brown noise on
    the line stand 12 dB above its own quietest frames."""
    loud = noise_samples(24_000, "brown", 0) * 1000.0
    frames = loud.reshape(-1, 160)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    assert np.count_nonzero(level > np.percentile(level, 10) + 12.0) * 0.02 > 0.1

    assert speech_seconds(Pcm.from_array(loud, 8000)) < 0.1
