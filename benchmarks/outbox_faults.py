"""The outbox fault run: N simulated calls while the city fails and workers are SIGKILLed.

Run (from the repository, PYTHONPATH at its root):
    .venv/bin/python benchmarks/outbox_faults.py --calls 100                    # SQLite, 1 worker
    IVR_TEST_POSTGRES_URL=postgresql+psycopg://… \\
        .venv/bin/python benchmarks/outbox_faults.py --calls 100 --db postgres   # 3 workers

The gateway's store is a fresh SQLite file or a fresh PostgreSQL database; the city is the
embedded endpoint of a second gateway behind a fault-injecting stand-in (connection refused,
slow beyond the timeout, 500 before and after filing, HTML with 200, worker killed mid-POST).
Prints the counts: calls, reports, filed, duplicates, lost, attempts by outcome and error
kind, attempts per worker, and the time to drain. Exit status 1 if any report was lost or
filed twice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.calls.phone import prepared_store
from tests.support.databases import fresh_database
from tests.support.fault_run import FaultRun, run_faults
from tests.support.faulty_city import FaultPlan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=0, help="default: 1 on SQLite, 3 on PG")
    parser.add_argument("--seed", type=int, default=FaultPlan().seed)
    args = parser.parse_args()
    workers = args.workers or (1 if args.db == "sqlite" else 3)
    with tempfile.TemporaryDirectory() as folder, fresh_database(args.db, Path(folder)) as url:
        began = time.monotonic()
        prepared_store(url)
        print(f"{args.db}, {workers} worker(s), seed {args.seed}, {args.calls} calls")
        print(f"store prepared in {time.monotonic() - began:.1f} s")
        run = FaultRun(
            database_url=url,
            city_database_url=f"sqlite:///{Path(folder) / 'city.db'}",
            log_dir=Path(folder),
            calls=args.calls,
            workers=workers,
            plan=FaultPlan(seed=args.seed),
            drain_ceiling=600,
        )
        counts = run_faults(run)
    print("\n".join(counts.lines()))
    failed = counts.duplicates or counts.lost or counts.wrong_ids or not counts.drained
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
