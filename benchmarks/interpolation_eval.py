"""How far an interpolated house number lands from the truth (not a test).

Leave-one-out on the gazetteer: every known number of every street run is hidden in turn and
placed from the others, exactly as the geocoder would place a number missing from the
points. Prints the error by the distance between the two neighbours used and by side of the
street — the figures behind ``ivr.addresses.scoring.interpolation_quality``.

    .venv/bin/python benchmarks/interpolation_eval.py            # the shipped Boston points
    .venv/bin/python benchmarks/interpolation_eval.py --db URL   # a loaded gazetteer
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from ivr.addresses import scoring
from ivr.addresses.gazetteer import import_file, neighbourhoods_of
from ivr.addresses.geometry import Interpolation, distance_m, interpolate
from ivr.addresses.index_loading import load_index
from ivr.settings import PACKAGE_DATA, Settings
from ivr.store.db import make_engine, upgrade

SPANS = (60, 120, 200, 400)


def bucket(found: Interpolation) -> str:
    if found.beyond_range:
        return f"beyond the known numbers, {'same side' if found.same_parity else 'any side'}"
    side = "same side" if found.same_parity else "other side"
    upper = next((f"≤ {s} m" for s in SPANS if found.span_m <= s), f"> {SPANS[-1]} m")
    return f"{side}, neighbours {upper} apart"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="", help="a gazetteer already loaded")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'loo.db'}"
        engine = make_engine(url)
        if not args.db:
            upgrade(url)
            import_file(
                engine,
                PACKAGE_DATA / "boston-addresses.csv",
                neighbourhoods=neighbourhoods_of(Settings()),
            )
        index = load_index(engine)
        engine.dispose()

    errors: dict[str, list[float]] = defaultdict(list)
    quality: dict[str, float] = {}
    unplaced = 0
    for street in index.streets.values():
        for run in street.runs:
            for point in run.both:
                side = tuple(p for p in run.side(point.number) if p.number != point.number)
                both = tuple(p for p in run.both if p.number != point.number)
                found = interpolate(point.number, side, both, reach=scoring.INTERPOLATION_REACH)
                if found is None:
                    unplaced += 1
                    continue
                key = bucket(found)
                errors[key].append(distance_m(found.lat, found.lon, point.lat, point.lon))
                quality[key] = scoring.interpolation_quality(found)

    total = sum(len(v) for v in errors.values())
    print(f"{total} numbers placed from their neighbours, {unplaced} could not be placed\n")
    print(f"{'':44} {'n':>6} {'p50 m':>6} {'p90 m':>6} {'> 50 m':>7} {'quality':>8}")
    for key in sorted(errors):
        values = sorted(errors[key])
        n = len(values)
        wrong = sum(v > 50 for v in values) / n
        print(
            f"{key:44} {n:>6} {values[n // 2]:>6.0f} {values[int(n * 0.9)]:>6.0f} "
            f"{wrong:>7.1%} {quality[key]:>8.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
