"""Whole simulated calls whose store starts refusing writes at the caller's final "send it"
(:mod:`tests.support.refusing_store`: the drivers' own read-only errors). The caller hears that
the report could not be saved and is put through to a person, or, with nobody to take it, is
asked to call again later; never that it was received, never a reference number. The log never
says the report was enqueued, and no report is in the store.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ivr.simulator import AnswerDial, Press, Speak
from ivr.simulator.transcript import LineKind
from ivr.store.call_tables import ReportRecord
from tests.calls.phone import prepared_store, running_gateway
from tests.calls.test_whole_calls import DESCRIBE_AND_SEND, PAVEMENT_DEFECT
from tests.support.databases import fresh_database
from tests.support.refusing_store import RefusingStore

OPERATOR = "+16175550100"
SEND_IT = [*PAVEMENT_DEFECT, Speak("four thirty eight washington street"), Press("1")]
SEND_IT += DESCRIBE_AND_SEND
NOT_SAVED = (
    "I'm sorry, our system could not save your report. "
    "I'm connecting you to a person who can take it."
)
CALL_AGAIN = (
    "I'm sorry, our system could not save your report, and no one can take it right now. "
    "Please call again later. Goodbye."
)
TAKE_BY_HAND = "please take the report by hand"


@pytest.fixture(scope="module")
def prepared_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated store with the Boston gazetteer, copied for each test (it is broken by it)."""
    folder = tmp_path_factory.mktemp("refusal")
    prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    return folder / "voice311.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(
    request: pytest.FixtureRequest, prepared_sqlite: Path, tmp_path: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        shutil.copy(prepared_sqlite, tmp_path / "voice311.db")
        yield f"sqlite:///{tmp_path / 'voice311.db'}"
        return
    with fresh_database("postgres", tmp_path) as url:
        yield prepared_store(url)


def call_refused_at_send(
    url: str, caplog: pytest.LogCaptureFixture, **changes: object
) -> tuple[list[str], list[str], list[str], int]:
    """Place the call; the store refuses writes from its report's INSERT on. What the caller
    heard, what the person heard, the dials, and how many reports the store holds after."""
    with running_gateway(url, **changes) as gateway:
        engine = gateway.sessions.kw["bind"]
        store = RefusingStore(engine, trigger="INSERT INTO reports")
        with caplog.at_level(logging.INFO):
            result = gateway.call([*SEND_IT, AnswerDial("completed", 60)])
        assert store.refusing  # the refusal did happen, at the report
        store.restore()
        with gateway.sessions() as session:
            reports = session.scalar(select(func.count()).select_from(ReportRecord)) or 0
    transcript = result.transcript
    return (
        transcript.heard(),
        transcript.of_kind(LineKind.AGENT_HEARD),
        transcript.of_kind(LineKind.DIALLED),
        reports,
    )


def assert_nothing_claimed(heard: list[str], caplog: pytest.LogCaptureFixture) -> None:
    assert not any("received" in line or "reference" in line for line in heard), heard
    assert not any("reach the city" in line for line in heard), heard
    assert "report enqueued" not in [record.getMessage() for record in caplog.records]
    # The webhooks log the refusal as a sentence, never as a traceback (whose SQL parameters
    # may hold the caller's number or words).
    webhooks = [r for r in caplog.records if r.name.startswith(("ivr.webhooks", "ivr.app"))]
    assert [r.getMessage() for r in webhooks if r.levelno >= logging.ERROR]
    assert not any(record.exc_info for record in webhooks)


def test_a_report_the_store_refuses_is_not_called_received_and_a_person_takes_the_call(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    heard, person_heard, dials, reports = call_refused_at_send(
        store_url, caplog, operator_number=OPERATOR
    )
    assert NOT_SAVED in heard
    assert heard[-1] == "Thank you for calling. Goodbye."  # after the person hung up
    assert dials == [f"Dialled {OPERATOR} → completed"]
    assert any(TAKE_BY_HAND in line for line in person_heard), person_heard
    assert_nothing_claimed(heard, caplog)
    assert reports == 0


def test_with_nobody_to_take_it_the_caller_is_asked_to_call_again(
    prepared_sqlite: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.copy(prepared_sqlite, tmp_path / "voice311.db")
    url = f"sqlite:///{tmp_path / 'voice311.db'}"
    heard, _, dials, reports = call_refused_at_send(url, caplog, operator_number="")
    assert heard[-1] == CALL_AGAIN
    assert dials == []
    assert_nothing_claimed(heard, caplog)
    assert reports == 0
