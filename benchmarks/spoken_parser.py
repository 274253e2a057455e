"""Speed and accuracy of the spoken-address parser alone (not a test; prints figures).

Takes N random address points of the shipped Boston sample, says each one in several ways
callers do (house number in pairs as read back, digit by digit, as numerals, with fillers
around it, without the street suffix), parses every utterance with ``parse_spoken`` and prints,
per style: how often the best candidate is the true (house number, street key), how often the
truth is among the candidates, how often it is best when ``known_streets`` answers from the
sample's streets (as the gazetteer's does), and the parse time p50 / p99 / max in microseconds.

    .venv/bin/python benchmarks/spoken_parser.py --n 2000 --seed 7
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

from num2words import num2words

import ivr
from ivr.addresses.readback import speak_house_number
from ivr.addresses.spoken import parse_spoken
from ivr.addresses.streets import StreetName, parse_street, speakable_street

CSV = Path(ivr.__file__).parent / "data" / "boston-addresses.csv"


def _digits(number: str) -> str:
    return " ".join("oh" if d == "0" else str(num2words(int(d))) for d in number)


def _without_suffix(number: str, written: str) -> str:
    """ "twelve thirty four Washington": the street said without its type (or as it is when it
    has none), the truth then being the street's core."""
    street = parse_street(written)
    said = speakable_street(StreetName(street.predir, street.name, "", street.postdir))
    return f"{speak_house_number(number)} {said}"


STYLES: dict[str, Callable[[str, str], str]] = {
    "pairs": lambda n, w: f"{speak_house_number(n)} {speakable_street(w)}",
    "digits": lambda n, w: f"{_digits(n)} {speakable_street(w)}",
    "numerals": lambda n, w: f"{n} {w}",
    "fillers": lambda n, w: (
        f"um it's at uh {speak_house_number(n)} {speakable_street(w)} in boston"
    ),
}


def _sample(n: int, seed: int) -> list[tuple[str, str]]:
    with CSV.open(newline="", encoding="utf-8") as handle:
        rows = [
            (row["House number"], row["Street name"])
            for row in csv.DictReader(handle)
            if re.fullmatch(r"[1-9]\d{0,4}", row["House number"]) and ";" not in row["Street name"]
        ]
    return random.Random(seed).sample(rows, min(n, len(rows)))


def _city_streets() -> frozenset[str]:
    """Every street key and core of the sample: what the gazetteer's ``knows`` answers."""
    with CSV.open(newline="", encoding="utf-8") as handle:
        names = {row["Street name"] for row in csv.DictReader(handle)}
    streets = [parse_street(name) for name in names]
    return frozenset(s.key for s in streets) | frozenset(s.core for s in streets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sample = _sample(args.n, args.seed)
    known = _city_streets().__contains__
    print(f"{len(sample)} Boston address points, seed {args.seed}")
    print(
        f"{'style':<10} {'best':>7} {'among':>7} {'known':>7} "
        f"{'p50 µs':>8} {'p99 µs':>8} {'max µs':>8}"
    )
    for style, say in [*STYLES.items(), ("no suffix", _without_suffix)]:
        best = among = best_known = 0
        times: list[float] = []
        for number, written in sample:
            street = parse_street(written)
            truth = (number, street.core if style == "no suffix" else street.key)
            utterance = say(number, written)
            started = time.perf_counter()
            result = parse_spoken(utterance)
            times.append((time.perf_counter() - started) * 1e6)
            readings = [(c.house_number, c.street) for c in result.candidates]
            best += bool(readings) and readings[0] == truth
            among += truth in readings
            ranked = parse_spoken(utterance, known_streets=known).candidates
            best_known += bool(ranked) and (ranked[0].house_number, ranked[0].street) == truth
        times.sort()
        p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99)]
        total = len(sample)
        print(
            f"{style:<10} {best / total:>7.1%} {among / total:>7.1%} {best_known / total:>7.1%} "
            f"{p50:>8.0f} {p99:>8.0f} {times[-1]:>8.0f}"
        )


if __name__ == "__main__":
    main()
