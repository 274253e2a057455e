"""The public pages: the live map of requests (``/map``) and one request's page
(``/requests/<id>``, the status link a caller receives by text message).

Server-rendered HTML with a little JavaScript (``ivr/static/public/``) and no inline script or
style, under a Content-Security-Policy that allows the gateway itself and, for images only,
the tile host. The pages show only what the GeoReport v2 GET side publishes.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

from ivr.open311.render import has_forbidden_characters
from ivr.open311.request_store import published_request
from ivr.opendata.event_stream import tail_cursor, timing_of
from ivr.opendata.map_view import tile_source
from ivr.runtime import current_runtime
from ivr.settings import Settings
from ivr.store.db import transaction

MAX_ID = 64  # characters: longer than any published id

bp = Blueprint("open_data_pages", __name__)


def request_page_url(settings: Settings, service_request_id: str) -> str:
    """The public status page of a request, for a text message (needs IVR_PUBLIC_BASE_URL)."""
    return f"{settings.public_base_url.rstrip('/')}/requests/{service_request_id}"


def content_security_policy(settings: Settings) -> str:
    """Scripts, styles and connections from the gateway only; images also from the tile host."""
    images = " ".join(filter(None, ("'self'", "data:", tile_source(settings.map_tile_url))))
    return (
        "default-src 'self'; "
        f"img-src {images}; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def map_config(settings: Settings) -> dict[str, object]:
    """Where the map opens and whose tiles it draws, for the page's script."""
    view = settings.map_view
    return {
        "lat": view.lat,
        "long": view.long,
        "zoom": view.zoom,
        "tiles": settings.map_tile_url,
        "attribution": settings.map_attribution,
    }


@bp.get("/map")
def public_map() -> Response:
    rt = current_runtime()
    html = render_template(
        "public/map.html",
        map=map_config(rt.settings),
        requests_url=url_for("open311.requests", fmt="json"),
        events_url=url_for("open_data_feeds.events"),
        atom_url=url_for("open_data_feeds.atom"),
        cursor=str(tail_cursor(rt.clock(), timing_of(rt.settings))),
    )
    return _page(html, 200, rt.settings)


@bp.get("/requests/<service_request_id>")
def request_page(service_request_id: str) -> Response:
    rt = current_runtime()
    found = None
    if len(service_request_id) <= MAX_ID and not has_forbidden_characters(service_request_id):
        with transaction(rt.sessions) as session:
            found = published_request(session, service_request_id)
    if found is None:
        return _page(render_template("public/not_found.html"), 404, rt.settings)
    html = render_template(
        "public/request.html",
        item=found,
        map=map_config(rt.settings),
        api_url=url_for("open311.request", name=f"{found.service_request_id}.json"),
    )
    return _page(html, 200, rt.settings)


def _page(html: str, status: int, settings: Settings) -> Response:
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = content_security_policy(settings)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
