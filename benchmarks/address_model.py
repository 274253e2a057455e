"""The address language model with and without the gazetteer's real addresses.

Random Boston addresses (seeded), said by flite's rms and awb voices through the telephone
channel, clean and with white noise at each ``--snr``; recognised by PocketSphinx with
``street_grammar(streets)`` (house numbers drawn at random) and with
``street_grammar(streets, addresses)`` (every real house number of every street). Printed per
line condition: whole transcripts exactly right, and right somewhere in the 10-best.

    PYTHONPATH=. .venv/bin/python benchmarks/address_model.py [-n 60] [--snr 20,15] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.addresses.readback import speak_house_number
from ivr.addresses.streets import speakable_street
from ivr.settings import Settings
from speech.audio import resample
from speech.grammars import normalise_phrase, street_grammar
from speech.pocketsphinx_engine import PocketSphinxEngine
from speech.recognizer import Grammar
from tests.support.speech_audio import spoken_pcm

VOICES = ("flite:rms", "flite:awb")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=60)
    parser.add_argument("--snr", default="20,15")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with Settings().gazetteer_path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["House number"].isdigit()]
    said = lru_cache(maxsize=None)(speakable_street)
    streets = tuple(dict.fromkeys(said(r["Street name"]) for r in rows))
    pairs = {(int(r["House number"]), said(r["Street name"])) for r in rows}
    began = time.perf_counter()
    models: dict[str, Grammar] = {
        "random numbers only": street_grammar(streets),
        "+ the gazetteer's addresses": street_grammar(streets, sorted(pairs)),
    }
    print(f"grammars built in {time.perf_counter() - began:.1f} s")
    conditions = ["clean", *args.snr.split(",")]
    cases = []
    for at, row in enumerate(random.Random(args.seed).sample(rows, args.n)):
        text = normalise_phrase(f"{speak_house_number(row['House number'])} {row['Street name']}")
        line = conditions[(at // 2) % len(conditions)]
        snr = None if line == "clean" else float(line)
        cases.append((text, spoken_pcm(text, VOICES[at % 2], snr), line))
    engine = PocketSphinxEngine(max_decoders=1)
    for label, grammar in models.items():
        scores = {line: [0, 0, 0] for line in conditions}
        for text, pcm, line in cases:
            texts = [
                a.text
                for a in engine.recognize(resample(pcm, 16000), grammar, n_best=10).alternatives
            ]
            score = scores[line]
            score[0] += bool(texts) and texts[0] == text
            score[1] += text in texts
            score[2] += 1
        shown = "  ".join(
            f"{line}: {e}/{n} exact, {i}/{n} in 10-best" for line, (e, i, n) in scores.items()
        )
        print(f"{label:28s} {shown}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
