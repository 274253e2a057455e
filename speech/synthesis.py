"""Speech synthesised by espeak-ng and flite: the voices tests and the evaluation speak with.

A voice is named ``program:voice``: ``espeak:en-us``, ``espeak:en-us+f3`` (an espeak-ng
variant), ``flite:slt``. Each call runs the program once, writing a WAV file to a temporary
directory, and decodes it. A missing program is a ``SynthesisError`` naming the Debian package.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from speech.audio import Pcm, decode
from speech.errors import SpeechError

ESPEAK_VOICES = ("espeak:en-us", "espeak:en-us+f3", "espeak:en+m3", "espeak:en-gb")
FLITE_VOICES = ("flite:slt", "flite:kal", "flite:rms", "flite:awb")
_PROGRAMS = {"espeak": ("espeak-ng", "espeak-ng"), "flite": ("flite", "flite")}


class SynthesisError(SpeechError):
    """Speech could not be synthesised (program missing, unknown voice, program failed)."""


def _available(prefix: str) -> bool:
    return shutil.which(_PROGRAMS[prefix][0]) is not None


def available_voices() -> tuple[str, ...]:
    """The voices whose program is installed on this machine."""
    voices: tuple[str, ...] = ()
    if _available("espeak"):
        voices += ESPEAK_VOICES
    if _available("flite"):
        voices += FLITE_VOICES
    return voices


VOICES = available_voices()


def _command(program: str, voice: str, text: str, out: Path) -> list[str]:
    if program == "espeak":
        return ["espeak-ng", "-v", voice, "-s", "160", "-w", str(out), "--", text]
    return ["flite", "-voice", voice, "-o", str(out), "-t", text]


def synthesize(text: str, *, voice: str = "espeak:en-us") -> Pcm:
    """``text`` spoken by ``voice`` (at the program's own rate: 22050 Hz espeak, 16 kHz flite)."""
    program, _, name = voice.partition(":")
    if program not in _PROGRAMS or not name:
        raise SynthesisError(f"unknown voice {voice!r}: use espeak:<voice> or flite:<voice>")
    binary, package = _PROGRAMS[program]
    if shutil.which(binary) is None:
        raise SynthesisError(f"{binary} is not installed (apt-get install {package})")
    with tempfile.TemporaryDirectory(prefix="voice311-tts-") as folder:
        out = Path(folder) / "speech.wav"
        try:
            done = subprocess.run(
                _command(program, name, text, out), capture_output=True, timeout=60, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise SynthesisError(f"{binary} did not finish within 60 s") from error
        if done.returncode != 0 or not out.exists() or out.stat().st_size <= 44:
            detail = done.stderr.decode("utf-8", "replace").strip()[:200]
            raise SynthesisError(f"{binary} failed for voice {voice!r}: {detail or 'no audio'}")
        return decode(out.read_bytes())
