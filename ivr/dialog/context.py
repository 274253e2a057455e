"""What the dialog engine needs from outside, passed in as plain data and callables.

The engine does no I/O of its own. The address lookup is called inline through ``resolver``
(the :class:`~ivr.addresses.types.AddressResolver` ``IVR_GEOCODER`` names). The call desk
gives a step under a call's row lock a resolver that answers only from lookups made outside
the lock, and steps again once a new one is made (:mod:`ivr.webhooks.calls`), so a lookup
never holds a call's row lock. Anything slower (transcribing a recording, filing a report) is
returned as a Job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from flows.catalogue import Catalogue
from ivr.addresses.keyed_streets import StreetChoice
from ivr.addresses.readback import speak_result
from ivr.addresses.scoring import CONFIDENT_SCORE
from ivr.addresses.types import AddressResolver, GeocodeResult


class ReadBack(Protocol):
    """A result as the caller hears it read back, in the call's language."""

    def __call__(self, result: GeocodeResult, *, language: str = "en") -> str: ...


class StreetDirectory(Protocol):
    """The streets whose names start with letters keyed on the phone pad, best first
    (:class:`~ivr.addresses.keyed_streets.KeyedStreets`)."""

    def choices(
        self, keys: str, house_number: str = "", *, limit: int = ...
    ) -> list[StreetChoice]: ...


@dataclass(frozen=True)
class TransferTarget:
    """Where a transfer state named ``target`` sends the caller: a number or a queue."""

    number: str = ""
    queue: str = ""
    timeout: int = 20


@dataclass(frozen=True)
class DialogContext:
    """``catalogues``: by language, for the words a caller may say at a menu.
    ``resolver``: the address lookup (its ``resolve``), called inline. ``read_back``: how a
    result is read back (``ivr.addresses.readback.speak_result`` unless a city prefers
    otherwise).
    ``confident_score``: results at or above it are read back; below it the caller is asked
    again. ``transfers``: transfer targets by name. ``max_wait_polls``: how many times a
    waiting caller hears "one moment" before the state gives up. ``texts``: the gateway can
    send text messages (``IVR_SMS_FROM`` is set), so a caller with a known number is offered
    one. ``duplicates``: open requests of the same service near the confirmed place are looked
    for (by a job) and offered to the caller. ``streets``: the streets by their keyed
    letters (the runtime gives the gazetteer's); without them the letters path goes on to a
    person."""

    catalogues: Mapping[str, Catalogue]
    resolver: AddressResolver | None = None
    read_back: ReadBack = speak_result
    confident_score: float = CONFIDENT_SCORE
    transfers: Mapping[str, TransferTarget] = field(default_factory=dict)
    max_wait_polls: int = 5
    texts: bool = False
    duplicates: bool = False
    streets: StreetDirectory | None = None
