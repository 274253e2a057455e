"""A quick sieve before the fuzzy street-name pass: which names can reach a spelling ratio.

The fuzzy pass scores a heard name against every street name with rapidfuzz's ``ratio``
(100 × (1 − Indel distance / total length)). A city of a million address points has 16,000
names, and scoring them all costs about 1.5 ms per heard name; most of them cannot reach the
cutoff at all. Each insertion or deletion changes one letter's count by one, so the Indel
distance is at least the sum over letters of the difference of their counts — and at least
that sum with each count capped at two. That capped sum is one popcount of two 64-bit masks
per name (one bit for "the letter is there", one for "it is there twice"), a few microseconds
with numpy for every name at once.

The sieve never drops a name that could reach the cutoff: the names it keeps, scored in their
original order, give exactly what scoring every name gives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
_SLOT = {char: at for at, char in enumerate(_LETTERS)}
_OTHER = len(_LETTERS)  # every other character shares one slot (still a lower bound)
_PER_WORD = 32  # letters per 64-bit mask, two bits each


def _masks(name: str) -> tuple[int, int]:
    """The two masks of ``name``: bit 2k "letter k occurs", bit 2k+1 "it occurs twice"."""
    counts: dict[int, int] = {}
    for char in name:
        slot = _SLOT.get(char, _OTHER)
        counts[slot] = counts.get(slot, 0) + 1
    words = [0, 0]
    for slot, count in counts.items():
        word, at = divmod(slot, _PER_WORD)
        words[word] |= 1 << (2 * at)
        if count >= 2:
            words[word] |= 1 << (2 * at + 1)
    return words[0], words[1]


class SpellingSieve:
    """The names of a gazetteer, ready to be sieved by spelling ratio; immutable."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        masks = [_masks(name) for name in self.names]
        self._low = np.array([m[0] for m in masks], dtype=np.uint64)
        self._high = np.array([m[1] for m in masks], dtype=np.uint64)
        self._lengths = np.array([len(name) for name in self.names], dtype=np.int64)

    def candidates(self, name: str, cutoff: float) -> list[str]:
        """The names whose rapidfuzz ``ratio`` with ``name`` may be ``cutoff`` (0..100) or
        more, in their original order."""
        if not self.names:
            return []
        low, high = _masks(name)
        apart = np.bitwise_count(self._low ^ np.uint64(low)).astype(np.int64)
        apart += np.bitwise_count(self._high ^ np.uint64(high))
        # ratio ≤ 100 × (1 − apart / total): keep names where that bound reaches the cutoff.
        total = self._lengths + len(name)
        kept = np.flatnonzero(apart * 100 <= (100 - cutoff) * total + 1e-9)
        return [self.names[at] for at in kept]
