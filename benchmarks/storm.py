"""A storm of calls: the gateway under N concurrent simulated calls paced as real calls, side by
side with a bare Flask app under the same server receiving the same webhooks at the same times.

Run: PYTHONPATH=. .venv/bin/python benchmarks/storm.py --calls 100
     [--database sqlite|postgres] [--postgres-url URL] [--audio-share 0.3] [--seed 1]
     [--city boston] [--ramp 10] [--pace 1] [--web-workers 1] [--json FILE]
     [--keep-log FILE]

The gateway is ``ivr serve --port P`` in a process of its own, on a fresh store (a temporary
SQLite file, or a new database on the PostgreSQL server of ``--postgres-url``, default
``IVR_TEST_POSTGRES_URL``; ``scripts/start-postgres`` prints one) with its embedded defaults
(``storm_servers``). N calls (``storm_calls``) start at random moments of the first ``--ramp``
seconds; each is one caller reporting a problem at a real address of the city, paced as a real
call (``--pace 1``; smaller is faster): every ``<Say>`` takes its words at 150 a minute, every
``<Pause>`` its length, the caller's words and keys their time, and the caller takes 1–3 s
before each answer. ``--audio-share`` of the callers say the place and the description in a
synthetic voice (synthesised before the storm); the rest key the place. The same webhooks
(the same forms, after the same gaps) then go to the bare app (``bare_server``), which answers
each with one fixed ``<Gather>``, and then to the floor app (``floor_app``), which checks each
one's signature, reads its form and keeps the call's state in one transaction on the same
database before it answers the same ``<Gather>``: the least any gateway must do per step.
Everything is drawn with ``--seed``.

The figures:

- calls; errors: calls with a webhook answered other than 2xx or not at all, that ended other
  than by the gateway hanging up, or that filed no report; dropped: calls with a webhook that
  took 15 s or more (Twilio gives up on it and the caller hears an application error).
- webhooks: p50/p95/p99 in ms of every gateway webhook that does not wait for a recording's
  transcript (menus, questions, lookups, jobs of milliseconds such as the duplicate search,
  filing, callbacks), and apart from them those that do (a recording's action, and the
  redirects after it until the caller is asked something); the bare app's, over all its
  webhooks; and gateway/bare for each percentile; the floor app's, with gateway/floor and
  floor/bare (how much of the distance from the bare app any gateway must cover). The gateway's are
  also given per URL path (p50/p99; the six slowest printed), to show where its tail is, and
  inside the app, from its access log (``benchmarks/access_log.py``, joined by each response's
  ``X-Request-Id``): the time each took in the app, the serving thread's CPU time, and the time
  it was ready to run but waited for a core (``run_queue_ms``, Linux); and, over the slowest
  1 % in the app, the mean of each part and of the rest (the GIL, a lock, the database).
- read-back: end of the caller's recorded speech (the ``<Record>`` silence timeout counted,
  as ``speech_calls_eval.Timer`` counts it) to the answer that reads the place back, p50/p95.
- reports filed (of calls), and the outbox's rows by status once delivery settled (60 s at
  most after the storm): ``filed`` reached the embedded endpoint; a ``parked`` row's reason
  (the endpoint's refusal) is printed with its count.
- the gateway's process tree over the storm: CPU seconds (user + system) and the peak of its
  summed resident memory, with the most processes and threads seen; the server settings
  (gunicorn workers, threads); requests per second (webhooks over the storm's wall time).

``--json FILE`` writes the same figures; ``--keep-log FILE`` keeps the gateway's log, whose
access lines give each webhook's time inside the app (``duration_ms``), apart from the server
and the network.

SIGTERM or Ctrl-C stops a storm as its end does (``storm_stopping``): ``ivr serve`` and the
bare and floor apps are stopped, a PostgreSQL database made for it dropped, and its folder
``voice311-storm-*`` removed; it exits 143 or 130 without waiting for the calls in flight.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from benchmarks.access_log import PARTS, access_lines, slowest_share
from benchmarks.bare_server import free_port, serve_options, start_bare_server
from benchmarks.speech_calls_eval import CITIES, sample_addresses
from benchmarks.storm_calls import (
    WEBHOOK_LIMIT,
    CallOutcome,
    Target,
    Webhook,
    place_storm_call,
    plan,
    replay_call,
    shared_transport,
    synthesise,
)
from benchmarks.storm_printout import print_figures
from benchmarks.storm_servers import (
    TreeSampler,
    fresh_store,
    gateway_env,
    running_gateway,
    wait_idle,
)
from benchmarks.storm_stopping import (
    Stopped,
    all_at_once,
    held,
    stopped_by_signals,
    temporary_folder,
)
from ivr.settings import Settings
from ivr.simulator import MediaServer
from ivr.store.call_tables import OutboxRecord, ReportRecord
from ivr.store.db import make_engine

TOKEN = "0123456789abcdef0123456789abcdef"
SETTLE_SECONDS = 60.0


def percentiles(seconds: Sequence[float], points: Sequence[int]) -> dict[str, float | None]:
    """Nearest-rank percentiles, in milliseconds (None when there is nothing to rank)."""
    ordered = sorted(seconds)
    return {
        f"p{p}": ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000 if ordered else None
        for p in points
    }


def ratio(ours: float | None, theirs: float | None) -> float | None:
    return round(ours / theirs, 1) if ours is not None and theirs else None


def by_path(webhooks: Sequence[Webhook]) -> dict[str, dict[str, float | None]]:
    """p50/p99 in ms and the count of the webhooks of each URL path, slowest p99 first: where
    the gateway's tail is."""
    paths: dict[str, list[float]] = {}
    for w in webhooks:
        paths.setdefault(w.path, []).append(w.seconds)
    figures = {p: {**percentiles(s, (50, 99)), "count": float(len(s))} for p, s in paths.items()}
    return dict(sorted(figures.items(), key=lambda kv: -(kv[1]["p99"] or 0.0)))


def settle_outbox(
    database_url: str, call_sids: list[str]
) -> tuple[int, dict[str, int], dict[str, int]]:
    """Reports of these calls, their outbox rows by status once none is pending or being sent
    (or ``SETTLE_SECONDS`` have passed), and why the parked ones were parked (the city's
    answer, as staff see it: the storm's callers are synthetic, so it holds no one's words)."""
    engine = make_engine(database_url)
    rows = (
        select(OutboxRecord.status, OutboxRecord.last_error)
        .join(ReportRecord, OutboxRecord.report_id == ReportRecord.id)
        .where(ReportRecord.call_sid.in_(call_sids))
    )
    try:
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            with engine.connect() as connection:
                outbox = list(connection.execute(rows))
                reports = len(
                    list(
                        connection.scalars(
                            select(ReportRecord.id).where(ReportRecord.call_sid.in_(call_sids))
                        )
                    )
                )
            statuses = Counter(status for status, _ in outbox)
            busy = statuses["pending"] + statuses["sending"]
            if not busy or time.monotonic() > deadline:
                parked = Counter(error[:160] for status, error in outbox if status == "parked")
                return reports, dict(statuses), dict(parked)
            time.sleep(1)
    finally:
        engine.dispose()


def call_failed(outcome: CallOutcome, filed: set[str]) -> bool:
    bad_answer = any(w.status is None or not 200 <= w.status < 300 for w in outcome.webhooks)
    return bad_answer or outcome.ended_by != "gateway" or outcome.call_sid not in filed


def dropped(webhooks: Sequence[Webhook]) -> bool:
    return any(w.seconds >= WEBHOOK_LIMIT * 0.99 for w in webhooks)


def filed_sids(database_url: str, call_sids: list[str]) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(ReportRecord.call_sid).where(ReportRecord.call_sid.in_(call_sids))
            return {sid for sid in connection.scalars(query) if sid}
    finally:
        engine.dispose()


def replay(
    outcomes: Sequence[CallOutcome], app: str, env: dict[str, str], pace: float
) -> tuple[list[Webhook], float]:
    """The storm's webhooks sent again, at the same times, to ``app`` (``bare_server``'s bare
    or floor app) under the gateway's server options; its webhooks and the wall time taken."""
    port = free_port()
    server = start_bare_server(port, env, app)
    try:
        url = f"http://127.0.0.1:{port}/voice"
        began = time.perf_counter() + 0.5
        with shared_transport(len(outcomes)) as transport:
            replays = all_at_once(
                len(outcomes),
                lambda i: replay_call(outcomes[i], url, TOKEN, transport, pace, began),
            )
        return [w for r in replays for w in r], time.perf_counter() - began
    finally:
        with held():
            server.terminate()
            server.wait(30)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the storm and the bare app's replay; the figures (see the module's docstring)."""
    city = CITIES[args.city]
    addresses = sample_addresses(city, args.calls + 1, args.seed)
    warm_up = plan(addresses[:1], 1.0 if args.audio_share > 0 else 0.0, 0.0, args.seed + 1)[0]
    calls = plan(addresses[1:], args.audio_share, args.ramp, args.seed)
    audio = Path(tempfile.gettempdir()) / "voice311-storm" / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    synthesise([warm_up, *calls], audio)
    print(f"voices synthesised in {time.perf_counter() - began:.0f} s", flush=True)
    with (
        temporary_folder("voice311-storm-") as folder,
        fresh_store(args.database, Path(folder), args.postgres_url) as url,
        MediaServer(auth_token=TOKEN) as media,
    ):
        port = free_port()
        env = gateway_env(url, port, TOKEN, media.base_url.removeprefix("http://"))
        if args.web_workers > 1:  # the replayed apps run under the same server options
            env.update(IVR_WEB_WORKERS=str(args.web_workers), IVR_SECRET_KEY="storm-" * 6)
        if city.name != "boston":
            env["IVR_GAZETTEER_FILE"] = str(city.addresses)
        settings = Settings.from_env(env)
        options, source = serve_options(settings)
        target = Target(settings.public_base_url, TOKEN)
        with running_gateway(env, port, Path(folder)) as pid:
            print(f"ivr serve ready in {time.perf_counter() - began:.0f} s", flush=True)
            with shared_transport(1) as transport:
                warm = place_storm_call(warm_up, target, media, audio, transport, 0.0, 0.0)
            if warm.call_sid not in filed_sids(url, [warm.call_sid]):
                raise SystemExit(f"the warm-up call filed no report (it ended: {warm.ended_by})")
            if any(c.voice for c in calls):  # the recognisers loaded in every worker
                print(f"gateway idle after {wait_idle(pid):.0f} s more", flush=True)
            sampler = TreeSampler(pid)
            sampler.start()
            storm_began = time.perf_counter() + 0.5
            with shared_transport(len(calls)) as transport:
                outcomes = all_at_once(
                    len(calls),
                    lambda i: place_storm_call(
                        calls[i], target, media, audio, transport, args.pace, storm_began
                    ),
                )
            storm_seconds = time.perf_counter() - storm_began
            usage = sampler.stop()
            sids = [o.call_sid for o in outcomes]
            reports, outbox, parked = settle_outbox(url, sids)
            filed = filed_sids(url, sids)
        if args.keep_log:  # the access log's durations: the app's own time of each webhook
            shutil.copyfile(Path(folder) / "serve.log", args.keep_log)
        app_lines = access_lines(Path(folder) / "serve.log")
        # The replays run on the store the gateway used (the floor app writes its own table).
        print(f"storm over in {storm_seconds:.0f} s; the bare app now", flush=True)
        bare_hooks, bare_seconds = replay(outcomes, "bare", env, args.pace)
        print("the floor app now", flush=True)
        floor_hooks, floor_seconds = replay(outcomes, "floor", env, args.pace)
    steps = [w for o in outcomes for w in o.webhooks if not w.transcript]
    waits = [w for o in outcomes for w in o.webhooks if w.transcript]
    points = (50, 95, 99)
    ours = percentiles([w.seconds for w in steps], points)
    theirs = percentiles([w.seconds for w in bare_hooks], points)
    floor = percentiles([w.seconds for w in floor_hooks], points)
    in_app = [app_lines[w.request_id] for w in steps if w.request_id in app_lines]
    return {
        "calls": len(calls),
        "audio_calls": sum(1 for c in calls if c.voice),
        "database": args.database,
        "pace": args.pace,
        "errors": sum(1 for o in outcomes if call_failed(o, filed)),
        "ended_by": dict(Counter(o.ended_by for o in outcomes)),
        "problems": dict(Counter(o.problem for o in outcomes if o.problem)),
        "dropped": sum(1 for o in outcomes if dropped(o.webhooks)),
        "webhooks": len(steps) + len(waits),
        "webhook_ms": ours,
        "webhook_ms_by_path": by_path(steps),
        "in_app_webhooks": len(in_app),
        "in_app_ms": {
            part: percentiles([line[part] / 1000 for line in in_app if part in line], points)
            for part in PARTS
        },
        "in_app_slowest_1_percent_ms": slowest_share(in_app, 0.01),
        "transcript_webhooks": len(waits),
        "transcript_webhook_ms": percentiles([w.seconds for w in waits], points),
        "bare_webhook_ms": theirs,
        "bare_errors": sum(1 for w in bare_hooks if w.status is None or w.status >= 300),
        "ratio_gateway_to_bare": {k: ratio(v, theirs[k]) for k, v in ours.items()},
        "floor_webhook_ms": floor,
        "floor_errors": sum(1 for w in floor_hooks if w.status is None or w.status >= 300),
        "ratio_gateway_to_floor": {k: ratio(v, floor[k]) for k, v in ours.items()},
        "ratio_floor_to_bare": {k: ratio(v, theirs[k]) for k, v in floor.items()},
        "read_back_ms": percentiles([s for o in outcomes for s in o.read_backs], (50, 95)),
        "read_backs": sum(len(o.read_backs) for o in outcomes),
        "reports_filed": reports,
        "outbox": outbox,
        "parked_because": parked,
        "gateway_cpu_seconds": round(usage.cpu_seconds, 1),
        "gateway_peak_rss_mib": round(usage.peak_rss_mib),
        "gateway_processes": usage.processes,
        "gateway_threads": usage.threads,
        "storm_seconds": round(storm_seconds, 1),
        "requests_per_second": round((len(steps) + len(waits)) / storm_seconds, 1),
        "bare_requests_per_second": round(len(bare_hooks) / bare_seconds, 1),
        "floor_requests_per_second": round(len(floor_hooks) / floor_seconds, 1),
        # the scalar settings only: logconfig_dict names its formatter class (not JSON)
        "server": {
            k: v for k, v in options.items() if k != "bind" and isinstance(v, str | int | float)
        },
        "server_settings_from": source,
        "recognition_workers": getattr(settings, "recognition_worker_count", None),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("IVR_TEST_POSTGRES_URL", ""),
        help="a server where new databases may be created (default: IVR_TEST_POSTGRES_URL)",
    )  # fmt: skip
    parser.add_argument("--audio-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--city", choices=sorted(CITIES), default="boston")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds the starts spread over")
    parser.add_argument("--pace", type=float, default=1.0, help="1: real time; 0: no waiting")
    parser.add_argument(
        "--web-workers", type=int, default=1,
        help="web processes of ivr serve (IVR_WEB_WORKERS), and of the bare and floor apps",
    )  # fmt: skip
    parser.add_argument("--json", default="", help="write the figures to this file")
    parser.add_argument("--keep-log", default="", help="copy the gateway's log to this file")
    args = parser.parse_args(argv)
    if args.database == "postgres" and not args.postgres_url:
        parser.error("--database postgres needs --postgres-url (scripts/start-postgres prints one)")
    if not 0 <= args.audio_share <= 1 or min(args.calls, args.web_workers) < 1:
        parser.error("--calls and --web-workers must be 1 or more, --audio-share 0 to 1")
    if args.pace < 0 or args.ramp < 0:
        parser.error("--pace and --ramp must be 0 or more")
    return args


def main(argv: list[str]) -> None:
    """Run the storm; SIGTERM or Ctrl-C stops it, with its servers stopped and its folder
    removed (:mod:`benchmarks.storm_stopping`), and :class:`Stopped` raised."""
    args = parse_args(argv)
    with stopped_by_signals():
        figures = run(args)
    print_figures(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Stopped as stopped:
        print(f"storm stopped by {stopped}: its servers stopped, its folder removed", flush=True)
        sys.stderr.flush()
        os._exit(128 + stopped.signum)  # the calls still in flight are not waited for
