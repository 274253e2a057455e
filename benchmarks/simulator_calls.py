"""How many simulated calls a second the simulator places against a trivial gateway.

Run: .venv/bin/python benchmarks/simulator_calls.py [calls]
Each call: incoming request, a menu <Gather>, a speech <Gather>, a goodbye; 3 signed requests
plus a status callback, over real HTTP on 127.0.0.1. Prints calls per second and ms per request.
"""

from __future__ import annotations

import sys
import threading
import time

import httpx
from flask import Flask, Response
from werkzeug.serving import make_server

from ivr.simulator import CallOptions, Press, Speak, place_call

MENU = '<Response><Gather action="/where" numDigits="1"><Say>Press 1.</Say></Gather></Response>'
WHERE = '<Response><Gather input="speech" action="/bye"><Say>Where?</Say></Gather></Response>'
BYE = "<Response><Say>Thank you. Goodbye.</Say></Response>"


def gateway() -> Flask:
    app = Flask("bench")
    for path, body in (("/voice", MENU), ("/where", WHERE), ("/bye", BYE), ("/status", "")):
        app.add_url_rule(
            path, path, lambda body=body: Response(body, mimetype="text/xml"), methods=["POST"]
        )
    return app


def main(calls: int) -> None:
    server = make_server("127.0.0.1", 0, gateway(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with httpx.Client() as client:
        options = CallOptions(
            voice_url=f"{base}/voice", auth_token="t" * 32, status_callback=f"{base}/status"
        )
        steps = [Press("1"), Speak("twelve thirty four washington street")]
        place_call(client, options, steps)  # warm up
        started = time.perf_counter()
        for _ in range(calls):
            place_call(client, options, steps)
        elapsed = time.perf_counter() - started
    server.shutdown()
    print(
        f"{calls} calls in {elapsed:.2f} s: {calls / elapsed:.1f} calls/s, "
        f"{1000 * elapsed / (calls * 4):.2f} ms per request"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
