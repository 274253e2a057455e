"""A call step's own cost in the call desk, alone: nothing else writes, no server, no HTTP.

``ivr serve``'s runtime on a fresh SQLite file (the embedded defaults, Twilio's recogniser so
nothing decodes, no work loop running); N calls, each started and then stepped with eight
redirect events (each re-asks the question it is at: a read, the engine's step, a write).
Prints ``CallDesk.advance``'s time per step, p50/p90/mean in milliseconds, the first 200 steps
left out (warming up). Compare two versions of the desk with it run after run;
``benchmarks/webhooks_in_process.py --lock-hold`` shows what other writers wait.

Run: PYTHONPATH=. .venv/bin/python benchmarks/desk_steps.py [--calls 300]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ivr.dialog.events import Event
from ivr.runtime import Runtime
from ivr.serve import prepare
from ivr.settings import Settings

WARM_UP_STEPS = 200
REDIRECTS = 8


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the sample-gazetteer warning
    folder = Path(tempfile.mkdtemp(prefix="voice311-desk-"))
    settings = Settings(
        database_url=f"sqlite:///{folder / 'voice311.db'}",
        twilio_auth_token="x" * 32,
        models_dir=str(folder / "models"),
        public_base_url="http://gateway.test",
        recognizer="twilio",
        log_level="WARNING",
    )
    prepare(settings)
    desk = Runtime(settings).desk
    seconds: list[float] = []
    for n in range(args.calls):
        sid = f"CA{n:032x}"
        began = time.perf_counter()
        desk.advance(sid, Event.start(at=datetime.now(UTC)))
        seconds.append(time.perf_counter() - began)
        for _ in range(REDIRECTS):
            state = desk.state(sid)
            assert state is not None
            began = time.perf_counter()
            desk.advance(sid, Event.redirect(step=state.step, at=datetime.now(UTC)))
            seconds.append(time.perf_counter() - began)
    timed = sorted(seconds[WARM_UP_STEPS:])
    if not timed:
        raise SystemExit(f"--calls must give more than {WARM_UP_STEPS} steps")
    count = len(timed)
    print(
        f"{count} steps: p50 {timed[count // 2] * 1000:.3f} ms, "
        f"p90 {timed[int(count * 0.9)] * 1000:.3f} ms, mean {statistics.mean(timed) * 1000:.3f} ms"
    )


if __name__ == "__main__":
    main()
