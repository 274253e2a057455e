"""Cost of the dialog engine inside one webhook (not a test): engine step + TwiML rendering.

Walks N whole intake calls generated from the configured services file (welcome, a service
said by name, an address said, read back, corrected by keypad and voice, a recording, the
final yes), with a state JSON round trip at every step as a webhook does, and prints the time
per webhook's worth of work: p50, p99 and max in milliseconds. Also times generating and
checking the intake flow itself. The address lookup is an in-memory table here: its own cost is
measured by benchmarks/address_eval.py.

    .venv/bin/python benchmarks/dialog_steps.py --calls 300
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence

from flows.catalogue import load_catalogues
from flows.check import check_flow
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, Place
from ivr.dialog.context import DialogContext, TransferTarget
from ivr.dialog.engine import start_call, step
from ivr.dialog.events import Event
from ivr.dialog.flow_library import intake_from_services
from ivr.dialog.state import CallState
from ivr.open311.catalogue import load_service_catalogue
from ivr.settings import Settings
from ivr.webhooks.twiml import render_twiml


class _TableResolver:
    """Every address said is on Washington Street (the lookup's own cost is not measured)."""

    source = "table"
    remote = False

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        number = words.split()[0]
        spot = Place(
            42.34, -71.07, number, "Washington Street", "WASHINGTON ST", postal_code="02118"
        )
        return [GeocodeResult(level=MatchLevel.ADDRESS, score=0.95, place=spot)]

    def geocode(self, candidates: Sequence[AddressCandidate]) -> list[GeocodeResult]:
        return [GeocodeResult(level=MatchLevel.NONE, score=0.0)]


def _urls(event: str, number: int) -> str:
    return f"https://gw.example/voice/CA/{number}/{event}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()

    started = time.perf_counter()
    services = load_service_catalogue(Settings().services_path)
    flow = intake_from_services(services)
    generated = time.perf_counter() - started
    catalogues = load_catalogues()
    started = time.perf_counter()
    problems = check_flow(flow, catalogues)
    checked = time.perf_counter() - started
    print(
        f"intake: {len(flow.states)} states, generated in {generated * 1000:.1f} ms, "
        f"checked in {checked * 1000:.1f} ms, {len(problems)} problems"
    )

    context = DialogContext(
        catalogues=catalogues,
        resolver=_TableResolver(),
        transfers={"operator": TransferTarget(number="+15555550100")},
    )
    timings: list[float] = []
    for number in range(args.calls):
        script = [
            lambda s: Event.start(),
            lambda s: Event.no_input(step=s),
            lambda s: Event.speech("a damaged tree", 0.9, step=s),
            lambda s: Event.speech("1234 washington street", 0.9, step=s),
            lambda s: Event.keypress("2", step=s),
            lambda s: Event.keypress("1243", step=s),
            lambda s: Event.speech("washington street", 0.9, step=s),
            lambda s: Event.speech("yes", 0.9, step=s),
            lambda s: Event.recording("https://api.twilio.test/rec/RE1", 5.0, step=s),
            lambda s: Event.keypress("1", step=s),
        ]
        stored = json.dumps(start_call(flow, f"CA{number:06d}").to_dict())
        for make in script:
            begin = time.perf_counter()
            state = CallState.from_dict(json.loads(stored))
            outcome = step(flow, state, make(state.step), context)
            render_twiml(outcome.actions, catalogues=catalogues, urls=_urls)
            stored = json.dumps(outcome.state.to_dict())
            timings.append(time.perf_counter() - begin)
        assert outcome.state.ended, "the scripted call did not reach its end"
    ms = sorted(t * 1000 for t in timings)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{len(ms)} webhook steps over {args.calls} calls: p50 {statistics.median(ms):.2f} ms, "
        f"p99 {p99:.2f} ms, max {ms[-1]:.2f} ms (state load + step + TwiML + state save)"
    )


if __name__ == "__main__":
    main()
