"""The Flask application factory: a runtime in, a ready WSGI app out.

The app only registers blueprints. Every collaborator a view needs is built once by
:class:`~ivr.runtime.Runtime` and kept in ``app.extensions["voice311"]``; views reach it with
:func:`~ivr.runtime.current_runtime`. Every error that escapes a view is answered without a
stack trace.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from flask import Flask, Response, jsonify
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from ivr.dashboard import blueprint as staff
from ivr.handoff import webhooks as handoff
from ivr.health import views as health
from ivr.metrics import exposition as metrics
from ivr.metrics import webhook_timing
from ivr.open311 import server as open311
from ivr.opendata import feeds, pages
from ivr.request_context import install as install_request_context
from ivr.runtime import EXTENSION, Runtime
from ivr.settings import Settings
from ivr.webhooks import voice

log = logging.getLogger(__name__)
PACKAGE_ROOT = Path(__file__).resolve().parent
MAX_REQUEST_BYTES = 2 * 1024 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    runtime: Runtime | None = None,
) -> Flask:
    """The gateway's WSGI app on ``runtime`` (or one built from ``settings``, read from the
    environment when not given)."""
    rt = runtime or Runtime(settings or Settings.from_env(), engine=engine)
    rt.build_for_web()

    app = Flask("voice311", root_path=str(PACKAGE_ROOT))  # static/ and templates/ under ivr/
    app.config["SECRET_KEY"] = rt.settings.secret_key or secrets.token_hex(32)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.extensions[EXTENSION] = rt
    install_request_context(app, access=rt.settings.access_log)  # request ids, access log
    rt.mount(app)  # the embedded endpoint's in-process client is answered by this app

    app.register_blueprint(feeds.bp, url_prefix="/open311/v2")
    app.register_blueprint(open311.bp, url_prefix="/open311/v2")
    app.register_blueprint(pages.bp)
    app.register_blueprint(voice.bp, url_prefix=voice.PREFIX)
    app.register_blueprint(handoff.bp, url_prefix=voice.PREFIX)
    staff.init_app(app, rt.settings)
    app.register_blueprint(staff.bp, url_prefix=staff.PREFIX)
    health.init_app(app, rt)  # /healthz, /readyz
    metrics.init_app(app)  # /metrics
    webhook_timing.init_app(app)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    return app


def http_error(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    return jsonify(errors=[{"code": code, "description": error.description}]), code


def unexpected_error(error: Exception) -> tuple[Response, int]:
    log.exception("unhandled error in a view", exc_info=error)
    # No promise about what the request did: it may have failed before or after a write.
    description = "internal error; the gateway's log has the details"
    return jsonify(errors=[{"code": 500, "description": description}]), 500
