"""The address lookups of one webhook's step, remembered across its rounds.

The call desk (:mod:`ivr.webhooks.calls`) steps a call with no lock held and writes the new
state only if no other webhook of the call wrote meanwhile; when one did, it steps again on the
state as it now stands. :class:`RememberedLookups` wraps the resolver for the rounds of one
step, so a question asked again (the same words, the same candidates) is answered from memory
instead of asking a remote geocoder twice. One step of one call uses one instance, on one
thread. A recording's readings share one the same way
(:class:`ivr.recordings.transcription.RecordingLookups`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ivr.addresses.types import AddressCandidate, AddressResolver, GeocodeResult


@dataclass(frozen=True)
class Question:
    """What a step asked: spoken words (and a keyed postal code), or parsed candidates."""

    words: str | None = field(default=None, repr=False)
    postal_code: str | None = field(default=None, repr=False)
    candidates: tuple[AddressCandidate, ...] | None = None


class RememberedLookups:
    """An :class:`AddressResolver` asking ``resolver`` each question once."""

    def __init__(self, resolver: AddressResolver) -> None:
        self._resolver = resolver
        self._answers: dict[Question, list[GeocodeResult]] = {}
        self.asked = 0  # questions ``resolver`` was asked

    @property
    def source(self) -> str:
        return self._resolver.source

    @property
    def remote(self) -> bool:
        return self._resolver.remote

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        return self._answer(Question(words=words, postal_code=postal_code))

    def geocode(self, candidates: Sequence[AddressCandidate]) -> list[GeocodeResult]:
        return self._answer(Question(candidates=tuple(candidates)))

    def _answer(self, question: Question) -> list[GeocodeResult]:
        if question not in self._answers:
            self.asked += 1
            if question.candidates is not None:
                found = self._resolver.geocode(question.candidates)
            else:
                found = self._resolver.resolve(
                    question.words or "", postal_code=question.postal_code
                )
            self._answers[question] = found
        return list(self._answers[question])
