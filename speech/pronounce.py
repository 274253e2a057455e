"""Pronunciations for words the recogniser's dictionary lacks, made on this machine.

Street names ("Neponset", "Arborway", "Agganis") are often missing from CMUdict. espeak-ng's
letter-to-sound rules give their IPA (``espeak-ng -q --ipa``, one word per line, one run for a
whole batch); ``ipa_to_arpabet`` maps that IPA to the CMU ARPAbet phones the PocketSphinx
English model uses. Results are cached per process (a word is pronounced once).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterable

from speech.errors import SpeechError

# IPA (as espeak-ng writes it for en-us) → ARPAbet; longest symbols are matched first.
_IPA_TO_ARPABET: dict[str, tuple[str, ...]] = {
    "aɪə": ("AY", "ER"),
    "aʊə": ("AW", "ER"),
    "eɪ": ("EY",),
    "aɪ": ("AY",),
    "aʊ": ("AW",),
    "oʊ": ("OW",),
    "ɔɪ": ("OY",),
    "ɑːɹ": ("AA", "R"),
    "ɔːɹ": ("AO", "R"),
    "oːɹ": ("AO", "R"),
    "ɛɹ": ("EH", "R"),
    "ɪɹ": ("IH", "R"),
    "ʊɹ": ("UH", "R"),
    "ɜː": ("ER",),
    "ɚ": ("ER",),
    "ɝ": ("ER",),
    "tʃ": ("CH",),
    "dʒ": ("JH",),
    "iə": ("IY", "AH"),
    "ɑ": ("AA",),
    "ɒ": ("AA",),
    "a": ("AE",),
    "æ": ("AE",),
    "ʌ": ("AH",),
    "ə": ("AH",),
    "ɐ": ("AH",),
    "ɔ": ("AO",),
    "o": ("OW",),
    "ɛ": ("EH",),
    "e": ("EH",),
    "ɪ": ("IH",),
    "ᵻ": ("IH",),
    "i": ("IY",),
    "ʊ": ("UH",),
    "u": ("UW",),
    "b": ("B",),
    "d": ("D",),
    "ð": ("DH",),
    "f": ("F",),
    "ɡ": ("G",),
    "g": ("G",),
    "h": ("HH",),
    "j": ("Y",),
    "k": ("K",),
    "l": ("L",),
    "m": ("M",),
    "n": ("N",),
    "ŋ": ("NG",),
    "p": ("P",),
    "ɹ": ("R",),
    "r": ("R",),
    "ɾ": ("T",),
    "s": ("S",),
    "ʃ": ("SH",),
    "t": ("T",),
    "θ": ("TH",),
    "v": ("V",),
    "w": ("W",),
    "x": ("K",),
    "z": ("Z",),
    "ʒ": ("ZH",),
}
_LONGEST = max(len(symbol) for symbol in _IPA_TO_ARPABET)
# Stress, length and tie marks, syllabic marks and glottal stops carry no ARPAbet phone.
_IGNORED = frozenset("ˈˌː‍̩͡ʔ-. ")


class PronunciationError(SpeechError):
    """No pronunciation could be made (espeak-ng missing or failing)."""


def ipa_to_arpabet(ipa: str) -> tuple[str, ...]:
    """ARPAbet phones for an IPA string; unknown symbols are skipped."""
    phones: list[str] = []
    text = "".join(ch for ch in ipa if ch not in _IGNORED)
    at = 0
    while at < len(text):
        for size in range(min(_LONGEST, len(text) - at), 0, -1):
            mapped = _IPA_TO_ARPABET.get(text[at : at + size])
            if mapped is not None:
                phones.extend(mapped)
                at += size
                break
        else:
            at += 1
    return tuple(phones)


_cache: dict[str, tuple[str, ...]] = {}
_lock = threading.Lock()


def _espeak_ipa(words: list[str]) -> list[str]:
    if shutil.which("espeak-ng") is None:
        raise PronunciationError("espeak-ng is not installed (apt-get install espeak-ng)")
    text = "".join(f"{word}.\n" for word in words)
    done = subprocess.run(
        ["espeak-ng", "-v", "en-us", "-q", "--ipa", "--stdin"],
        input=text.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    lines = [line.strip() for line in done.stdout.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    if done.returncode != 0 or len(lines) != len(words):
        raise PronunciationError(
            f"espeak-ng gave {len(lines)} pronunciations for {len(words)} words "
            f"(exit status {done.returncode})"
        )
    return lines


def pronounce(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """ARPAbet phones for each word (lower case letters and apostrophes), one espeak-ng run."""
    wanted = sorted({word.lower() for word in words if word.strip()})
    with _lock:
        missing = [word for word in wanted if word not in _cache]
        if missing:
            for word, ipa in zip(missing, _espeak_ipa(missing), strict=True):
                _cache[word] = ipa_to_arpabet(ipa)
        return {word: _cache[word] for word in wanted if _cache[word]}
