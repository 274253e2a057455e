"""Address lookups made outside a call's row lock, for a dialog step taken under it.

The call desk steps a call under its row lock with a :class:`PrefetchedLookups` as the
resolver. A question it has an answer for is answered from memory in microseconds; a new one
raises :class:`LookupNeeded`, which unwinds the (pure) engine step and rolls the transaction
back before anything is written. The desk then calls :meth:`PrefetchedLookups.fetch` with no
lock held — a remote service may take seconds, and the gazetteer may reload its index from the
database — and steps again. After ``rounds`` such retries (the call's state kept changing under
it) the desk calls :meth:`allow_in_lock` and a new question is answered by the real resolver
where it is asked, and logged. One step of one call uses one instance, on one thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from ivr.addresses.types import AddressCandidate, AddressResolver, GeocodeResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    """What a step asked: spoken words (and a keyed postal code), or parsed candidates."""

    words: str | None = field(default=None, repr=False)
    postal_code: str | None = field(default=None, repr=False)
    candidates: tuple[AddressCandidate, ...] | None = None


class LookupNeeded(Exception):
    """The step asked something not looked up yet: look it up without the lock, then retry."""

    def __init__(self, question: Question) -> None:
        super().__init__("an address lookup is needed")
        self.question = question


class PrefetchedLookups:
    """An :class:`AddressResolver` answering from lookups ``resolver`` made beforehand."""

    def __init__(self, resolver: AddressResolver) -> None:
        self._resolver = resolver
        self._answers: dict[Question, list[GeocodeResult]] = {}
        self._in_lock = False
        self.fetched = 0  # lookups made without the lock
        self.late = 0  # lookups made under the lock, after allow_in_lock()

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

    def fetch(self, question: Question) -> None:
        """Look ``question`` up with the real resolver (the caller holds no lock)."""
        self._answers[question] = self._ask(question)
        self.fetched += 1

    def allow_in_lock(self) -> None:
        """From now on a new question is looked up where it is asked, under the lock."""
        self._in_lock = True

    def _answer(self, question: Question) -> list[GeocodeResult]:
        if question not in self._answers:
            if not self._in_lock:
                raise LookupNeeded(question)
            log.warning(
                "address looked up under the call's lock: its state kept changing",
                extra={"geocoder": self._resolver.source},
            )
            self.late += 1
            self._answers[question] = self._ask(question)
        return list(self._answers[question])

    def _ask(self, question: Question) -> list[GeocodeResult]:
        if question.candidates is not None:
            return self._resolver.geocode(question.candidates)
        return self._resolver.resolve(question.words or "", postal_code=question.postal_code)
