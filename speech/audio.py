"""Audio as telephony delivers it, turned into what an engine wants: 16-bit mono PCM.

``decode`` reads WAV (RIFF) files with 16-bit PCM or 8-bit μ-law samples at any rate, mixing
stereo down to mono; ``decode_mulaw`` reads the raw μ-law frames of a media stream;
``resample`` changes the rate once, with a polyphase filter (scipy), so an engine never
resamples again. ``encode_wav`` writes the WAV files Twilio's recordings look like (8 kHz mono
16-bit PCM), or μ-law WAV.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from math import gcd

import numpy as np
from scipy.signal import resample_poly

from speech.errors import SpeechError

_PCM = 1
_MULAW = 7
_EXTENSIBLE = 0xFFFE


class AudioError(SpeechError):
    """The bytes are not audio this gateway can read; the message says what is wrong."""


@dataclass(frozen=True)
class Pcm:
    """Mono audio: ``samples`` are 16-bit little-endian signed integers."""

    samples: bytes = field(repr=False)
    sample_rate: int

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise AudioError(f"sample_rate must be positive, got {self.sample_rate}")
        if len(self.samples) % 2:
            raise AudioError("samples must be whole 16-bit values (an even number of bytes)")

    @property
    def seconds(self) -> float:
        return len(self.samples) / 2 / self.sample_rate

    @property
    def array(self) -> np.ndarray:
        """The samples as an int16 array (a read-only view)."""
        return np.frombuffer(self.samples, dtype="<i2")

    @classmethod
    def from_array(cls, values: np.ndarray, sample_rate: int) -> Pcm:
        """Samples on the 16-bit scale (float or integer), rounded and clipped to 16 bits."""
        clipped = np.clip(np.rint(values), -32768, 32767).astype("<i2")
        return cls(clipped.tobytes(), sample_rate)

    def frames(self, seconds: float = 0.1) -> list[Pcm]:
        """The audio cut into frames of ``seconds`` each (the last may be shorter)."""
        step = max(1, int(self.sample_rate * seconds)) * 2
        return [
            Pcm(self.samples[i : i + step], self.sample_rate)
            for i in range(0, len(self.samples), step)
        ]


# --- μ-law (ITU-T G.711) -------------------------------------------------------------------

_BIAS = 0x84
_CLIP = 32635


def _mulaw_decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


_MULAW_TO_LINEAR = _mulaw_decode_table()


def mulaw_to_linear(raw: bytes) -> np.ndarray:
    """μ-law bytes → int16 samples."""
    return _MULAW_TO_LINEAR[np.frombuffer(raw, dtype=np.uint8)]


def linear_to_mulaw(samples: np.ndarray) -> bytes:
    """int16 samples → μ-law bytes (G.711, with the usual bias and clipping)."""
    values = samples.astype(np.int32)
    sign = np.where(values < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(values), _CLIP) + _BIAS
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    codes = ~(sign | (exponent << 4) | mantissa) & 0xFF
    return codes.astype(np.uint8).tobytes()


def decode_mulaw(raw: bytes, rate: int = 8000) -> Pcm:
    """Raw μ-law frames (a Twilio media stream) → PCM at ``rate``."""
    if not raw:
        raise AudioError("no audio: the μ-law data is empty")
    return Pcm(mulaw_to_linear(raw).astype("<i2").tobytes(), rate)


# --- WAV -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    codec: int
    channels: int
    rate: int
    bits: int


def _chunks(data: bytes) -> dict[bytes, bytes]:
    """The RIFF chunks of a WAV file by id (the first of each); a short last chunk is kept."""
    chunks: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        body = data[offset + 8 : offset + 8 + size]
        chunks.setdefault(chunk_id, body)
        offset += 8 + size + (size & 1)
    return chunks


def _format(body: bytes) -> _Format:
    if len(body) < 16:
        raise AudioError("truncated WAV: the 'fmt ' chunk is shorter than 16 bytes")
    codec, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
    if codec == _EXTENSIBLE and len(body) >= 26:
        codec = struct.unpack_from("<H", body, 24)[0]  # the sub-format GUID starts with it
    if channels < 1:
        raise AudioError("WAV header says 0 channels")
    if rate < 1:
        raise AudioError("WAV header says a sample rate of 0")
    return _Format(codec, channels, rate, bits)


def decode(data: bytes) -> Pcm:
    """A WAV file (16-bit PCM or 8-bit μ-law, any rate, mono or stereo) → mono PCM."""
    if not data:
        raise AudioError("no audio: the file is empty")
    if len(data) < 12:
        raise AudioError(f"truncated WAV: {len(data)} bytes is shorter than a RIFF header")
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("not a WAV file: it does not start with a RIFF/WAVE header")
    chunks = _chunks(data)
    if b"fmt " not in chunks:
        raise AudioError("truncated WAV: no 'fmt ' chunk")
    fmt = _format(chunks[b"fmt "])
    if b"data" not in chunks:
        raise AudioError("truncated WAV: no 'data' chunk")
    body = chunks[b"data"]
    if fmt.codec == _PCM and fmt.bits == 16:
        usable = len(body) - len(body) % (2 * fmt.channels)
        samples = np.frombuffer(body[:usable], dtype="<i2")
    elif fmt.codec == _MULAW and fmt.bits == 8:
        usable = len(body) - len(body) % fmt.channels
        samples = mulaw_to_linear(body[:usable])
    else:
        raise AudioError(
            f"unsupported WAV codec: format {fmt.codec} with {fmt.bits} bits "
            "(16-bit PCM and 8-bit μ-law are read)"
        )
    if samples.size == 0:
        raise AudioError("no audio: the WAV file has zero samples")
    if fmt.channels > 1:
        mixed = samples.reshape(-1, fmt.channels).astype(np.int32).mean(axis=1)
        return Pcm.from_array(mixed, fmt.rate)
    return Pcm(samples.astype("<i2").tobytes(), fmt.rate)


def encode_wav(pcm: Pcm, mulaw: bool = False) -> bytes:
    """A mono WAV file: 16-bit PCM (as Twilio's recordings), or 8-bit μ-law (format 7)."""
    if mulaw:
        body, codec, bits = linear_to_mulaw(pcm.array), _MULAW, 8
    else:
        body, codec, bits = pcm.samples, _PCM, 16
    block = bits // 8
    fmt = struct.pack("<HHIIHH", codec, 1, pcm.sample_rate, pcm.sample_rate * block, block, bits)
    if mulaw:
        fmt += struct.pack("<H", 0)  # non-PCM formats carry a (zero) extension size
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"data" + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


# --- rate ----------------------------------------------------------------------------------


def resample(pcm: Pcm, rate: int) -> Pcm:
    """``pcm`` at ``rate`` samples per second (polyphase filter; unchanged if already there)."""
    if rate <= 0:
        raise AudioError(f"target rate must be positive, got {rate}")
    if pcm.sample_rate == rate or not pcm.samples:
        return Pcm(pcm.samples, rate)
    common = gcd(pcm.sample_rate, rate)
    values = resample_poly(pcm.array.astype(np.float64), rate // common, pcm.sample_rate // common)
    return Pcm.from_array(values, rate)
