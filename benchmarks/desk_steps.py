"""A call step's own cost in the call desk, alone: nothing else writes, no server, no HTTP.

``ivr serve``'s runtime on a fresh SQLite file (the embedded defaults, Twilio's recogniser so
nothing decodes, no work loop running); N calls, each started and then stepped with eight
redirect events (each re-asks the question it is at: a read, the engine's step, a write).
Prints ``CallDesk.advance``'s time per step, p50/p90/mean in milliseconds, the first 200 steps
left out (warming up). Compare two versions of the desk with it run after run;
``benchmarks/webhooks_in_process.py --lock-hold`` shows what other writers wait.

``--database postgres`` steps the calls on a new database of the PostgreSQL server of
``--postgres-url`` (default ``IVR_TEST_POSTGRES_URL``), dropped afterwards. Beside the wall
time, the step's own CPU time (``time.thread_time``) is printed: what is left is waiting, on
PostgreSQL for its round trips.

Run: PYTHONPATH=. .venv/bin/python benchmarks/desk_steps.py [--calls 300]
     [--database sqlite|postgres] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.storm_servers import fresh_store
from ivr.dialog.events import Event
from ivr.runtime import Runtime
from ivr.serve import prepare
from ivr.settings import Settings

WARM_UP_STEPS = 200
REDIRECTS = 8


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("IVR_TEST_POSTGRES_URL", ""))
    args = parser.parse_args(argv)
    if args.database == "postgres" and not args.postgres_url:
        parser.error("--database postgres needs --postgres-url (scripts/start-postgres prints one)")
    logging.disable(logging.WARNING)  # the sample-gazetteer warning
    with (
        tempfile.TemporaryDirectory(prefix="voice311-desk-") as name,
        fresh_store(args.database, Path(name), args.postgres_url) as url,
    ):
        run(args.calls, Path(name), url)


def run(calls: int, folder: Path, database_url: str) -> None:
    """Step ``calls`` calls on the store at ``database_url``; print the figures."""
    settings = Settings(
        database_url=database_url,
        twilio_auth_token="x" * 32,
        models_dir=str(folder / "models"),
        public_base_url="http://gateway.test",
        recognizer="twilio",
        log_level="WARNING",
    )
    prepare(settings)
    desk = Runtime(settings).desk
    seconds: list[float] = []
    cpu: list[float] = []

    def timed_step(sid: str, event: Event) -> None:
        began, began_cpu = time.perf_counter(), time.thread_time()
        desk.advance(sid, event)
        seconds.append(time.perf_counter() - began)
        cpu.append(time.thread_time() - began_cpu)

    for n in range(calls):
        sid = f"CA{n:032x}"
        timed_step(sid, Event.start(at=datetime.now(UTC)))
        for _ in range(REDIRECTS):
            state = desk.state(sid)
            assert state is not None
            timed_step(sid, Event.redirect(step=state.step, at=datetime.now(UTC)))
    timed = sorted(seconds[WARM_UP_STEPS:])
    if not timed:
        raise SystemExit(f"--calls must give more than {WARM_UP_STEPS} steps")
    count = len(timed)
    print(
        f"{count} steps: p50 {timed[count // 2] * 1000:.3f} ms, "
        f"p90 {timed[int(count * 0.9)] * 1000:.3f} ms, mean {statistics.mean(timed) * 1000:.3f} ms"
        f"; CPU mean {statistics.mean(cpu[WARM_UP_STEPS:]) * 1000:.3f} ms"
    )


if __name__ == "__main__":
    main()
