"""A call's step statements on the driver's cursor (ivr/store/driver.py), on SQLite and
PostgreSQL: what they write reads back the same through the ORM, a driver's error arrives as
SQLAlchemy's with the caller's data hidden, and a connection the database dropped is
replaced, as SQLAlchemy's own execution does."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from flows.loader import flow_from_document
from ivr.dialog.engine import start_call
from ivr.dialog.state import CallState
from ivr.followup.texts import record_follow_up
from ivr.outbox.queue import PENDING, Report, enqueue
from ivr.store.call_tables import CallRecord, OutboxRecord, ReportRecord
from ivr.store.db import make_engine, make_sessionmaker
from ivr.store.driver import DriverStatement, driver_statement, insert_of
from ivr.store.text_tables import TextRecord
from ivr.webhooks.call_rows import (
    READ_STEP,
    StepRow,
    awaiting_calls,
    peek_step_row,
    read_ending,
    write_state,
)

NOW = datetime(2026, 12, 4, 18, 30, 15, 123456, tzinfo=UTC)
CALLER = "+16175550123"
FLOW = flow_from_document(
    {
        "name": "note",
        "start": "bye",
        "operator": "bye",
        "languages": ["en"],
        "states": {"bye": {"type": "hangup", "prompt": "common.goodbye"}},
    },
    "test",
)


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


def started(engine: Engine, call_sid: str) -> None:
    state = start_call(FLOW, call_sid)
    with engine.connect() as connection:
        row = StepRow(state.to_dict(), CALLER, None)
        assert write_state(connection, call_sid, row, state, NOW, FLOW)
        connection.connection.commit()


def test_a_step_written_on_the_driver_reads_back_the_same_through_the_orm(engine: Engine) -> None:
    started(engine, "CA1")
    later = NOW + timedelta(seconds=7)
    with engine.connect() as connection:
        row = peek_step_row(connection, "CA1")
        assert row is not None
        assert (row.caller_number, row.ended_at, row.version) == (CALLER, None, 1)
        state = dataclasses.replace(start_call(FLOW, "CA1"), step=3, language="es")
        assert write_state(connection, "CA1", row, state, later, FLOW)
        # The same version again: another webhook wrote first, nothing is written.
        assert not write_state(connection, "CA1", row, state, later, FLOW)
        connection.connection.commit()

    with make_sessionmaker(engine)() as session:
        call = session.get(CallRecord, "CA1")
        assert call is not None
        assert call.state == state.to_dict()
        assert (call.step, call.language, call.version) == (3, "es", 2)
        assert call.updated_at.replace(tzinfo=UTC) == later
        assert call.started_at.replace(tzinfo=UTC) == NOW


def test_a_report_filed_on_the_driver_reads_back_the_same_through_the_orm(engine: Engine) -> None:
    started(engine, "CA9")
    report = Report(
        service_code="pothole",
        attributes={"depth": ["deep", "wide"]},
        lat=42.3522,
        long=-71.0552,
        address_string="1 Main St",
        description="a deep hole",
        language="es",
        call_sid="CA9",
    )
    slots = {"text_consent": "yes", "duplicate_choice": "me_too", "duplicate_of": "101"}
    data = {"slots": slots, "language": "es"}
    with engine.connect() as connection:
        queued = enqueue(connection, report, now=NOW)
        assert record_follow_up(connection, queued.report_id, data, caller_number=CALLER, now=NOW)
        connection.connection.commit()

    with make_sessionmaker(engine)() as session:
        filed = session.get(ReportRecord, queued.report_id)
        assert filed is not None
        assert (filed.service_code, filed.attributes) == ("pothole", {"depth": ["deep", "wide"]})
        assert (filed.lat, filed.long, filed.language, filed.call_sid) == (
            42.3522,
            -71.0552,
            "es",
            "CA9",
        )
        assert (filed.address_string, filed.description) == ("1 Main St", "a deep hole")
        assert filed.created_at.replace(tzinfo=UTC) == NOW and filed.duplicate_of == "101"
        row = session.get(OutboxRecord, queued.outbox_id)
        assert row is not None
        assert (row.report_id, row.key, row.status, row.attempts) == (
            queued.report_id,
            queued.key,
            PENDING,
            0,
        )
        assert not row.expected_pending and row.next_attempt_at.replace(tzinfo=UTC) == NOW
        text = session.query(TextRecord).filter_by(report_id=queued.report_id).one()
        assert (text.phone_number, text.language, text.status) == (CALLER, "es", "waiting")


def test_a_calls_ending_reads_its_state_and_its_reports_delivery(engine: Engine) -> None:
    """What a caller waiting for their reference number is told from: the call's state, and
    its report's delivery once it filed one."""
    started(engine, "CA10")
    with engine.connect() as connection:
        found = read_ending(connection, "CA10")
        assert found is not None and found[1] is None  # no report yet
        assert found[0] == start_call(FLOW, "CA10").to_dict()
        assert read_ending(connection, "CA-unknown") is None
        queued = enqueue(connection, Report(service_code="pothole", call_sid="CA10"), now=NOW)
        found = read_ending(connection, "CA10")
        connection.connection.rollback()
    assert found is not None and found[1] is not None
    delivery = found[1]
    assert (delivery.outbox_id, delivery.status, delivery.attempts) == (
        queued.outbox_id,
        PENDING,
        0,
    )
    assert delivery.expected_pending is False and delivery.service_request_id is None
    assert not delivery.settled


def test_the_hold_watcher_is_told_which_calls_still_wait_on_a_job(engine: Engine) -> None:
    """Read from the pending slots alone (a JSON path on either database)."""
    for sid in ("CA20", "CA21", "CA22"):
        started(engine, sid)
    with engine.connect() as connection:
        row = peek_step_row(connection, "CA21")
        assert row is not None
        state = CallState.from_dict(row.state)
        waiting = dataclasses.replace(state, pending={"place": "CA21:4:transcribe"})
        assert write_state(connection, "CA21", row, waiting, NOW, FLOW)
        connection.connection.commit()
    with engine.connect() as connection:
        asked = frozenset({"CA20", "CA21", "CA22", "CA-unknown"})
        assert awaiting_calls(connection, asked) == {"CA21"}
        assert awaiting_calls(connection, frozenset({"CA20"})) == set()


def test_an_insert_that_leaves_a_column_with_a_default_out_is_refused(engine: Engine) -> None:
    """SQLAlchemy's execution would fill the default in; the driver's path has no part that
    does, so such a statement is refused when it is compiled, not written with a NULL."""
    table = OutboxRecord.__table__
    with pytest.raises(ValueError, match="expected_pending"):
        DriverStatement(insert_of(table, ("report_id", "key", "status")), engine.dialect)  # type: ignore[arg-type]


def test_a_value_left_out_is_refused_not_written_as_null(engine: Engine) -> None:
    """SQLAlchemy's execution refuses a bound parameter with no value; so does the driver's
    path, before the statement reaches the database."""
    started(engine, "CA11")
    with engine.connect() as connection:
        read = driver_statement(READ_STEP, connection.dialect)
        with pytest.raises(ValueError, match="sid"):
            read.first(connection, {})
        assert read.first(connection, {"sid": "CA11"}) is not None


def test_a_call_inserted_twice_is_sqlalchemys_integrity_error_without_the_callers_number(
    engine: Engine,
) -> None:
    started(engine, "CA2")
    with pytest.raises(IntegrityError) as raised:
        started(engine, "CA2")
    assert CALLER not in str(raised.value)
    with engine.connect() as connection:  # the pool's connections are still good
        assert peek_step_row(connection, "CA2") is not None


def test_a_connection_the_database_dropped_is_replaced(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        started(engine, "CA3")
        read = driver_statement(READ_STEP, engine.dialect)
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
                connection.rollback()
                with engine.connect() as other:
                    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            else:  # SQLite has no server to drop it: the driver's connection is closed
                connection.connection.dbapi_connection.close()  # type: ignore[union-attr]
            with pytest.raises(DBAPIError) as raised:
                read.first(connection, {"sid": "CA3"})
            assert raised.value.connection_invalidated
        with engine.connect() as connection:  # a new connection from the pool
            found = read.first(connection, {"sid": "CA3"})
        assert found is not None and found[1] == CALLER
    finally:
        engine.dispose()
