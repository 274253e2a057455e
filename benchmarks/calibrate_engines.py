"""How often each engine's placed reading of an address is right, by its raw confidence: the
figures behind ``ivr.recordings.readings.CALIBRATION``.

Run: PYTHONPATH=. .venv/bin/python benchmarks/calibrate_engines.py [--n 60] [--seed 7]
     [--whisper-model tiny.en]

Random addresses of both sample cities (another seed than the evaluation's), said after a
lead-in half the time by five voices, clean, with white noise at 20 dB and brown noise at
15 dB, go through the gateway's own transcriber (both engines heard every time). Each engine's
reading is placed by the city's gazetteer and judged right when it lands within 50 m of the
address said. Printed per engine: placed readings and the share right in raw-confidence bands,
and the agreement and crossed readings' share right.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.speech_calls_eval import CITIES, sample_addresses
from ivr.cli import main
from ivr.recordings.readings import choose_reading, engine_reading
from ivr.recordings.transcription import Transcriber
from ivr.runtime import Runtime
from ivr.settings import Settings
from ivr.stopping import remove_when_this_process_exits
from ivr.store.db import upgrade
from tests.support.speech_audio import spoken_wav

VOICES = ("flite:rms", "flite:slt", "flite:awb", "flite:kal", "espeak:en-us")
CONDITIONS = ((None, "white"), (20.0, "white"), (15.0, "brown"))
LEAD_INS = ("", "", "the address is", "it's at", "um", "there's a problem near")
BANDS = (0.0, 0.2, 0.3, 0.45, 0.6, 0.7, 0.8, 0.9, 1.01)


def metres(lat: float, lon: float, to_lat: float, to_lon: float) -> float:
    north = (lat - to_lat) * 111_320
    east = (lon - to_lon) * 111_320 * math.cos(math.radians(lat))
    return math.hypot(north, east)


def transcriber_of(city: str, whisper_model: str) -> Transcriber:
    folder = tempfile.mkdtemp(prefix="calibrate-")
    remove_when_this_process_exits(Path(folder))
    url = f"sqlite:///{folder}/voice311.db"
    upgrade(url)
    env = {"IVR_DATABASE_URL": url}
    CliRunner().invoke(main, ["gazetteer", "import", str(CITIES[city].addresses)], env=env)
    settings = Settings(
        database_url=url,
        recognizer="whisper",
        whisper_model=whisper_model,
        models_dir=f"{folder}/models",  # the street models built for this run, not ./models
    )
    rt = Runtime(settings)
    transcriber = rt.job_handlers["transcribe"]
    assert isinstance(transcriber, Transcriber)
    transcriber.warm_up()
    return transcriber


def main_run(n: int, seed: int, whisper_model: str) -> None:
    rng = random.Random(seed)
    right: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    chosen_right: list[tuple[float, bool]] = []
    for city in ("boston", "miami"):
        transcriber = transcriber_of(city, whisper_model)
        resolver = transcriber._resolver  # the gateway's own
        for i, address in enumerate(sample_addresses(CITIES[city], n, seed)):
            voice = VOICES[i % len(VOICES)]
            snr, noise = CONDITIONS[i % len(CONDITIONS)]
            text = f"{rng.choice(LEAD_INS)} {address.spoken}".strip()
            wav = spoken_wav(text, voice, snr, noise=noise)  # type: ignore[arg-type]
            hearing = transcriber.hear(wav, grammar_name="streets", every_engine=True)
            for heard in hearing.heard:
                reading = engine_reading(heard, resolver, confident_score=0.8)
                if reading is None or not reading.placed or reading.result is None:
                    continue
                place = reading.result.place
                assert place is not None
                ok = metres(place.lat, place.lon, address.lat, address.lon) <= 50
                family = heard.engine.replace(":", " ").split()[0]
                right[family].append((reading.raw_confidence, ok))
            chosen = choose_reading(hearing.heard, resolver, confident_score=0.8)
            if chosen is not None and chosen.result is not None and chosen.result.place:
                place = chosen.result.place
                ok = metres(place.lat, place.lon, address.lat, address.lon) <= 50
                right[f"chosen {chosen.how}"].append((chosen.confidence, ok))
                chosen_right.append((chosen.confidence, ok))
    print(f"{2 * n} utterances; readings placed and right (within 50 m) by raw confidence")
    print("(chosen …: the reading the gateway passes on, by its calibrated confidence)")
    for gate in (0.3, 0.4, 0.5, 0.6):
        passed = [ok for c, ok in chosen_right if c >= gate]
        print(
            f"gate {gate:.1f}: {len(passed)} of {2 * n} read back, {sum(passed)} right, "
            f"{len(passed) - sum(passed)} wrong"
        )
    for family, rows in sorted(right.items()):
        print(f"{family}: {len(rows)} placed, {sum(ok for _, ok in rows)} right")
        for low, high in itertools.pairwise(BANDS):
            band = [ok for c, ok in rows if low <= c < high]
            if band:
                share = 100 * sum(band) / len(band)
                print(
                    f"   {low:.2f}–{min(high, 1.0):.2f}: {len(band):3d} placed, {share:5.1f}% right"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=60, help="addresses per city")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--whisper-model", default="tiny.en", help="tiny.en, base or a directory")
    args = parser.parse_args()
    main_run(args.n, args.seed, args.whisper_model)
