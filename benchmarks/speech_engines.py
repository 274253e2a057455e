"""PocketSphinx settings compared on telephone-channel Boston addresses.

For each variant: model load seconds, grammar compile seconds, real-time factor on one thread
(decode seconds / audio seconds), word accuracy (1 - word error rate) and exact-address rate
on N synthesised addresses (several voices, clean and at 20 dB SNR), and peak RSS of the process.

    PYTHONPATH=. .venv/bin/python benchmarks/speech_engines.py [-n 16] [--jsgf]

``--jsgf`` adds the street list as a JSGF grammar (one utterance only: it is very slow).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from speech.grammars import spoken_house_number, street_grammar
from speech.pocketsphinx_engine import CHOSEN_SETTINGS, PocketSphinxEngine
from speech.recognizer import FREE, Grammar
from tests.support.speech_audio import boston_streets, spoken_pcm

VOICES = ("flite:rms", "flite:awb", "flite:slt", "espeak:en-us")


def word_errors(said: list[str], heard: list[str]) -> int:
    row = list(range(len(heard) + 1))
    for i, word in enumerate(said, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def utterances(count: int, streets: tuple[str, ...]) -> list[tuple[str, str, float | None]]:
    rng = random.Random(311)
    chosen = []
    for at in range(count):
        street = street_grammar([rng.choice(streets)]).phrases[0]
        number = spoken_house_number(rng.randrange(1, 2000), rng.randrange(3))
        snr = None if at % 2 == 0 else 20.0
        chosen.append((f"{number} {street}", VOICES[at % len(VOICES)], snr))
    return chosen


def run(label: str, settings: dict[str, object], grammar: Grammar, cases: list) -> None:
    began = time.perf_counter()
    engine = PocketSphinxEngine(settings=settings, max_decoders=1)
    load = time.perf_counter() - began
    began = time.perf_counter()
    engine.recognize(spoken_pcm("one", "flite:rms"), grammar)  # compiles the grammar
    compile_seconds = time.perf_counter() - began
    errors = words = exact = 0
    audio = decode = 0.0
    for text, voice, snr in cases:
        transcript = engine.recognize(spoken_pcm(text, voice, snr), grammar)
        said = text.split()
        errors += word_errors(said, transcript.text.split())
        words += len(said)
        exact += transcript.text == text
        audio += transcript.audio_seconds
        decode += transcript.decode_seconds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label:34} load {load:5.2f}s  grammar {compile_seconds:5.2f}s  "
        f"RTF {decode / audio:5.3f}  word acc {1 - errors / words:6.1%}  "
        f"exact {exact:2}/{len(cases)}  peak RSS {peak:4.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=16, help="addresses (default 16)")
    parser.add_argument("--jsgf", action="store_true", help="also the JSGF street grammar")
    args = parser.parse_args()
    streets = boston_streets()
    grammar = street_grammar(streets)
    cases = utterances(args.n, streets)
    for text, voice, snr in cases:
        spoken_pcm(text, voice, snr)  # synthesis is not timed
    print(f"{args.n} addresses, voices {', '.join(VOICES)}, clean and 20 dB SNR, 8 kHz μ-law")
    run("street LM, PocketSphinx defaults", {}, grammar, cases)
    run("street LM, chosen settings", CHOSEN_SETTINGS, grammar, cases)
    run("street LM, chosen, no bestpath", {**CHOSEN_SETTINGS, "bestpath": False}, grammar, cases)
    run("free LM (en-us), chosen settings", CHOSEN_SETTINGS, FREE, cases)
    if args.jsgf:
        strict = Grammar(grammar.phrases, grammar.words, strict=True, name="jsgf-streets")
        run("street JSGF (1 utterance)", CHOSEN_SETTINGS, strict, cases[:1])


if __name__ == "__main__":
    main()
