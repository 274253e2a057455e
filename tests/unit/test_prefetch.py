"""The resolver a step under a call's lock gets: it answers from lookups made beforehand, and
asks for a new one to be made outside the lock, unless lookups under it are allowed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ivr.addresses.prefetch import LookupNeeded, PrefetchedLookups, Question
from ivr.addresses.types import AddressCandidate, GeocodeResult, no_match


class Counting:
    source = "counting"
    remote = True

    def __init__(self) -> None:
        self.asked: list[object] = []

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        self.asked.append((words, postal_code))
        return [no_match(f"asked {len(self.asked)}")]

    def geocode(self, candidates: Sequence[AddressCandidate]) -> list[GeocodeResult]:
        self.asked.append(tuple(candidates))
        return [no_match(f"asked {len(self.asked)}")]


def test_a_new_question_stops_the_step_and_is_answered_once_fetched() -> None:
    real = Counting()
    lookups = PrefetchedLookups(real)
    with pytest.raises(LookupNeeded) as needed:
        lookups.resolve("twelve elm street", postal_code="02130")
    assert real.asked == []

    lookups.fetch(needed.value.question)

    assert lookups.resolve("twelve elm street", postal_code="02130") == [no_match("asked 1")]
    assert lookups.resolve("twelve elm street", postal_code="02130") == [no_match("asked 1")]
    assert real.asked == [("twelve elm street", "02130")]
    assert (lookups.fetched, lookups.late) == (1, 0)
    assert (lookups.source, lookups.remote) == ("counting", True)


def test_candidates_are_a_question_of_their_own() -> None:
    lookups = PrefetchedLookups(Counting())
    said = [AddressCandidate(house_number="12", street="ELM ST")]
    with pytest.raises(LookupNeeded) as needed:
        lookups.geocode(said)
    assert needed.value.question == Question(candidates=tuple(said))
    assert "ELM" not in repr(needed.value.question) + str(needed.value)


def test_once_allowed_a_new_question_is_looked_up_where_it_is_asked() -> None:
    real = Counting()
    lookups = PrefetchedLookups(real)
    lookups.allow_in_lock()

    assert lookups.resolve("twelve elm street") == [no_match("asked 1")]
    assert (lookups.fetched, lookups.late) == (0, 1)
