"""The call desk looks an address up only while it holds no lock on the call: a slow geocoder
never holds a call's row lock, and neither does the gazetteer's index (re)load. On both
databases."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from flows.loader import flow_from_document
from ivr.addresses.geocoder import GazetteerGeocoder
from ivr.addresses.index import GazetteerIndex, PointRecord, build_index
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, Place
from ivr.dialog.context import DialogContext
from ivr.dialog.events import Event
from ivr.dialog.flow_library import load_flow_library
from ivr.settings import Settings
from ivr.store.call_tables import CallRecord
from ivr.store.db import make_engine, make_sessionmaker
from ivr.webhooks.calls import CallDesk
from ivr.webhooks.desk_answers import Answer
from tests.unit.call_driver import spoken

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FLOW = {
    "name": "where",
    "start": "ask",
    "operator": "bye",
    "languages": ["en"],
    "states": {
        "ask": {
            "type": "ask_speech",
            "prompt": "location.ask",
            "store_as": "words",
            "attempts": 1,
            "after_last_attempt": "bye",
            "transitions": {"done": "find"},
        },
        "find": {
            "type": "lookup",
            "behaviour": "resolve_address",
            "inputs": {"words": "words"},
            "transitions": {"done": "confirm", "ambiguous": "bye", "failed": "bye"},
        },
        "confirm": {
            "type": "confirm",
            "prompt": "location.confirm",
            "attempts": 1,
            "after_last_attempt": "bye",
            "transitions": {"yes": "bye", "no": "bye"},
        },
        "bye": {"type": "hangup", "prompt": "common.goodbye"},
    },
}
ELM_12 = Place(42.31, -71.11, "12", "Elm Street", "ELM ST", postal_code="02130", source="test")
READ_BACK = (
    "I heard twelve Elm Street, zero two one three zero. Press 1 if that is right, 2 to try again."
)


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def lock_probe(url: str, sessions: sessionmaker[Session]) -> Callable[[str], bool]:
    """A check that no transaction holds the call's row lock (on SQLite: the write lock),
    made from a connection of its own that does not wait."""

    def sqlite_unlocked(call_sid: str) -> bool:
        probe = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            probe.close()

    def postgres_unlocked(call_sid: str) -> bool:
        query = (
            select(CallRecord.call_sid)
            .where(CallRecord.call_sid == call_sid)
            .with_for_update(nowait=True)
        )
        with sessions() as session, session.begin():
            try:
                session.execute(query)
            except OperationalError:
                return False
        return True

    return sqlite_unlocked if url.startswith("sqlite") else postgres_unlocked


class CheckedResolver:
    """Answers "12 Elm Street" for anything, noting whether the call was locked when asked;
    ``gate``, when given, is waited on before answering (a slow service)."""

    source = "test"
    remote = True

    def __init__(self, unlocked: Callable[[str], bool], call_sid: str) -> None:
        self.unlocked = unlocked
        self.call_sid = call_sid
        self.asked: list[bool] = []  # one entry per lookup: was the call unlocked?
        self.started = threading.Event()
        self.gate: threading.Event | None = None

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        self.asked.append(self.unlocked(self.call_sid))
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never let the lookup finish"
        return [GeocodeResult(level=MatchLevel.ADDRESS, score=0.95, place=ELM_12)]

    def geocode(self, candidates: Sequence[AddressCandidate]) -> list[GeocodeResult]:
        return self.resolve("")


def desk_with(sessions: sessionmaker[Session], resolver: object) -> CallDesk:
    library = load_flow_library(Settings())
    context = DialogContext(catalogues=library.catalogues, resolver=resolver)  # type: ignore[arg-type]
    return CallDesk(sessions, flow_from_document(FLOW, "test"), context, clock=lambda: NOW)


def say(desk: CallDesk, call_sid: str, words: str) -> Answer:
    state = desk.state(call_sid)
    assert state is not None
    return desk.advance(call_sid, Event.speech(words, 0.9, step=state.step))


def say_during_slow_lookup(
    desk: CallDesk, resolver: CheckedResolver, call_sid: str, meanwhile: Callable[[], None]
) -> Answer:
    """The caller says "twelve elm street"; while its lookup waits, ``meanwhile`` runs."""
    resolver.gate = threading.Event()
    answers: list[Answer] = []
    slow = threading.Thread(target=lambda: answers.append(say(desk, call_sid, "twelve elm street")))
    slow.start()
    try:
        assert resolver.started.wait(10)
        meanwhile()
    finally:
        resolver.gate.set()
        slow.join(timeout=10)
    return answers[0]


def heard(desk: CallDesk, answer: Answer) -> list[str]:
    library = load_flow_library(Settings())
    return spoken(answer.actions, library.catalogues)


def test_the_address_is_looked_up_once_with_the_call_unlocked(
    migrated_url: str, sessions: sessionmaker[Session]
) -> None:
    resolver = CheckedResolver(lock_probe(migrated_url, sessions), "CA1")
    desk = desk_with(sessions, resolver)
    desk.advance("CA1", Event.start(at=NOW))

    answer = say(desk, "CA1", "twelve elm street")

    assert heard(desk, answer) == [READ_BACK]
    assert resolver.asked == [True]  # one lookup, made while the call was not locked
    state = desk.state("CA1")
    assert state is not None and state.location is not None
    assert (state.location.lat, state.location.lon) == (ELM_12.lat, ELM_12.lon)


def test_another_webhook_of_the_call_goes_ahead_while_a_slow_lookup_runs(
    migrated_url: str, sessions: sessionmaker[Session]
) -> None:
    resolver = CheckedResolver(lock_probe(migrated_url, sessions), "CA2")
    desk = desk_with(sessions, resolver)
    desk.advance("CA2", Event.start(at=NOW))

    def record_meanwhile() -> None:
        recorded = threading.Thread(
            target=desk.record_recording, args=("CA2", "in-progress", "", "0")
        )
        recorded.start()
        recorded.join(timeout=5)
        assert not recorded.is_alive(), "the call stayed locked during the lookup"

    answer = say_during_slow_lookup(desk, resolver, "CA2", record_meanwhile)

    assert heard(desk, answer) == [READ_BACK]
    assert resolver.asked == [True]


def test_the_gazetteer_loads_its_index_with_the_call_unlocked(
    migrated_url: str, sessions: sessionmaker[Session]
) -> None:
    unlocked = lock_probe(migrated_url, sessions)
    loads: list[bool] = []
    index = build_index(
        [PointRecord("ELM ST", "Elm St", "12", 12, "02130", "Jamaica Plain", 42.31, -71.11)]
    )

    def current() -> GazetteerIndex:  # what IndexCache.current does: may query and rebuild
        loads.append(unlocked("CA3"))
        return index

    desk = desk_with(sessions, GazetteerGeocoder(current))
    desk.advance("CA3", Event.start(at=NOW))
    loads.clear()

    answer = say(desk, "CA3", "twelve elm street")

    assert heard(desk, answer) == [READ_BACK.replace("zero two one three zero", "in Jamaica Plain")]
    assert loads and all(loads)


def test_a_write_made_while_a_step_looks_up_is_kept_and_the_step_redone_on_it(
    migrated_url: str, sessions: sessionmaker[Session]
) -> None:
    """Staff change the call while its step waits on a slow lookup: the step, computed on the
    state before, is not written over the change; it is stepped again on the changed state,
    without asking the geocoder twice."""
    resolver = CheckedResolver(lock_probe(migrated_url, sessions), "CA4")
    desk = desk_with(sessions, resolver)
    desk.advance("CA4", Event.start(at=NOW))

    def staff_note_meanwhile() -> None:
        noted = desk.amend(
            "CA4", lambda state: dataclasses.replace(state, slots={**state.slots, "note": "staff"})
        )
        assert noted

    answer = say_during_slow_lookup(desk, resolver, "CA4", staff_note_meanwhile)

    assert heard(desk, answer) == [READ_BACK]
    state = desk.state("CA4")
    assert state is not None and state.slots.get("note") == "staff"
    assert state.location is not None and state.location.street == ELM_12.street
    assert resolver.asked == [True]  # the second round's lookup was answered from the first


def test_two_first_webhooks_of_a_call_write_one_row_and_say_the_same(
    sessions: sessionmaker[Session],
) -> None:
    """Twilio retries the call's first webhook while the first attempt is being answered: the
    attempt that writes second finds the row written and answers as the first did."""
    desk = desk_with(sessions, CheckedResolver(lambda _sid: True, "CA5"))
    rival = desk_with(sessions, CheckedResolver(lambda _sid: True, "CA5"))
    plan = desk._plan
    rounds: list[int] = []
    answered: list[Answer] = []

    def plan_then_lose_the_race(*args: Any, **kwargs: Any) -> Any:
        planned = plan(*args, **kwargs)
        rounds.append(1)
        if len(rounds) == 1:  # the retry starts the call between this read and this write
            answered.append(rival.advance("CA5", Event.start(at=NOW)))
        return planned

    desk._plan = plan_then_lose_the_race  # type: ignore[method-assign]
    first = desk.advance("CA5", Event.start(at=NOW))

    assert len(rounds) == 2  # the insert failed, and the step read the row again
    assert heard(desk, first) == heard(rival, answered[0])
    assert heard(desk, first)[0].startswith("Where")  # the flow's first question
    with sessions() as session:
        rows = session.scalars(select(CallRecord).where(CallRecord.call_sid == "CA5")).all()
    assert len(rows) == 1 and rows[0].version == 1
