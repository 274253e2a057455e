"""The speech check (``speech.activity``) on noisy telephone audio: speech found, noise not.

Synthesised addresses said by several voices go down the simulated phone line with white or
brown noise at 20, 15 and 10 dB, added before the band-pass (room noise) or after it (line
noise). For each condition it prints how many recordings were judged speech and the seconds of
speech measured (least / median); then the same noises alone, and silence, which must all be
"no speech".

    PYTHONPATH=. .venv/bin/python benchmarks/speech_activity.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from speech.activity import has_speech, speech_seconds
from speech.audio import Pcm
from speech.channel import NOISE_COLOURS, noise_samples, telephone
from tests.support.speech_audio import spoken_pcm

VOICES = ("flite:rms", "flite:slt", "flite:awb", "flite:kal", "espeak:en-us")
SAYINGS = ("the address is nine one five washington street", "elm", "twelve thirty four")
SNRS = (20.0, 15.0, 10.0)
NOISE_DBFS = -30.0  # the level of the noise-only recordings: a loud room, a poor line


def _noise_only(colour: str, before_band: bool, seed: int) -> Pcm:
    """Three seconds of noise alone, in the room (before the band) or on the line (after)."""
    amplitude = 32768.0 * 10 ** (NOISE_DBFS / 20)
    noise = noise_samples(24_000, colour, seed) * amplitude  # type: ignore[arg-type]
    if before_band:
        return telephone(Pcm.from_array(noise, 8000))
    silent = telephone(Pcm.from_array(np.zeros(24_000), 8000))
    return Pcm.from_array(silent.array + noise, 8000)


def main() -> None:
    print(f"{'noise':6} {'where':6} {'snr':>4}  {'speech':>7}  {'least s':>7}  {'median s':>8}")
    for colour in NOISE_COLOURS:
        for before in (False, True):
            for snr in SNRS:
                seconds = [
                    speech_seconds(spoken_pcm(text, voice, snr, colour, before))  # type: ignore[arg-type]
                    for voice in VOICES
                    for text in SAYINGS
                ]
                found = sum(s >= 0.1 for s in seconds)
                where = "room" if before else "line"
                print(
                    f"{colour:6} {where:6} {snr:4.0f}  {found:3}/{len(seconds):<3}  "
                    f"{min(seconds):7.2f}  {statistics.median(seconds):8.2f}"
                )
    print()
    print(f"{'alone':13} {'judged speech':>13}  {'most s':>6}")
    for colour in NOISE_COLOURS:
        for before in (False, True):
            pcms = [_noise_only(colour, before, seed) for seed in range(10)]
            judged = sum(has_speech(p) for p in pcms)
            most = max(speech_seconds(p) for p in pcms)
            where = "room" if before else "line"
            print(f"{colour + ' ' + where:13} {judged:6}/{len(pcms):<6}  {most:6.2f}")
    silence = telephone(Pcm.from_array(np.zeros(24_000), 8000))
    print(f"{'silence':13} {int(has_speech(silence)):6}/1       {speech_seconds(silence):6.2f}")


if __name__ == "__main__":
    main()
