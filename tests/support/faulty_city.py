"""A city stand-in that injects faults in front of a real GeoReport v2 endpoint.

:class:`FaultyCity` is a WSGI app that passes requests on to the city (the embedded endpoint of
a second gateway) and, for each POST, plays the next fault of a seeded plan:

- ``ok``: passed on, answered as the city answered;
- ``error_500``: answered 500, not passed on; ``filed_then_500``: passed on (the city files
  it), then answered 500;
- ``html``: an HTML maintenance page with status 200, not passed on;
- ``slow_after``: passed on, then answered only after the client's timeout (the city filed it,
  the client does not know); ``slow_before``: passed on only after the client's timeout;
- ``kill``: passed on, then the worker that sent it is killed with SIGKILL before it hears
  the answer;
- ``outage``: answered 503, and the server stops listening for a while: connection refused.

GETs (lookups, tokens) are passed on, one in ten answered 500 instead. The same seed gives the
same sequence of faults; which report meets which fault depends on the workers' order.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

FAULTS = ("ok", "error_500", "filed_then_500", "html", "slow_after", "slow_before", "kill")
WEIGHTS = (50, 8, 6, 8, 8, 6, 6)
MAINTENANCE = "<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>"
PASSED_HEADERS = ("Content-Type", "Accept", "Idempotency-Key")


@dataclass(frozen=True)
class FaultPlan:
    seed: int = 304  # its first 24 POSTs meet every fault (the test files 30 reports)
    outage_every: int = 25  # every so many POSTs, the city goes away
    outage_seconds: float = 1.5
    slow_seconds: float = 1.6  # beyond the workers' timeout
    get_errors: float = 0.1

    def faults(self) -> Iterator[str]:
        rng = random.Random(self.seed)
        number = 0
        while True:
            number += 1
            if number % self.outage_every == 0:
                yield "outage"
            else:
                yield rng.choices(FAULTS, WEIGHTS)[0]


class FaultyCity:
    """The stand-in; ``kill_sender(client_port)`` kills the worker on that port (True if
    it did), ``go_down()`` starts an outage."""

    def __init__(
        self,
        city_url: str,
        plan: FaultPlan,
        http: httpx.Client,
        *,
        kill_sender: Callable[[int], bool],
        go_down: Callable[[], None],
    ) -> None:
        self.city_url = city_url.rstrip("/")
        self.plan = plan
        self.http = http
        self.kill_sender = kill_sender
        self.go_down = go_down
        self.injected: Counter[str] = Counter()
        self._faults = plan.faults()
        self._get_rng = random.Random(plan.seed + 1)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._answer(request)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        if request.method != "POST":
            with self._lock:
                fail = self._get_rng.random() < self.plan.get_errors
                self.injected["get_500" if fail else "get"] += 1
            return Response("busy", 500) if fail else self._pass_on(request)
        with self._lock:
            fault = next(self._faults)
            self.injected[fault] += 1
        if fault == "outage":
            self.go_down()
            return Response("unavailable", 503)
        if fault == "error_500":
            return Response("internal error", 500)
        if fault == "html":
            return Response(MAINTENANCE, 200, mimetype="text/html")
        if fault == "slow_before":
            time.sleep(self.plan.slow_seconds)
        answer = self._pass_on(request)
        if fault == "filed_then_500":
            return Response("internal error", 500)
        if fault == "slow_after":
            time.sleep(self.plan.slow_seconds)
        if fault == "kill" and not self.kill_sender(int(request.environ["REMOTE_PORT"])):
            with self._lock:
                self.injected["kill_missed"] += 1
        return answer

    def _pass_on(self, request: Request) -> Response:
        given = request.headers
        headers = {name: given[name] for name in PASSED_HEADERS if name in given}
        answer = self.http.request(
            request.method,
            self.city_url + request.path,
            params=list(request.args.items(multi=True)),
            content=request.get_data(),
            headers=headers,
        )
        return Response(
            answer.content, answer.status_code, content_type=answer.headers.get("content-type")
        )


class SwitchableServer:
    """A live server on a fixed port of 127.0.0.1 that can stop listening for a while."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._server: BaseWSGIServer | None = None
        self._lock = threading.Lock()
        self.port = 0
        self.outages = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = server.server_port
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def outage(self, seconds: float) -> None:
        """Stop listening now, listen again after ``seconds`` (in a thread of its own)."""

        def run() -> None:
            with self._lock:
                if self._server is None:
                    return
                self.outages += 1
                self.stop()
                time.sleep(seconds)
                self.start()

        threading.Thread(target=run, daemon=True).start()


@contextmanager
def serving(server: SwitchableServer) -> Iterator[str]:
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
