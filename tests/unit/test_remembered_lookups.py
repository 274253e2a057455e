"""The resolver the rounds of one step share: each question goes to the real resolver once,
and a question asked again is answered from memory."""

from __future__ import annotations

from collections.abc import Sequence

from ivr.addresses.remembered import Question, RememberedLookups
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


def test_a_question_asked_again_is_answered_from_memory() -> None:
    real = Counting()
    lookups = RememberedLookups(real)

    assert lookups.resolve("twelve elm street", postal_code="02130") == [no_match("asked 1")]
    assert lookups.resolve("twelve elm street", postal_code="02130") == [no_match("asked 1")]
    assert lookups.resolve("twelve elm street") == [no_match("asked 2")]  # another question
    assert real.asked == [("twelve elm street", "02130"), ("twelve elm street", None)]
    assert lookups.asked == 2
    assert (lookups.source, lookups.remote) == ("counting", True)


def test_candidates_are_a_question_of_their_own_and_their_words_stay_out_of_its_repr() -> None:
    real = Counting()
    lookups = RememberedLookups(real)
    said = [AddressCandidate(house_number="12", street="ELM ST")]

    assert lookups.geocode(said) == [no_match("asked 1")]
    assert lookups.geocode(list(said)) == [no_match("asked 1")]
    assert real.asked == [tuple(said)]
    assert "twelve" not in repr(Question(words="twelve elm street"))


def test_an_answer_handed_out_is_a_copy() -> None:
    lookups = RememberedLookups(Counting())
    first = lookups.resolve("twelve elm street")
    first.clear()
    assert lookups.resolve("twelve elm street") == [no_match("asked 1")]
