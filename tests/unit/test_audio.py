"""Audio as telephony delivers it: WAV 16-bit and μ-law, raw μ-law, resampling, bad input."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from speech.audio import (
    AudioError,
    Pcm,
    decode,
    decode_mulaw,
    encode_wav,
    linear_to_mulaw,
    resample,
)
from speech.channel import noise_samples, telephone


def tone(hz: float, rate: int, seconds: float = 0.5, amplitude: float = 8000.0) -> Pcm:
    t = np.arange(int(rate * seconds)) / rate
    return Pcm.from_array(amplitude * np.sin(2 * np.pi * hz * t), rate)


def dominant_hz(pcm: Pcm) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.array.astype(float)))
    return float(np.fft.rfftfreq(len(pcm.array), 1 / pcm.sample_rate)[np.argmax(spectrum)])


def test_16_bit_wav_round_trips_exactly() -> None:
    pcm = tone(440, 8000)
    decoded = decode(encode_wav(pcm))
    assert decoded == pcm
    assert decoded.seconds == pytest.approx(0.5)


def test_mulaw_wav_decodes_close_to_the_original() -> None:
    pcm = tone(440, 8000)
    decoded = decode(encode_wav(pcm, mulaw=True))
    assert decoded.sample_rate == 8000
    error = np.abs(decoded.array.astype(int) - pcm.array.astype(int))
    assert error.max() <= 8000 * 0.04  # μ-law steps are at most ~3 % of the amplitude


def test_raw_mulaw_frames_decode_to_the_same_samples_as_mulaw_wav() -> None:
    pcm = tone(300, 8000)
    raw = linear_to_mulaw(pcm.array)
    assert decode_mulaw(raw) == decode(encode_wav(pcm, mulaw=True))
    assert decode_mulaw(b"\xff\x7f").array.tolist() == [0, 0]  # G.711 silence codes


def test_stereo_is_mixed_down_to_mono() -> None:
    left, right = tone(440, 8000).array, np.zeros(4000, dtype="<i2")
    body = np.column_stack([left, right]).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 2, 8000, 32000, 4, 16)
    data = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(body))
    decoded = decode(b"RIFF" + struct.pack("<I", len(data) + len(body)) + data + body)
    assert decoded.seconds == pytest.approx(0.5)
    assert np.abs(decoded.array).max() == pytest.approx(4000, abs=2)


@pytest.mark.parametrize(("source", "target"), [(8000, 16000), (22050, 16000), (16000, 8000)])
def test_resampling_keeps_a_tone_at_its_frequency(source: int, target: int) -> None:
    resampled = resample(tone(1000, source, seconds=1.0), target)
    assert resampled.sample_rate == target
    assert resampled.seconds == pytest.approx(1.0, abs=0.01)
    assert dominant_hz(resampled) == pytest.approx(1000, abs=2)


def test_the_telephone_line_cuts_what_a_phone_cannot_carry() -> None:
    kept = telephone(tone(1000, 16000))
    cut = telephone(tone(100, 16000))
    assert kept.sample_rate == 8000
    assert np.abs(kept.array).max() > 6000
    assert np.abs(cut.array).max() < 2000


def test_noise_is_the_same_for_the_same_seed() -> None:
    pcm = tone(1000, 16000)
    assert telephone(pcm, snr_db=10, seed=1) == telephone(pcm, snr_db=10, seed=1)
    assert telephone(pcm, snr_db=10, seed=1) != telephone(pcm, snr_db=10, seed=2)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"RIFF\x00", "truncated"),
        (b"<html>not found</html>", "not a WAV"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no 'fmt '"),
        (encode_wav(Pcm(b"", 8000)), "zero samples"),
    ],
)
def test_what_is_not_audio_is_refused_with_the_reason(data: bytes, problem: str) -> None:
    with pytest.raises(AudioError, match=problem):
        decode(data)


def test_an_unsupported_codec_is_named() -> None:
    wav = bytearray(encode_wav(tone(440, 8000)))
    wav[20:22] = struct.pack("<H", 3)  # IEEE float
    with pytest.raises(AudioError, match="unsupported WAV codec: format 3"):
        decode(bytes(wav))


def test_a_truncated_data_chunk_keeps_the_samples_that_arrived() -> None:
    wav = encode_wav(tone(440, 8000))
    assert decode(wav[:-1001]).seconds == pytest.approx((4000 - 501) / 8000)
    with pytest.raises(AudioError, match="empty"):
        decode_mulaw(b"")


def test_brown_noise_has_its_power_at_low_frequencies() -> None:
    brown = noise_samples(80_000, "brown", seed=4)
    white = noise_samples(80_000, "white", seed=4)
    spectrum = np.abs(np.fft.rfft(brown)) ** 2
    freqs = np.fft.rfftfreq(brown.size, 1 / 8000)

    assert abs(float(np.mean(brown**2)) - 1.0) < 1e-9
    assert abs(float(np.mean(white**2)) - 1.0) < 0.05
    assert spectrum[freqs < 300].sum() > 10 * spectrum[freqs > 1000].sum()


def test_noise_added_in_the_room_is_shaped_by_the_line() -> None:
    pcm = tone(1000, 16000)
    room = telephone(pcm, snr_db=10, noise="brown", noise_before_band=True)
    line = telephone(pcm, snr_db=10, noise="brown")

    def rumble(pcm: Pcm) -> float:  # power below the line's band
        values = pcm.array.astype(np.float64)
        spectrum = np.abs(np.fft.rfft(values)) ** 2
        return float(spectrum[np.fft.rfftfreq(values.size, 1 / 8000) < 200].sum())

    assert room.sample_rate == line.sample_rate == 8000
    assert rumble(room) * 10 < rumble(line)  # the line's band removed the room's rumble
    with pytest.raises(ValueError, match="unknown noise"):
        telephone(pcm, snr_db=10, noise="pink")  # type: ignore[arg-type]
