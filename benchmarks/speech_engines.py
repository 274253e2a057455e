"""Speech engines compared on telephone-channel Boston addresses: PocketSphinx settings, and
Whisper's speed and prompts.

PocketSphinx, for each variant: model load seconds, grammar compile seconds, real-time factor on
one thread (decode seconds / audio seconds), word accuracy (1 - word error rate) and
exact-address rate on N synthesised addresses (several voices, clean and at 20 dB SNR), and peak
RSS of the process.

Whisper: decode seconds (wall and CPU) per utterance for
tiny.en and base, beam 1 and 5, 1 and 2 CPU threads; then how many addresses come back with
their house number and street, without a prompt and with the address prompt (English with
tiny.en and base, Spanish with base).

    PYTHONPATH=. .venv/bin/python benchmarks/speech_engines.py [-n 16] [--jsgf]
        [--only pocketsphinx|whisper] [--whisper-n 40]

``--jsgf`` adds the street list as a JSGF grammar (one utterance only: it is very slow).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

from num2words import num2words

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.eval_figures import word_errors
from speech.grammars import spoken_house_number, street_grammar
from speech.pocketsphinx_engine import CHOSEN_SETTINGS, PocketSphinxEngine
from speech.recognizer import FREE, Grammar
from speech.whisper_engine import ADDRESS_PROMPTS, WhisperEngine
from tests.support.speech_audio import boston_streets, spoken_pcm

VOICES = ("flite:rms", "flite:awb", "flite:slt", "espeak:en-us")


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


def whisper_addresses(count: int, streets: tuple[str, ...], spanish: bool = False) -> list:
    """(said, house number, street, voice, snr): English in the three house-number styles with
    a lead-in now and then; Spanish ("cuatro treinta y ocho Washington Street") with espeak:es."""
    rng = random.Random(915)
    chosen = []
    for at in range(count):
        street = rng.choice(streets)
        number = rng.randrange(1, 2000)
        snr = None if at % 2 == 0 else 20.0
        if spanish:
            said = f"{num2words(number, lang='es')} {street}"
            chosen.append((said, number, street, "espeak:es", snr))
            continue
        spoken = spoken_house_number(number, at % 3)
        lead = ("", "um the address is ", "it's at ")[at % 3]
        chosen.append((f"{lead}{spoken} {street}", number, street, VOICES[at % len(VOICES)], snr))
    return chosen


def heard_address(text: str, number: int, street: str) -> bool:
    """The house number's digits and the street's name (its suffix aside) both in ``text``."""
    flat = re.sub(r"[^\w ]+", " ", text.lower().replace(",", ""))
    digits = re.sub(r"(?<=\d) (?=\d)", "", flat)  # "9 15" → "915"
    name = " ".join(street.lower().split()[:-1]) or street.lower()
    return re.search(rf"\b{number}\b", digits) is not None and name in flat


def whisper_speed(models: tuple[str, ...], clips: list) -> None:
    for model in models:
        for threads in (1, 2):
            for beam in (1, 5):
                began = time.perf_counter()
                engine = WhisperEngine(model, beam_size=beam, cpu_threads=threads)
                load = time.perf_counter() - began
                engine.recognize(clips[0])  # the first decode allocates buffers: not counted
                wall = cpu = audio = 0.0
                worst = 0.0
                for pcm in clips:
                    began, began_cpu = time.perf_counter(), time.process_time()
                    engine.recognize(pcm)
                    seconds = time.perf_counter() - began
                    wall += seconds
                    cpu += time.process_time() - began_cpu
                    audio += pcm.seconds
                    worst = max(worst, seconds)
                print(
                    f"whisper {model:8} threads {threads} beam {beam}  load {load:4.1f}s  "
                    f"decode {wall / len(clips):5.2f}s/utt (max {worst:4.2f})  "
                    f"CPU {cpu / len(clips):5.2f}s/utt  RTF {wall / audio:5.3f}",
                    flush=True,
                )


EXAMPLE_PROMPTS = {  # the kind of prompt not chosen: it names a street and a number
    "en": "The address is 1250 Elm Street.",
    "es": "La dirección es 1250 Elm Street.",
}


def whisper_prompts(model: str, cases: list, language: str) -> None:
    """Addresses heard without a prompt, with the chosen one and with an example address
    (``copied``: transcripts holding the example's street or number)."""
    engine = WhisperEngine(model)
    address = street_grammar(["Elm Street"])  # an address grammar: only its kind matters
    chosen = dict(ADDRESS_PROMPTS)
    for label, prompts in (("no prompt", None), ("chosen", chosen), ("example", EXAMPLE_PROMPTS)):
        ADDRESS_PROMPTS.clear()
        ADDRESS_PROMPTS.update(prompts or {})
        right = copied = 0
        decode = 0.0
        for said, number, street, voice, snr in cases:
            grammar = address if prompts else FREE
            transcript = engine.recognize(spoken_pcm(said, voice, snr), grammar, language=language)
            right += heard_address(transcript.text, number, street)
            copied += "elm" in transcript.text.lower() or "1250" in transcript.text
            decode += transcript.decode_seconds
        print(
            f"whisper {model:8} {language} prompt {label:9} number and street heard "
            f"{right:2}/{len(cases)}  copied {copied}  decode {decode / len(cases):4.2f}s/utt",
            flush=True,
        )
    ADDRESS_PROMPTS.clear()
    ADDRESS_PROMPTS.update(chosen)


def run_whisper(count: int) -> None:
    streets = boston_streets()
    english = whisper_addresses(count, streets)
    spanish = whisper_addresses(max(4, count // 2), streets, spanish=True)
    for said, _, _, voice, snr in english + spanish:
        spoken_pcm(said, voice, snr)  # synthesis is not timed
    # 3-8 s: addresses after a lead-in, and two that come with a description.
    led = [case for at, case in enumerate(english) if at % 3][:6]
    clips = [spoken_pcm(said, voice, snr) for said, _, _, voice, snr in led]
    for said, _, _, voice, snr in english[:2]:
        report = f"there is a pothole in front of {said} and it is getting bigger every day"
        clips.append(spoken_pcm(report, voice, snr))
    seconds = sorted(round(c.seconds, 1) for c in clips)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"Whisper speed: {len(clips)} clips of {seconds[0]}-{seconds[-1]} s, 8 kHz μ-law")
    print(f"(load average {load} on {os.cpu_count()} cores: figures are for this load)")
    whisper_speed(("tiny.en", "base"), clips)
    print(f"Whisper prompts: {len(english)} English, {len(spanish)} Spanish addresses")
    whisper_prompts("tiny.en", english, "en")
    whisper_prompts("base", english, "en")
    whisper_prompts("base", spanish, "es")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=16, help="addresses (default 16)")
    parser.add_argument("--jsgf", action="store_true", help="also the JSGF street grammar")
    parser.add_argument("--only", choices=("pocketsphinx", "whisper"), help="one engine only")
    parser.add_argument("--whisper-n", type=int, default=40, help="Whisper accuracy addresses")
    args = parser.parse_args()
    if args.only != "pocketsphinx":
        run_whisper(args.whisper_n)
    if args.only == "whisper":
        return
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
