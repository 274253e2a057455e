"""Whole simulated calls, recognised on this machine: random addresses of Boston and Miami said
by synthetic voices through a telephone line (clean, white or brown noise), the caller reacting
to what the gateway says — confirming a right read-back, repairing a wrong one in the same call.

Run: PYTHONPATH=. .venv/bin/python benchmarks/speech_calls_eval.py [--calls-per-condition 10]
     [--cities boston,miami] [--conditions clean,white20,white15,brown20,brown15]
     [--voices flite:rms,flite:slt,flite:awb,espeak:en-us] [--recognizer pocketsphinx]
     [--seed 311] [--jobs 2] [--lead-in-share 0.5] [--results FILE] [--verbose] [--serve]
     [--setting IVR_NAME=VALUE ...]

Each call is one person (``eval_callers.EvalCaller``): an address drawn with the seed from the
city's address file (the same addresses under every condition, so conditions compare pairwise),
a problem, a voice (in turn), a lead-in for ``--lead-in-share`` of the calls. A gateway per
city runs on a store holding that city's gazetteer, with the recogniser ``--recognizer``
names: in this process, or with ``--serve`` as ``ivr serve`` (a web process and recognition
worker processes, as a city runs it). Each finished call is appended to ``--results`` (JSON
lines); a run started again with the same options skips the calls already there, so a stopped
run resumes; each record keeps the gateway's first reading of the address (``first_heard``).
The figures (``eval_figures``) cover every call in the file for the options given.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import math
import random
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.eval_callers import (
    LEAD_INS,
    PROBLEMS,
    Address,
    Condition,
    EvalCaller,
    Voice,
)
from benchmarks.eval_figures import CallRecord, print_figures
from benchmarks.eval_gateways import CITIES, USAGE, City, city_gateway
from ivr.addresses.address_files import load_neighbourhoods
from ivr.jobs.queue import jobs_of_call
from ivr.simulator import CallOptions, Respond, place_call
from ivr.simulator.caller_turns import speaking_time
from ivr.simulator.twiml_reader import Say, TwimlError, read_twiml
from tests.calls.phone import AUTH_TOKEN, Gateway

RECORD_SILENCE_TIMEOUT = 1.0  # the location <Record>'s timeout: Twilio's wait after speech
IN_PROCESS = "gateway, recogniser, simulator, synthesis"  # what this process does
IN_PROCESS_SERVED = "simulator, synthesis"  # with --serve: the gateway is ivr serve's
ASKS = (b"<Gather", b"<Record", b"<Dial", b"<Enqueue", b"<Hangup")  # the caller is answered


# Noise on the line is heard at the SNR named; brown noise in the caller's room (-room) loses
# most of its power to the line's 300 Hz cut (20 dB in the room is about 38 dB on the line).
CONDITIONS = {
    "clean": Condition("clean"),
    "white20": Condition("white20", "white", 20.0),
    "white15": Condition("white15", "white", 15.0),
    "brown20": Condition("brown20", "brown", 20.0),
    "brown15": Condition("brown15", "brown", 15.0),
    "brown20-room": Condition("brown20-room", "brown", 20.0, in_room=True),
    "white20-room": Condition("white20-room", "white", 20.0, in_room=True),
}


@dataclass(frozen=True)
class PlannedCall:
    key: str  # city/condition/index/address: what a resumed run skips
    city: str
    condition: str
    voice: str
    address: Address
    problem: int
    lead_in: str
    seed: int


def sample_addresses(city: City, count: int, seed: int) -> list[Address]:
    districts: dict[str, str] = {}
    if city.neighbourhoods is not None:
        with city.neighbourhoods.open(encoding="utf-8-sig", newline="") as stream:
            districts = load_neighbourhoods(stream)
    with city.addresses.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["House number"].isdigit()]
    chosen = random.Random(f"{seed}/{city.name}").sample(rows, count)
    return [
        Address(
            r["House number"],
            r["Street name"],
            r["Postal code"],
            float(r["Latitude"]),
            float(r["Longitude"]),
            districts.get(r["Postal code"], ""),
        )
        for r in chosen
    ]


def plan(args: argparse.Namespace) -> list[PlannedCall]:
    voices = args.voices.split(",")
    calls = []
    for city_name in args.cities.split(","):
        addresses = sample_addresses(CITIES[city_name], args.calls_per_condition, args.seed)
        for condition in args.conditions.split(","):
            for index, address in enumerate(addresses):
                rng = random.Random(f"{args.seed}/{city_name}/{index}")
                lead_in = rng.choice(LEAD_INS) if rng.random() < args.lead_in_share else ""
                calls.append(
                    PlannedCall(
                        f"{city_name}/{condition}/{index}/{address.number} {address.street}",
                        city_name,
                        condition,
                        voices[index % len(voices)],
                        address,
                        rng.randrange(len(PROBLEMS)),
                        lead_in,
                        rng.randrange(1 << 30),
                    )
                )
    return calls


class Timer:
    """Times each recording that carries the address or the street, from its action request
    to the first answer that asks the caller something (a read-back, a repair, a person).

    In a call that is not paced (``paced`` False: prompts take no time), a caller kept waiting
    still hears "one moment" before the redirect is fetched: the words of every answer in
    between are counted at a telephone voice's pace, as Twilio would take that long to say
    them. A paced call has slept them already."""

    def __init__(self, caller: EvalCaller, *, paced: bool = False) -> None:
        self._caller = caller
        self._paced = paced
        self._timed = 0
        self._sent: float | None = None
        self._said = 0.0  # seconds of words said to the caller while they waited
        self.latencies: list[float] = []

    def on_request(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/recording") and self._caller.address_turns > self._timed:
            self._timed = self._caller.address_turns
            self._sent = time.perf_counter()

    def on_response(self, response: httpx.Response) -> None:
        if self._sent is None:
            return
        response.read()
        if any(verb in response.content for verb in ASKS):
            waited = time.perf_counter() - self._sent + self._said + RECORD_SILENCE_TIMEOUT
            self.latencies.append(waited)
            self._sent, self._said = None, 0.0
            return
        if self._paced or not response.content:  # a status callback's 204 says nothing
            return
        try:
            verbs = read_twiml(response.content).verbs
        except TwimlError:
            return  # not TwiML (an error page): nothing said to the caller
        self._said += sum(speaking_time(v.text) for v in verbs if isinstance(v, Say))


def metres(lat: float, lon: float, address: Address) -> float:
    north = (lat - address.lat) * 111_320
    east = (lon - address.lon) * 111_320 * math.cos(math.radians(lat))
    return math.hypot(north, east)


def one_call(gateway: Gateway, planned: PlannedCall, audio: Path) -> CallRecord:
    voice = Voice(planned.voice, CONDITIONS[planned.condition], audio)
    problem = PROBLEMS[planned.problem]
    caller = EvalCaller(planned.address, problem, voice, planned.lead_in, planned.seed)
    timer = Timer(caller)
    began = time.perf_counter()
    hooks: dict[str, Any] = {"request": [timer.on_request], "response": [timer.on_response]}
    with httpx.Client(timeout=60, event_hooks=hooks) as client:
        options = CallOptions(
            voice_url=gateway.voice_url,
            auth_token=AUTH_TOKEN,
            status_callback=f"{gateway.base_url}/twilio/voice/status",
            pause_pace=1.0,  # "one moment" pauses take real time, as on a phone
        )
        result = place_call(client, options, [Respond(caller)], media=gateway.media)
    reports = gateway.reports_of(result.call_sid)
    decode: list[float] = []
    first_heard: dict[str, str] = {}
    with gateway.sessions() as session:
        for job in jobs_of_call(session, result.call_sid):
            slots = (job.result or {}).get("slots", {})
            decode += [float(v) for k, v in slots.items() if k.endswith("_decode_seconds")]
            if not first_heard and (job.data or {}).get("grammar") == "streets":
                first_heard = _reading(job.data.get("slot", ""), job.result or {})
    outcome, off, filed = "no report", None, ""
    if reports:
        report = reports[0]
        filed = report.description
        if report.lat is None or report.long is None:
            outcome = "no point"
        else:
            off = metres(report.lat, report.long, planned.address)
            outcome = "within 50 m" if off <= 50 else "off"
    notes = caller.notes
    return CallRecord(
        key=planned.key,
        city=planned.city,
        condition=planned.condition,
        voice=planned.voice,
        said=notes.said or planned.address.spoken,
        expected=planned.address.read_back,
        read_backs=[heard for heard, _ in notes.read_backs],
        first_answer=notes.first_answer,
        first_try_right=notes.first_try_right,
        repairs=notes.repairs,
        not_confirmed=notes.not_confirmed,
        outcome=outcome,
        metres_off=off,
        description=problem.description,
        filed_description=filed,
        latencies=timer.latencies,
        decode_seconds=decode,
        unknown=notes.unknown,
        ended_by=result.ended_by,
        seconds=time.perf_counter() - began,
        transcript=result.transcript.render(),
        first_heard=first_heard,
    )


def _reading(slot: str, result: dict[str, Any]) -> dict[str, str]:
    """A transcribe job's reading: the text passed on and what the slots say of it."""
    slots = result.get("slots", {})
    return {
        "text": str(result.get("text", "")),
        **{
            k: str(slots.get(f"{slot}_{k}", ""))
            for k in ("source", "engine", "confidence", "alternatives")
        },
    }


def results_path(args: argparse.Namespace) -> Path:
    if args.results:
        return Path(args.results)
    options = f"{args.seed}|{args.voices}|{args.recognizer}|{args.lead_in_share}"
    if args.serve:
        options += "|serve" + "".join(f"|{s}" for s in sorted(args.setting))
    digest = hashlib.sha1(options.encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / "voice311-eval" / f"calls-{digest}.jsonl"


def read_results(path: Path) -> dict[str, CallRecord]:
    if not path.exists():
        return {}
    records = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = CallRecord(**json.loads(line))
            records[record.key] = record
    return records


def run(args: argparse.Namespace) -> None:
    path = results_path(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    audio = path.parent / "audio"
    audio.mkdir(exist_ok=True)
    done = read_results(path)
    calls = plan(args)
    todo = [c for c in calls if c.key not in done]
    print(f"{len(calls)} calls, {len(calls) - len(todo)} already in {path}", flush=True)
    began, cpu = time.perf_counter(), time.process_time()
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="voice311-eval-") as folder:
        for city_name in args.cities.split(","):
            mine = [c for c in todo if c.city == city_name]
            if not mine:
                continue
            with city_gateway(CITIES[city_name], args, Path(folder)) as gateway:

                def call_and_keep(planned: PlannedCall) -> None:
                    record = one_call(gateway, planned, audio)
                    with lock:
                        done[record.key] = record
                        with path.open("a", encoding="utf-8") as out:
                            out.write(json.dumps(asdict(record)) + "\n")
                        print(record.line(), flush=True)

                with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                    list(pool.map(call_and_keep, mine))
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print_figures(
        [done[c.key] for c in calls if c.key in done],
        recognizer=args.recognizer,
        verbose=args.verbose,
        run_seconds=wall,
        run_cpu=cpu,
        calls_run=len(todo),
        peak_mib=peak,
        this_process=IN_PROCESS_SERVED if args.serve else IN_PROCESS,
    )
    if USAGE:
        cpu_s = sum(u.cpu_seconds for u in USAGE)
        print(
            f"ivr serve (every process: web, recognition workers): {cpu_s:.0f} CPU s; peak "
            f"memory {max(u.peak_rss_mib for u in USAGE):.0f} MiB over at most "
            f"{max(u.processes for u in USAGE)} processes"
        )


def main(argv: list[str]) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log between the figures
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls-per-condition", type=int, default=10)
    parser.add_argument("--cities", default="boston,miami")
    parser.add_argument("--conditions", default="clean,white20,white15,brown20,brown15")
    parser.add_argument("--voices", default="flite:rms,flite:slt,flite:awb,espeak:en-us")
    parser.add_argument("--recognizer", default="pocketsphinx")
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument("--jobs", type=int, default=2, help="calls at once")
    parser.add_argument("--lead-in-share", type=float, default=0.5)
    parser.add_argument("--results", default="", help="JSON lines of finished calls")
    parser.add_argument("--verbose", action="store_true", help="print the misses")
    parser.add_argument(
        "--serve",
        action="store_true",
        help="call `ivr serve` (web and recognition worker processes), not an in-process app",
    )
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="IVR_NAME=VALUE",
        help="a gateway setting for the run (with --serve; repeatable)",
    )
    args = parser.parse_args(argv)
    if args.setting and not args.serve:
        parser.error("--setting needs --serve")
    if any(not s.startswith("IVR_") or "=" not in s for s in args.setting):
        parser.error("--setting takes IVR_NAME=VALUE")
    unknown = [c for c in args.cities.split(",") if c not in CITIES]
    unknown += [c for c in args.conditions.split(",") if c not in CONDITIONS]
    if unknown:
        parser.error(
            f"unknown {', '.join(unknown)}; cities: {', '.join(CITIES)}; "
            f"conditions: {', '.join(CONDITIONS)}"
        )
    run(args)


if __name__ == "__main__":
    main(sys.argv[1:])
