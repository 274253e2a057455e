"""A tiny stand-in city for client tests: a WSGI app that answers per (method, path) and
records every request it received, served over real HTTP by ``serve_wsgi``.

Each test builds its own routes, so each quirk of a real server is one small app. One real
server per test module (a :class:`Switchboard`) hands each test's requests to that test's app:
starting and stopping a server per test would cost half a second each.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from werkzeug.wrappers import Request, Response

from ivr.open311.client import Open311Client
from tests.support.live_server import serve_wsgi

Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Received:
    """One request as the city saw it: query and form fields in order, repeats kept."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...]
    content_type: str

    def query_value(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def form_values(self, name: str) -> list[str]:
        return [v for k, v in self.form if k == name]

    def names(self) -> set[str]:
        return {k for k, _ in self.query} | {k for k, _ in self.form}


@dataclass
class City:
    routes: dict[tuple[str, str], Handler]
    received: list[Received] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.received.append(
            Received(
                method=request.method,
                path=request.path,
                query=tuple(request.args.items(multi=True)),
                form=tuple(request.form.items(multi=True)),
                content_type=request.content_type or "",
            )
        )
        handler = self.routes.get((request.method, request.path))
        response = handler(request) if handler else Response("no such page", status=404)
        return response(environ, start_response)

    def hits(self, path: str) -> int:
        return sum(1 for r in self.received if r.path == path)


def as_json(body: Any, status: int = 200) -> Handler:
    return lambda _request: Response(json.dumps(body), status, mimetype="application/json")


def as_xml(body: str, status: int = 200) -> Handler:
    return lambda _request: Response(body, status, mimetype="text/xml")


def as_html(body: str, status: int = 200) -> Handler:
    return lambda _request: Response(body, status, mimetype="text/html")


class Switchboard:
    """One live server on 127.0.0.1 whose answers come from the app of the test running now."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.app: Any = Response("no city connected", status=503)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


@contextmanager
def switchboard() -> Iterator[Switchboard]:
    board = Switchboard("")
    with serve_wsgi(board) as url:
        board.url = url
        yield board


@contextmanager
def city_client(
    board: Switchboard,
    routes: dict[tuple[str, str], Handler],
    *,
    timeout: float = 5.0,
    **options: Any,
) -> Iterator[tuple[Open311Client, City]]:
    """A client pointed at ``/v2`` of a stand-in city answering on ``board``."""
    city = City(routes)
    board.app = city
    with httpx.Client(timeout=timeout) as http:
        yield Open311Client(http, f"{board.url}/v2", **options), city


class FakeClock:
    """A clock and a sleep that only move when told (sleeping moves the clock)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
