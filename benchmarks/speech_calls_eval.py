"""Whole simulated calls for random Boston addresses, spoken by synthetic voices through a
telephone channel, recognised on this machine: how often the right place is found.

Run: PYTHONPATH=. .venv/bin/python benchmarks/speech_calls_eval.py [--calls 40] [--seed 311]
     [--voices flite:rms,flite:awb] [--snr 20] [--recognizer pocketsphinx]

Each address is said by the next voice, alternately clean and with noise at ``--snr`` dB. A call
says the address at the gateway's ``<Record>`` and listens to the read-back. When the read-back
is wrong (or the gateway cannot place the words), a second call answers as the flow offers: "2"
(try again), the house number on the keypad, the street name said; an ambiguous street gets the
ZIP code when it is theirs (else star, and the keypad path). A miss prints the street heard.
Printed: within 50 m on the first try and after the confirmation turn; confident
wrong (read back as found, more than 50 m off); recognition real-time factor (decode seconds /
audio seconds, per recording); seconds from the end of the caller's speech to the read-back
(the ``<Record>``'s silence timeout plus the gateway's real answer time, p50/p95); peak memory
(max RSS of this process: gateway, recogniser, simulator).
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ivr.addresses.readback import speak_house_number
from ivr.dialog.state import CallState
from ivr.jobs.queue import jobs_of_call
from ivr.settings import Settings
from ivr.simulator import CallOptions, HangUp, MediaServer, Press, Silence, SpeakAudio, place_call
from tests.calls.phone import AUTH_TOKEN, Gateway, prepared_store, running_gateway
from tests.support.speech_audio import spoken_wav

MENU = [Silence(), Press("2"), Press("1")]  # English; street defects; construction plate
RECORD_SILENCE_TIMEOUT = 1.0  # the location <Record>'s timeout: Twilio's wait after speech
ANSWERS = re.compile(rb"I heard|Enter the house number|ZIP code|connect you")


@dataclass(frozen=True)
class Address:
    number: str
    street: str
    postal_code: str
    lat: float
    lon: float

    @property
    def spoken(self) -> str:
        return f"{speak_house_number(self.number)} {self.street}"


@dataclass
class Timer:
    """Times from a location recording's action request to the first answer that tells the
    caller what was understood (a read-back, the keypad, the ZIP code, a person)."""

    sent: float | None = None
    latency: float | None = None

    def on_request(self, request: httpx.Request) -> None:
        if self.sent is None and request.url.path.endswith("/recording"):
            self.sent = time.perf_counter()

    def on_response(self, response: httpx.Response) -> None:
        if self.sent is None or self.latency is not None:
            return
        response.read()
        if ANSWERS.search(response.content):
            self.latency = time.perf_counter() - self.sent


def metres(lat: float, lon: float, address: Address) -> float:
    north = (lat - address.lat) * 111_320
    east = (lon - address.lon) * 111_320 * math.cos(math.radians(lat))
    return math.hypot(north, east)


def sample_addresses(path: Path, count: int, seed: int) -> list[Address]:
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["House number"].isdigit()]
    chosen = random.Random(seed).sample(rows, count)
    return [
        Address(
            r["House number"],
            r["Street name"],
            r["Postal code"],
            float(r["Latitude"]),
            float(r["Longitude"]),
        )
        for r in chosen
    ]


def call(gateway: Gateway, script: list[Any], timer: Timer | None = None) -> Any:
    hooks = {"request": [timer.on_request], "response": [timer.on_response]} if timer else {}
    with httpx.Client(timeout=30, event_hooks=hooks) as client:  # type: ignore[arg-type]
        options = CallOptions(
            voice_url=gateway.voice_url,
            auth_token=AUTH_TOKEN,
            status_callback=f"{gateway.base_url}/twilio/voice/status",
            pause_pace=1.0,  # "one moment" pauses take real time, as on a phone
        )
        return place_call(client, options, script, media=gateway.media)


def location_of(gateway: Gateway, call_sid: str) -> tuple[str, float, float, str] | None:
    """The call's location: outcome, latitude, longitude, street heard."""
    row = gateway.call_row(call_sid)
    assert row is not None
    place = CallState.from_dict(row.state).location
    if place is None or place.lat is None or place.lon is None:
        return None
    return place.outcome, place.lat, place.lon, place.street


def run(args: argparse.Namespace) -> None:
    settings = Settings()
    addresses = sample_addresses(settings.gazetteer_path, args.calls, args.seed)
    voices = args.voices.split(",")
    folder = Path(tempfile.mkdtemp(prefix="voice311-eval-"))
    store = prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    first = after = confident_wrong = 0
    latencies: list[float] = []
    ratios: list[float] = []
    with (
        MediaServer(auth_token=AUTH_TOKEN) as media,
        running_gateway(store, media=media, recognizer=args.recognizer) as gateway,
    ):
        for index, address in enumerate(addresses):
            voice = voices[index % len(voices)]
            snr = args.snr if (index // len(voices)) % 2 else None
            wav = folder / f"address-{index}.wav"
            wav.write_bytes(spoken_wav(address.spoken, voice, snr_db=snr))
            timer = Timer()
            result = call(gateway, [*MENU, SpeakAudio(wav), HangUp()], timer)
            if timer.latency is not None:
                latencies.append(timer.latency + RECORD_SILENCE_TIMEOUT)
            found = location_of(gateway, result.call_sid)
            right = found is not None and metres(found[1], found[2], address) <= 50
            read_back = found is not None and found[0] == "done"
            first += right and read_back
            confident_wrong += read_back and not right
            if not (right and read_back):
                right = retry(gateway, folder, index, address, voice, snr, wav, found)
            after += right
            with gateway.sessions() as session:
                for job in jobs_of_call(session, result.call_sid):
                    slots = (job.result or {}).get("slots", {})
                    audio = float(slots.get("location_words_audio_seconds", 0) or 0)
                    if audio:
                        ratios.append(float(slots["location_words_decode_seconds"]) / audio)
            mark = "ok" if right else f"MISS (said {address.street}, heard {found and found[3]})"
            print(f"{index + 1:3d} {voice:14s} snr={snr or 'clean':>5} {mark}", flush=True)
    report(args, first, after, confident_wrong, ratios, latencies)


def retry(
    gateway: Gateway,
    folder: Path,
    index: int,
    address: Address,
    voice: str,
    snr: float | None,
    wav: Path,
    found: tuple[str, float, float, str] | None,
) -> bool:
    """The confirmation turn: "no" to a wrong read-back, then the keypad path the flow offers
    (the house number keyed, the street said). Asked for the ZIP code of a street, the caller
    gives it when the street named is theirs, else presses star for the keypad path."""
    street = folder / f"street-{index}.wav"
    street.write_bytes(spoken_wav(address.street, voice, snr_db=snr))
    script: list[Any] = [*MENU, SpeakAudio(wav)]
    outcome = found[0] if found else "failed"
    if outcome == "ambiguous" and found is not None and found[3] == address.street:
        script += [Press(address.postal_code)]
    else:
        if outcome == "done":
            script += [Press("2")]
        elif outcome == "ambiguous":
            script += [Press("*")]
        script += [Press(f"{address.number}#"), SpeakAudio(street)]
    result = call(gateway, [*script, HangUp()])
    again = location_of(gateway, result.call_sid)
    return again is not None and again[0] == "done" and metres(again[1], again[2], address) <= 50


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def report(
    args: argparse.Namespace,
    first: int,
    after: int,
    confident_wrong: int,
    ratios: list[float],
    latencies: list[float],
) -> None:
    n = args.calls
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"{n} addresses, voices {args.voices}, clean and {args.snr} dB SNR, {args.recognizer}",
        f"within 50 m, first try:          {first}/{n} = {100 * first / n:.1f}%",
        f"within 50 m, after confirmation: {after}/{n} = {100 * after / n:.1f}%  (target >= 90%)",
        f"confident wrong:                 {confident_wrong}/{n} = "
        f"{100 * confident_wrong / n:.1f}%  (target <= 1%)",
    ]
    if ratios:
        lines.append(
            f"recognition real-time factor:    mean {statistics.mean(ratios):.2f}, "
            f"max {max(ratios):.2f}  (target <= 0.3)"
        )
    if latencies:
        lines.append(
            f"end of speech to read-back:      p50 {percentile(latencies, 0.5):.2f} s, "
            f"p95 {percentile(latencies, 0.95):.2f} s  (target <= 2 s)"
        )
    lines.append(f"peak memory (max RSS):           {peak:.0f} MiB")
    print("\n" + "\n".join(lines))


def main(argv: list[str]) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log between the figures
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument("--voices", default="flite:rms,flite:awb")
    parser.add_argument("--snr", type=float, default=20.0)
    parser.add_argument("--recognizer", default="pocketsphinx")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
