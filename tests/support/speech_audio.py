"""Telephone-like audio for tests: synthesised speech through the simulated phone line.

``spoken_wav(text, voice)`` gives the bytes of a Twilio-like recording (WAV, 8 kHz, mono, 16-bit
PCM); results are cached for the test session, since synthesis is the slow part.
"""

from __future__ import annotations

import csv
from functools import cache

from ivr.addresses.streets import speakable_street
from ivr.settings import PACKAGE_DATA
from speech.audio import Pcm, encode_wav
from speech.channel import NoiseColour, telephone
from speech.synthesis import synthesize


@cache
def spoken_pcm(
    text: str,
    voice: str = "flite:rms",
    snr_db: float | None = None,
    noise: NoiseColour = "white",
    noise_before_band: bool = False,
) -> Pcm:
    """``text`` said by ``voice`` down a phone line (8 kHz, μ-law round trip, noise if asked:
    white or brown, on the line or, with ``noise_before_band``, in the caller's room)."""
    return telephone(
        synthesize(text, voice=voice),
        snr_db=snr_db,
        seed=len(text),
        noise=noise,
        noise_before_band=noise_before_band,
    )


def spoken_wav(
    text: str,
    voice: str = "flite:rms",
    snr_db: float | None = None,
    noise: NoiseColour = "white",
    noise_before_band: bool = False,
) -> bytes:
    """A Twilio-like recording of ``text``: WAV, 8 kHz, mono, 16-bit PCM."""
    return encode_wav(spoken_pcm(text, voice, snr_db, noise, noise_before_band))


@cache
def boston_streets() -> tuple[str, ...]:
    """Every street of the sample Boston address points, as the gateway speaks it."""
    with (PACKAGE_DATA / "boston-addresses.csv").open(newline="", encoding="utf-8") as rows:
        names = {row["Street name"] for row in csv.DictReader(rows)}
    return tuple(sorted({speakable_street(name) for name in names}))
