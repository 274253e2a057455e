"""A city of a million address points: import, index, recogniser start-up and lookup figures.

For each size (the first 100,000 rows of ``us-million-addresses.csv.gz`` as the baseline, then
all 1,000,000), the file is imported with the gateway's own import path
(:func:`ivr.addresses.gazetteer.import_points`, what ``ivr gazetteer import`` runs) into a
temporary SQLite store (and into PostgreSQL with ``--postgres URL``), and then, each in a fresh
process so that memory figures are the process's own:

- index: the gazetteer index loaded from the store (seconds, RSS growth) — which also keeps
  its snapshot on disk (:mod:`ivr.addresses.index_snapshot`, under ``<work>/cache``) — and
  again in a new process from that snapshot, as every later start loads it; then lookups of
  spoken-style addresses drawn with ``--seed`` from the dataset — house number and street said
  as callers say them, some with one recogniser-like error (a homophone, a dropped suffix, a
  sound-alike street word; ``benchmarks/address_eval.py`` makes them) — through
  ``GazetteerGeocoder.resolve``, as the call flow looks them up: p50/p95/p99 and the share
  placed within 50 m (in the process that loaded the snapshot);
- ready: the gateway's runtime built as ``ivr serve`` builds it, and the transcriber's
  ``warm_up`` (engines loaded, the city's street grammars built and compiled): seconds from
  the process's start, first on a cold street-model cache, then again on the warm one
  (``<models_dir>/grammars``), with the peak RSS of each.

Run:
    PYTHONPATH=. .venv/bin/python benchmarks/million_city.py
    PYTHONPATH=. .venv/bin/python benchmarks/million_city.py --sizes 100000 --no-recogniser
    PYTHONPATH=. .venv/bin/python benchmarks/million_city.py --postgres "$(scripts/start-postgres)"
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import logging
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path("/work/shared/data/us-million-addresses.csv.gz")
SIZES = (100_000, 1_000_000)
DATASET = "million-city"


# --- process figures -------------------------------------------------------------------------


def rss_mb() -> float:
    """The process's resident memory now, in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB on Linux


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- phases, each in a process of its own -----------------------------------------------------


def phase_import(args: argparse.Namespace) -> dict[str, Any]:
    """Import the first ``--size`` rows into ``--url`` and write the seeded queries."""
    from benchmarks.address_eval import Truth, prepare_database, utterances
    from ivr.addresses.gazetteer import import_points, neighbourhoods_of
    from ivr.settings import Settings
    from ivr.store.db import make_engine, upgrade

    prepare_database(args.url)
    upgrade(args.url)
    engine = make_engine(args.url)
    with gzip.open(args.file, "rt", encoding="utf-8-sig", newline="") as stream:
        rows = itertools.islice(stream, args.size + 1)  # the header and ``size`` rows
        report = import_points(
            engine,
            _Lines(rows),
            dataset=DATASET,
            replace=True,
            neighbourhoods=neighbourhoods_of(Settings()),
        )
    truths = _sample_truths(engine, args.addresses, random.Random(args.seed), Truth)
    engine.dispose()
    rng = random.Random(args.seed)
    said = [
        {
            "words": u.words,
            "group": u.group,
            "lat": u.truth.lat,
            "lon": u.truth.lon,
        }
        for truth in truths
        for u in utterances(truth, rng)
    ]
    Path(args.queries).write_text(json.dumps(said))
    return {"import_s": report.seconds, "points": report.points, "queries": len(said)}


class _Lines:
    """An iterator of lines as a text stream, for ``import_points`` (it reads with csv)."""

    def __init__(self, lines: Any) -> None:
        self._lines = iter(lines)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        return next(self._lines)

    def read(self, size: int = -1) -> str:
        return "".join(self._lines)


def _sample_truths(engine: Any, n: int, rng: random.Random, truth_type: Any) -> list[Any]:
    """``n`` address points with a plain house number, drawn with ``rng`` (reservoir: the
    points are not all held at once)."""
    from sqlalchemy import select

    from ivr.store.gazetteer_tables import GazetteerPoint

    table = GazetteerPoint.__table__
    query = select(
        table.c.house_number,
        table.c.house_number_int,
        table.c.street_key,
        table.c.neighbourhood,
        table.c.lat,
        table.c.lon,
    ).order_by(table.c.id)
    chosen: list[Any] = []
    seen = 0
    with engine.connect() as connection:
        for row in connection.execution_options(stream_results=True).execute(query):
            if not (re.fullmatch(r"\d{1,5}[A-Z]?", row[0]) and row[1]):
                continue
            seen += 1
            if len(chosen) < n:
                chosen.append(truth_type(*row))
            elif (at := rng.randrange(seen)) < n:
                chosen[at] = truth_type(*row)
    return chosen


def phase_index(args: argparse.Namespace) -> dict[str, Any]:
    """Load the index (seconds, RSS growth) and time the seeded lookups."""
    import gc

    from ivr.addresses.geocoder import GazetteerGeocoder
    from ivr.addresses.geometry import distance_m
    from ivr.addresses.index_loading import load_index
    from ivr.store.db import make_engine

    engine = make_engine(args.url)
    with engine.connect():
        pass  # the driver and pool are not the index's memory
    gc.collect()
    before = rss_mb()
    began = time.perf_counter()
    index = load_index(engine)
    load_s = time.perf_counter() - began
    gc.collect()
    index_mb = rss_mb() - before
    engine.dispose()
    queries = json.loads(Path(args.queries).read_text())
    geocoder = GazetteerGeocoder(index)
    for query in queries[:20]:
        geocoder.resolve(query["words"])
    times: list[float] = []
    within = 0
    for query in queries:
        began = time.perf_counter()
        best = geocoder.resolve(query["words"])[0]
        times.append((time.perf_counter() - began) * 1000.0)
        offered = [best.place, *best.alternatives] if best.ambiguous else [best.place]
        if any(
            p is not None and distance_m(p.lat, p.lon, query["lat"], query["lon"]) <= 50.0
            for p in offered
        ):
            within += 1
    return {
        "index_load_s": load_s,
        "index_mb": index_mb,
        "streets": len(index.streets),
        "p50_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "p99_ms": percentile(times, 0.99),
        "within_50m": within / max(1, len(queries)),
        "index_peak_mb": peak_rss_mb(),
    }


def phase_ready(args: argparse.Namespace) -> dict[str, Any]:
    """Build the runtime as ``ivr serve`` does and warm the transcriber up."""
    from ivr.recordings.transcription import Transcriber
    from ivr.runtime import Runtime
    from ivr.settings import Settings

    failures: list[str] = []

    class Failures(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                failures.append(record.getMessage())

    logging.getLogger("ivr").addHandler(Failures())
    settings = Settings(database_url=args.url, recognizer="whisper", models_dir=args.models)
    runtime = Runtime(settings)
    transcriber = runtime.job_handlers["transcribe"]
    assert isinstance(transcriber, Transcriber)
    transcriber.warm_up()
    ready_s = time.perf_counter() - STARTED
    if failures:
        raise SystemExit(f"the recogniser did not warm up: {failures[0]}")
    return {"ready_s": ready_s, "ready_peak_mb": peak_rss_mb()}


PHASES = {"import": phase_import, "index": phase_index, "ready": phase_ready}


def run_phase(*, cache_home: Path, **options: Any) -> dict[str, Any]:
    """Run one phase in a process of its own; index snapshots go to ``cache_home`` (what
    :func:`ivr.addresses.index_snapshot.default_root` reads from XDG_CACHE_HOME)."""
    command = [sys.executable, __file__]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"phase {options.get('phase')} failed ({done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- the whole run ---------------------------------------------------------------------------


def measure(size: int, url: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    queries = work / f"queries-{size}.json"
    common = {"file": args.file, "seed": args.seed, "addresses": args.addresses}
    cache_home = work / f"cache-{size}-{abs(hash(url)) % 10_000}"
    figures = run_phase(
        phase="import", url=url, size=size, queries=queries, cache_home=cache_home, **common
    )
    from_store = run_phase(phase="index", url=url, queries=queries, cache_home=cache_home)
    figures |= run_phase(phase="index", url=url, queries=queries, cache_home=cache_home)
    figures |= {
        "index_store_s": from_store["index_load_s"],
        "index_store_mb": from_store["index_mb"],
        "index_store_p99_ms": from_store["p99_ms"],
    }
    if args.recogniser:
        models = work / f"models-{size}-{abs(hash(url)) % 10_000}"
        cold = run_phase(phase="ready", url=url, models=models, cache_home=cache_home)
        warm = run_phase(phase="ready", url=url, models=models, cache_home=cache_home)
        figures |= {
            "ready_cold_s": cold["ready_s"],
            "ready_warm_s": warm["ready_s"],
            "peak_mb": max(cold["ready_peak_mb"], figures["index_peak_mb"]),
            "peak_warm_mb": warm["ready_peak_mb"],
        }
    return figures


ROWS = (
    ("points", "points imported", "{:,.0f}"),
    ("streets", "streets in the index", "{:,.0f}"),
    ("import_s", "import (s)", "{:.1f}"),
    ("index_store_s", "index load from the store (s)", "{:.1f}"),
    ("index_store_mb", "index memory from the store, RSS (MB)", "{:.0f}"),
    ("index_store_p99_ms", "lookup p99 after a load from the store (ms)", "{:.2f}"),
    ("index_load_s", "index load from its snapshot (s)", "{:.1f}"),
    ("index_mb", "index memory, RSS growth (MB)", "{:.0f}"),
    ("index_peak_mb", "peak RSS, index + lookups (MB)", "{:.0f}"),
    ("ready_cold_s", "recogniser ready, cold cache (s)", "{:.1f}"),
    ("ready_warm_s", "recogniser ready, warm cache (s)", "{:.1f}"),
    ("peak_mb", "peak RSS, cold start (MB)", "{:.0f}"),
    ("peak_warm_mb", "peak RSS, warm start (MB)", "{:.0f}"),
    ("queries", "lookups timed", "{:,.0f}"),
    ("p50_ms", "lookup p50 (ms)", "{:.2f}"),
    ("p95_ms", "lookup p95 (ms)", "{:.2f}"),
    ("p99_ms", "lookup p99 (ms)", "{:.2f}"),
    ("within_50m", "placed within 50 m", "{:.1%}"),
)


def print_table(columns: dict[str, dict[str, Any]]) -> None:
    names = list(columns)
    width = max(12, *(len(n) for n in names))
    print(f"\n{'':44}" + "".join(f"{n:>{width + 2}}" for n in names))
    for key, label, shape in ROWS:
        if not any(key in c for c in columns.values()):
            continue
        cells = [shape.format(c[key]) if key in c else "-" for c in columns.values()]
        print(f"{label:44}" + "".join(f"{cell:>{width + 2}}" for cell in cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DATA)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--addresses", type=int, default=500, help="address points said")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default="", help="also import into this PostgreSQL URL")
    parser.add_argument("--no-recogniser", dest="recogniser", action="store_false")
    # one phase, run by the benchmark itself in a fresh process
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    parser.add_argument("--models", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return 0
    columns: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="million-city-") as folder:
        work = Path(folder)
        for size in (int(s) for s in args.sizes.split(",")):
            label = f"{size // 1000:,}k" if size < 1_000_000 else f"{size / 1e6:g}M"
            url = f"sqlite:///{work}/city-{size}.db"
            columns[f"{label} sqlite"] = measure(size, url, work, args)
            print(f"measured {label} on SQLite", file=sys.stderr)
            if args.postgres:
                pg = re.sub(r"/[^/]*$", f"/million_city_{size}", args.postgres)
                columns[f"{label} pg"] = measure(size, pg, work, args)
                print(f"measured {label} on PostgreSQL", file=sys.stderr)
    print_table(columns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
