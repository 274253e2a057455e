"""``GET /metrics``: the gateway's metrics in Prometheus's text format.

Each scrape builds a registry of its own: under ``ivr serve`` (multiprocess mode) it adds up
the files every process wrote (:mod:`ivr.metrics.multiprocess`), so any web worker gives the
same totals; in a single process (an app made by ``create_app`` directly, as tests do) it
reads that process's metric objects. Either way the store's gauges
(:mod:`ivr.metrics.store_collector`) are read from the database at that moment.

``IVR_METRICS_TOKEN``, when set, must come as ``Authorization: Bearer <token>``; a scrape
without it is answered 401 and nothing else. Empty: ``/metrics`` is open (no metric holds
personal data; block the path at the proxy when the gateway faces the internet).
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, request

from ivr.metrics import multiprocess
from ivr.metrics.instruments import instruments
from ivr.runtime import current_runtime


def init_app(app: Flask) -> None:
    app.add_url_rule("/metrics", view_func=metrics, methods=["GET"])


def metrics() -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    from ivr.metrics.store_collector import StoreCollector

    rt = current_runtime()
    if not _authorised(rt.settings.metrics_token):
        refusal = Response("a bearer token is required\n", status=401, mimetype="text/plain")
        refusal.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refusal
    registry = CollectorRegistry(auto_describe=True)
    if multiprocess.in_use():
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry)
    else:
        for instrument in instruments().all():
            registry.register(instrument)
    registry.register(StoreCollector(rt.sessions, rt.clock))
    body = generate_latest(registry)
    return Response(
        body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
    )


def _authorised(token: str) -> bool:
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        value.strip().encode(), token.encode()
    )
