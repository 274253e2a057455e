"""``benchmarks/webhooks_in_process.py --lock-hold`` times SQLite's write lock over the call
steps' transactions too, which run on the driver's cursor and fire no SQLAlchemy event."""

from __future__ import annotations

from pathlib import Path

from benchmarks.webhooks_in_process import LockHolds
from ivr.store import driver
from ivr.store.db import make_engine


def test_a_transaction_begun_on_the_driver_is_timed_to_its_end(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    holds = LockHolds()
    try:
        with engine.connect() as connection:
            driver.run_sql(connection, "BEGIN IMMEDIATE")
            driver.commit(connection)
            driver.run_sql(connection, "BEGIN IMMEDIATE")
            driver.rollback(connection)
            driver.run_sql(connection, "SELECT 1")  # no transaction begun: nothing timed
        assert len(holds.seconds) == 2
        assert all(0 <= seconds < 5 for seconds in holds.seconds)
    finally:
        holds.close()
        engine.dispose()
