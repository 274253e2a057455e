"""The evaluation's record of one call and the figures printed from many
(``speech_calls_eval.py`` makes the records).

Per condition (city × line): calls; first-try right (the first answer to the address was a
read-back naming the caller's place); filed within 50 m; filed more than 50 m off; filed without
a point (the place could not be confirmed); ended without a report; description word error
rate (the filed transcript against what was said, over all words); end of speech → read-back
p50/p95 (the ``<Record>`` silence timeout plus the gateway's answer time); decode seconds per
utterance (the transcript slots ``<slot>_decode_seconds``). Then the same over every call, the
run's wall and CPU time and the peak memory of the process.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

OUTCOMES = ("within 50 m", "off", "no point", "no report")
TRANSCRIPT_MARK = "[automatic transcript]"


@dataclass
class CallRecord:
    key: str
    city: str
    condition: str
    voice: str
    said: str  # the address as said, with its lead-in
    expected: str  # the read-back of the caller's own place
    read_backs: list[str] = field(default_factory=list)
    first_answer: str = ""
    first_try_right: bool = False
    repairs: list[str] = field(default_factory=list)
    not_confirmed: bool = False
    outcome: str = "no report"
    metres_off: float | None = None
    description: str = ""
    filed_description: str = ""
    latencies: list[float] = field(default_factory=list)
    decode_seconds: list[float] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    ended_by: str = ""
    seconds: float = 0.0
    transcript: str = ""
    # the gateway's first reading of the address: its text, source, engine and calibrated
    # confidence (what IVR_MIN_ADDRESS_CONFIDENCE is weighed against)
    first_heard: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        """One line per finished call, without the address (printed while the run goes)."""
        first = "first try" if self.first_try_right else (self.first_answer or "-")
        repairs = "+".join(self.repairs) or "-"
        return (
            f"{self.city:6s} {self.condition:12s} {self.voice:13s} {self.outcome:11s} "
            f"{first:12s} repairs {repairs:24s} {self.seconds:5.1f} s"
        )


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def transcript_filed(description: str) -> str:
    """The words of the automatic transcript in a filed description ("" when there is none)."""
    first = description.split("\n")[0]
    if TRANSCRIPT_MARK not in first:
        return ""
    return first.split(TRANSCRIPT_MARK, 1)[1]


def word_errors(said: list[str], heard: list[str]) -> int:
    """Word-level edit distance: substitutions, insertions and deletions (rapidfuzz)."""
    return int(Levenshtein.distance(said, heard))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def share(count: int, total: int) -> str:
    return f"{count:3d} {100 * count / total:5.1f}%" if total else "  -"


def summary(label: str, records: list[CallRecord]) -> str:
    n = len(records)
    outcomes = {name: sum(r.outcome == name for r in records) for name in OUTCOMES}
    filed = [r for r in records if r.outcome != "no report"]
    errors = sum(
        word_errors(words(r.description), words(transcript_filed(r.filed_description)))
        for r in filed
    )
    said = sum(len(words(r.description)) for r in filed)
    latencies = [value for r in records for value in r.latencies]
    decodes = [value for r in records for value in r.decode_seconds]
    wer = f"{100 * errors / said:5.1f}%" if said else "    -"
    timing = (
        f"{percentile(latencies, 0.5):4.2f}/{percentile(latencies, 0.95):4.2f}"
        if latencies
        else "   -/-   "
    )
    decode = f"{statistics.mean(decodes):5.2f}" if decodes else "    -"
    return (
        f"{label:22s} {n:5d}  {share(sum(r.first_try_right for r in records), n)}  "
        f"{share(outcomes['within 50 m'], n)}  {share(outcomes['off'], n)}  "
        f"{share(outcomes['no point'], n)}  {share(outcomes['no report'], n)}  {wer}  "
        f"{timing}  {decode}"
    )


HEADER = (
    f"{'condition':22s} {'calls':>5s}  {'first try':>10s}  {'<= 50 m':>10s}  {'> 50 m off':>10s}  "
    f"{'no point':>10s}  {'no report':>10s}  {'WER':>6s}  {'p50/p95 s':>9s}  {'dec s':>5s}"
)


def print_figures(
    records: list[CallRecord],
    *,
    recognizer: str,
    verbose: bool,
    run_seconds: float,
    run_cpu: float,
    calls_run: int,
    peak_mib: float,
    this_process: str = "gateway, recogniser, simulator, synthesis",
) -> None:
    if verbose:
        print_misses(records)
    groups: dict[tuple[str, str], list[CallRecord]] = {}
    for record in records:
        groups.setdefault((record.city, record.condition), []).append(record)
    print(f"\nrecognizer {recognizer}; p50/p95: end of speech to the answer (s); "
          "dec s: decode seconds per utterance")  # fmt: skip
    print(HEADER)
    for (city, condition), group in groups.items():
        print(summary(f"{city} {condition}", group))
    for city in dict.fromkeys(r.city for r in records):
        print(summary(f"{city} (all)", [r for r in records if r.city == city]))
    print(summary("overall", records))
    utterances = sum(len(r.decode_seconds) for r in records)
    print(
        f"\nthis run: {calls_run} calls in {run_seconds:.0f} s wall, {run_cpu:.0f} s CPU "
        f"(this process: {this_process}); "
        f"{utterances} utterances decoded over all calls; peak memory (max RSS) {peak_mib:.0f} MiB"
    )
    puzzled = sorted({text for r in records for text in r.unknown})
    if puzzled:
        print(f"prompts the caller could not answer ({len(puzzled)}):")
        for text in puzzled[:10]:
            print(f"  … {text}")


def print_misses(records: list[CallRecord]) -> None:
    """Every call not filed within 50 m at the first read-back: said, read back, outcome."""
    for r in records:
        if r.first_try_right and r.outcome == "within 50 m":
            continue
        off = f" {r.metres_off:.0f} m off" if r.metres_off is not None else ""
        print(f"MISS {r.key} [{r.voice}] {r.outcome}{off}")
        print(f"  said:      {r.said}")
        print(f"  expected:  {r.expected}")
        for heard in r.read_backs:
            print(f"  read back: {heard}")
        print(f"  answered:  first {r.first_answer or '-'}; repairs {' → '.join(r.repairs) or '-'}")
        filed = transcript_filed(r.filed_description)
        if filed:
            print(f"  described: {r.description!r} filed as {filed.strip()!r}")
