"""Evaluation of spoken-address resolution on a real city's address points (not a test).

Imports the address file into the database named by --db (timing the import), builds the
in-memory index, takes N random address points, says each one the ways callers do — digit by
digit, in pairs, with hundreds, with fillers ("um it's at …", "… in Dorchester") — and with
ONE recogniser-like word error (a homophone, a dropped suffix word, a near-sounding street
word, a dropped filler word), resolves every utterance as the call flow does
(``GazetteerGeocoder.resolve``) and prints, per style and per group (clean / one error):

- exact-address rate: the best result is the address point itself (number and street);
- rate within 50 m: the best result is within 50 m of the true point — or, when the result
  is ambiguous, the true point is among the places the caller would be offered (the best
  place and its alternatives);
- confident-wrong rate: a confident, unambiguous result more than 50 m from the truth;
- lookup latency p50 / p99 in milliseconds (parsing included).

    .venv/bin/python benchmarks/address_eval.py --n 1000 --seed 7
    .venv/bin/python benchmarks/address_eval.py --db postgresql+psycopg://u:p@127.0.0.1/eval

Without --db a SQLite file in a temporary folder is used. A PostgreSQL database that does not
exist yet is created.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jellyfish
from num2words import num2words
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from ivr.addresses.gazetteer import import_file, neighbourhoods_of
from ivr.addresses.geocoder import CONFIDENT_SCORE, GazetteerGeocoder
from ivr.addresses.geometry import distance_m
from ivr.addresses.index_loading import load_index
from ivr.addresses.streets import parse_street, speakable_street
from ivr.addresses.types import GeocodeResult, MatchLevel
from ivr.addresses.usps_suffixes import DIRECTIONAL_STANDARD, SUFFIX_STANDARD
from ivr.settings import PACKAGE_DATA, Settings
from ivr.store.db import make_engine, upgrade
from ivr.store.gazetteer_tables import GazetteerPoint

WITHIN_M = 50.0
TARGETS = {"clean": 0.99, "one error": 0.90}
NUMBER_HOMOPHONES = {"four": "for", "two": "to", "eight": "ate", "one": "won"}
SOUND_PAIRS = [("b", "p"), ("d", "t"), ("g", "k"), ("m", "n"), ("s", "z"), ("f", "v"), ("c", "k")]
VOWELS = "aeiou"


@dataclass(frozen=True)
class Truth:
    number: str
    value: int
    street_key: str
    neighbourhood: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Utterance:
    group: str  # "clean" or "one error"
    style: str
    words: str
    truth: Truth


# --- saying numbers -------------------------------------------------------------------------


def words(n: int) -> str:
    return str(num2words(n)).replace("-", " ").replace(",", "").replace(" and ", " ")


def pair(n: int) -> str:
    return f"oh {words(n)}" if n < 10 else words(n)


def say_pairs(n: int) -> str:
    if n < 100:
        return words(n)
    high, low = divmod(n, 100)
    if n >= 10000:
        return say_digits(n, zero="oh")
    if low == 0:
        return f"{words(n // 1000)} thousand" if n % 1000 == 0 else f"{words(high)} hundred"
    return f"{words(high)} {pair(low)}"


def say_hundreds(n: int) -> str:
    if n < 1000:
        return words(n)
    if n >= 10000:
        return words(n)
    if (n // 100) % 10 != 0:
        high, low = divmod(n, 100)
        return f"{words(high)} hundred" + (f" {words(low)}" if low else "")
    thousands, rest = divmod(n, 1000)
    return f"{words(thousands)} thousand" + (f" {words(rest)}" if rest else "")


def say_digits(n: int, *, zero: str) -> str:
    return " ".join(zero if d == "0" else words(int(d)) for d in str(n))


def say_number(truth: Truth, style: str, rng: random.Random) -> str:
    if style == "digits":
        spoken = say_digits(truth.value, zero=rng.choice(["oh", "oh", "zero"]))
    elif style == "hundreds":
        spoken = say_hundreds(truth.value)
    else:
        spoken = say_pairs(truth.value)
    letters = truth.number[len(str(truth.value)) :].strip()
    return f"{spoken} {letters.lower()}" if letters else spoken


def say_street(key: str) -> str:
    return speakable_street(parse_street(key)).lower().replace("'", "")


# --- one recogniser-like error ---------------------------------------------------------------


def homophone(number: str, street: str, rng: random.Random) -> str | None:
    tokens = number.split()
    spots = [i for i, t in enumerate(tokens) if t in NUMBER_HOMOPHONES]
    if spots:
        i = rng.choice(spots)
        tokens[i] = NUMBER_HOMOPHONES[tokens[i]]
        return f"{' '.join(tokens)} {street}"
    sounds = sound_alike(street, rng, same_sound_only=True)
    return f"{number} {sounds}" if sounds else None


def dropped_suffix(number: str, key: str) -> str | None:
    name = parse_street(key)
    if not name.suffix:
        return None
    core = " ".join(p for p in (name.predir, name.name, name.postdir) if p)
    spoken = speakable_street(parse_street(core)).lower().replace("'", "")
    return f"{number} {spoken}"


def sound_alike(street: str, rng: random.Random, *, same_sound_only: bool = False) -> str | None:
    """The street with one name word respelled: same metaphone, or one letter off by sound."""
    tokens = street.split()
    spots = [
        i
        for i, t in enumerate(tokens)
        if len(t) >= 4
        and t.isalpha()
        and t.upper() not in SUFFIX_STANDARD
        and t.upper() not in DIRECTIONAL_STANDARD
        and not is_ordinal_word(t)
    ]
    if not spots:
        return None
    i = max(spots, key=lambda j: len(tokens[j]))
    word = tokens[i]
    same = [v for v in vowel_changes(word) if jellyfish.metaphone(v) == jellyfish.metaphone(word)]
    near = [] if same_sound_only else letter_swaps(word)
    options = same + near
    if not options:
        return None
    tokens[i] = rng.choice(options)
    return " ".join(tokens)


def is_ordinal_word(word: str) -> bool:
    return bool(re.search(r"(first|second|third|th)$", word))


def vowel_changes(word: str) -> list[str]:
    return [
        word[:i] + v + word[i + 1 :]
        for i in range(1, len(word))
        if word[i] in VOWELS
        for v in VOWELS
        if v != word[i]
    ]


def letter_swaps(word: str) -> list[str]:
    out = []
    for i, ch in enumerate(word):
        for a, b in SOUND_PAIRS:
            if ch == a:
                out.append(word[:i] + b + word[i + 1 :])
            elif ch == b:
                out.append(word[:i] + a + word[i + 1 :])
    return out


def utterances(truth: Truth, rng: random.Random) -> list[Utterance]:
    street = say_street(truth.street_key)
    area = truth.neighbourhood.lower() or "boston"
    pairs = say_number(truth, "pairs", rng)
    said = {
        "digits": f"{say_number(truth, 'digits', rng)} {street}",
        "pairs": f"{pairs} {street}",
        "hundreds": f"{say_number(truth, 'hundreds', rng)} {street}",
        "filler: um it's at": f"um it's at {pairs} {street}",
        "filler: in <area>": f"{say_number(truth, 'hundreds', rng)} {street} in {area}",
    }
    out = [Utterance("clean", style, spoken, truth) for style, spoken in said.items()]
    filler = ["um", "it's", "at", pairs, street, "in", area]
    dropped = rng.choice([0, 1, 2, 5])
    errors = {
        "error: homophone": homophone(pairs, street, rng),
        "error: dropped suffix": dropped_suffix(pairs, truth.street_key),
        "error: sound-alike street word": (
            f"{pairs} {alike}" if (alike := sound_alike(street, rng)) else None
        ),
        "error: dropped filler": " ".join(w for j, w in enumerate(filler) if j != dropped),
    }
    out += [Utterance("one error", s, w, truth) for s, w in errors.items() if w]
    return out


# --- judging ---------------------------------------------------------------------------------


@dataclass
class Tally:
    total: int = 0
    exact: int = 0
    within: int = 0
    confident: int = 0
    confident_wrong: int = 0
    none: int = 0

    def add(self, outcome: dict[str, bool]) -> None:
        self.total += 1
        for name in ("exact", "within", "confident", "confident_wrong", "none"):
            setattr(self, name, getattr(self, name) + int(outcome[name]))


def judge(result: GeocodeResult, truth: Truth) -> dict[str, bool]:
    place = result.place
    if place is None:
        return dict(exact=False, within=False, confident=False, confident_wrong=False, none=True)
    offered = [place, *result.alternatives] if result.ambiguous else [place]
    near = [distance_m(p.lat, p.lon, truth.lat, truth.lon) <= WITHIN_M for p in offered]
    confident = result.score >= CONFIDENT_SCORE and not result.ambiguous
    exact = (
        not result.ambiguous
        and result.level is MatchLevel.ADDRESS
        and place.street_key == truth.street_key
        and (place.house_number or "") == truth.number
        and near[0]
    )
    return dict(
        exact=exact,
        within=any(near),
        confident=confident,
        confident_wrong=confident and not near[0],
        none=False,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- running ---------------------------------------------------------------------------------


def prepare_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def sample_truths(engine_url: str, n: int, rng: random.Random) -> list[Truth]:
    engine = make_engine(engine_url)
    table = GazetteerPoint.__table__
    query = select(
        table.c.house_number,
        table.c.house_number_int,
        table.c.street_key,
        table.c.neighbourhood,
        table.c.lat,
        table.c.lon,
    ).order_by(table.c.id)
    with engine.connect() as connection:
        rows = [
            Truth(*row)
            for row in connection.execute(query)
            if re.fullmatch(r"\d{1,5}[A-Z]?", row[0]) and row[1]
        ]
    engine.dispose()
    return rng.sample(rows, min(n, len(rows)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="address points to say")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="", help="SQLAlchemy URL (default: a temporary SQLite)")
    parser.add_argument("--file", type=Path, default=PACKAGE_DATA / "boston-addresses.csv")
    parser.add_argument("--show", type=int, default=0, help="print this many failures")
    parser.add_argument("--wrong-only", action="store_true", help="show confident wrong only")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'eval.db'}"
        return run(url, args)


def run(url: str, args: argparse.Namespace) -> int:
    prepare_database(url)
    upgrade(url)
    engine = make_engine(url)
    report = import_file(
        engine,
        args.file,
        dataset="address-eval",
        replace=True,
        neighbourhoods=neighbourhoods_of(Settings()),
    )
    print(f"database: {make_url(url).get_backend_name()}")
    print(
        f"import: {report.rows} rows, {report.points} points, {report.bad_rows} bad rows "
        f"in {report.seconds:.2f} s (target < 10 s)"
    )
    started = time.perf_counter()
    index = load_index(engine)
    engine.dispose()
    print(f"index: {len(index.streets)} streets built in {time.perf_counter() - started:.2f} s")

    rng = random.Random(args.seed)
    truths = sample_truths(url, args.n, rng)
    said = [u for truth in truths for u in utterances(truth, rng)]
    geocoder = GazetteerGeocoder(index)
    for warm in said[:20]:
        geocoder.resolve(warm.words)

    tallies: dict[str, Tally] = defaultdict(Tally)
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: list[tuple[Utterance, GeocodeResult]] = []
    clock: Callable[[], float] = time.perf_counter
    for utterance in said:
        started = clock()
        result = geocoder.resolve(utterance.words)[0]
        elapsed = (clock() - started) * 1000.0
        outcome = judge(result, utterance.truth)
        for key in (utterance.group, utterance.style):
            tallies[key].add(outcome)
            latencies[key].append(elapsed)
        if outcome["confident_wrong"] or (not outcome["within"] and not args.wrong_only):
            failures.append((utterance, result))

    print(f"\n{len(truths)} address points, {len(said)} utterances, seed {args.seed}")
    header = f"{'':34} {'n':>5} {'exact':>7} {'≤50 m':>7} {'conf.':>7} {'conf.wrong':>10}"
    print(header + f" {'p50 ms':>7} {'p99 ms':>7}")
    for key in sorted(tallies, key=lambda k: (k not in TARGETS, k)):
        t = tallies[key]
        lat = latencies[key]
        print(
            f"{key:34} {t.total:>5} {t.exact / t.total:>7.1%} {t.within / t.total:>7.1%} "
            f"{t.confident / t.total:>7.1%} {t.confident_wrong / t.total:>10.2%} "
            f"{statistics.median(lat):>7.2f} {percentile(lat, 0.99):>7.2f}"
        )
    every = [ms for key in TARGETS for ms in latencies[key]]
    verdicts = [
        ("import under 10 s", report.seconds < 10.0),
        ("lookup p99 under 5 ms", percentile(every, 0.99) < 5.0),
    ]
    for group, target in TARGETS.items():
        t = tallies[group]
        verdicts.append((f"{group}: ≥ {target:.0%} within 50 m", t.within / t.total >= target))
        verdicts.append((f"{group}: ≤ 1% confident wrong", t.confident_wrong / t.total <= 0.01))
    print()
    for name, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    for utterance, result in failures[: args.show]:
        place = result.place
        where = (
            f"{place.house_number} {place.street} {place.postal_code}"
            f" ({distance_m(place.lat, place.lon, utterance.truth.lat, utterance.truth.lon):.0f} m)"
            if place
            else result.reason
        )
        print(
            f"  [{utterance.style}] {utterance.words!r} → {result.level.value} {result.score} "
            f"amb={result.ambiguous} {where}; truth {utterance.truth.number} "
            f"{utterance.truth.street_key}"
        )
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
