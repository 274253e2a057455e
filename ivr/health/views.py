"""``/healthz`` (liveness) and ``/readyz`` (readiness) of the gateway.

``GET /healthz`` answers ``200 {"status": "ok"}`` as long as the process serves requests; it
touches nothing else, so a probe of it never fails because the database or a model is slow
(restart a process that stops answering it). ``GET /readyz`` answers ``200`` when the gateway
can take a call and ``503`` while it cannot, with each check and its state in the body
(:mod:`ivr.health.readiness`); send callers (the load balancer, Docker's ``HEALTHCHECK``)
only to a gateway that answers it with 200.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify

from ivr.health.readiness import Readiness
from ivr.runtime import Runtime

EXTENSION = "voice311.readiness"


def init_app(app: Flask, rt: Runtime) -> None:
    """The two routes on ``app``; the checks are made now (nothing runs until a probe)."""
    app.extensions[EXTENSION] = Readiness.for_runtime(rt)
    app.add_url_rule("/healthz", view_func=healthz, methods=["GET"])
    app.add_url_rule("/readyz", view_func=readyz, methods=["GET"])


def healthz() -> Response:
    return jsonify(status="ok")


def readyz() -> tuple[Response, int]:
    verdict = _readiness().verdict()
    response = jsonify(verdict.body())
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if verdict.ready else 503


def _readiness() -> Readiness:
    readiness: Readiness = current_app.extensions[EXTENSION]
    return readiness
