"""The speech check run before recognition: silence and line noise are not speech."""

from __future__ import annotations

import numpy as np

from speech.activity import has_speech, speech_seconds
from speech.audio import Pcm
from speech.channel import noise_samples, telephone
from tests.support.speech_audio import spoken_pcm


def test_digital_silence_and_line_noise_hold_no_speech() -> None:
    silence = Pcm.from_array(np.zeros(24_000), 8000)
    hiss = telephone(Pcm.from_array(np.random.default_rng(7).normal(0, 400, 24_000), 8000))

    assert speech_seconds(silence) == 0.0
    assert not has_speech(silence)
    assert not has_speech(telephone(silence))
    assert not has_speech(hiss)
    assert not has_speech(Pcm(b"", 8000))


def test_a_short_word_on_a_noisy_line_is_speech() -> None:
    word = spoken_pcm("elm", "flite:awb", snr_db=10.0)
    address = spoken_pcm("four thirty eight washington street", "flite:rms")

    assert has_speech(word)
    assert 1.0 < speech_seconds(address) <= address.seconds


def test_brown_noise_on_the_line_holds_no_speech() -> None:
    rumble = noise_samples(24_000, "brown", seed=3) * 1000.0
    assert not has_speech(Pcm.from_array(rumble, 8000))
