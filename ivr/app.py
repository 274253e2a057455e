"""The Flask application factory: settings in, a ready WSGI app out.

The app holds its collaborators (settings, database sessions) in ``app.extensions["voice311"]``
so that views reach them through :func:`runtime` instead of globals. Every error that escapes a
view is answered without a stack trace.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, jsonify
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException

from ivr.settings import Settings
from ivr.store.db import make_engine, make_sessionmaker

if TYPE_CHECKING:
    from ivr.addresses.geocoder import GazetteerGeocoder

log = logging.getLogger(__name__)
PACKAGE_ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Runtime:
    """What every view needs: the settings and the store."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @functools.cached_property
    def gazetteer(self) -> GazetteerGeocoder:
        """The process's gazetteer geocoder: one index in memory (built on first use, rebuilt
        after an import), shared by the call desk and the transcription jobs."""
        from ivr.addresses.geocoder import GazetteerGeocoder

        return GazetteerGeocoder.from_engine(self.engine)


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["voice311"]
    return rt


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Flask:
    from ivr.dashboard.blueprint import install_dashboard
    from ivr.open311.server import make_blueprint
    from ivr.opendata.feeds import make_feeds_blueprint
    from ivr.opendata.pages import make_pages_blueprint
    from ivr.webhooks.voice import DESK_EXTENSION, make_voice_blueprint, utc_now, voice_desk
    from ivr.webhooks.voice import PREFIX as VOICE_PREFIX

    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine))

    app = Flask("voice311", root_path=str(PACKAGE_ROOT))  # static/ and templates/ under ivr/
    app.config["SECRET_KEY"] = settings.secret_key or _random_key()
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    app.extensions["voice311"] = rt
    app.register_blueprint(make_feeds_blueprint(rt), url_prefix="/open311/v2")
    app.register_blueprint(make_blueprint(rt), url_prefix="/open311/v2")
    app.register_blueprint(make_pages_blueprint(rt))
    desk, library = voice_desk(settings, rt)
    app.extensions[DESK_EXTENSION] = desk
    voice = make_voice_blueprint(settings, desk, library, clock=utc_now)
    app.register_blueprint(voice, url_prefix=VOICE_PREFIX)
    _add_handoffs(app, settings, rt, desk, library)
    install_dashboard(app, rt)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        code = error.code or 500
        return jsonify(errors=[{"code": code, "description": error.description}]), code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[Response, int]:
        log.exception("unhandled error in a view", exc_info=error)
        body = {"errors": [{"code": 500, "description": "internal error; nothing was lost"}]}
        return jsonify(body), 500

    return app


def _add_handoffs(app: Flask, settings: Settings, rt: Runtime, desk: Any, library: Any) -> None:
    """Staff's handoffs: the desk the dashboard calls, and their webhooks."""
    from ivr.handoff.book import HandoffBook
    from ivr.handoff.desk import EXTENSION, HandoffDesk
    from ivr.handoff.webhooks import make_handoff_blueprint
    from ivr.twilio_rest import make_twilio_client
    from ivr.webhooks.voice import PREFIX, utc_now

    book = HandoffBook(rt.sessions)
    languages = tuple(library.catalogues)
    twilio = functools.partial(make_twilio_client, settings)
    app.extensions[EXTENSION] = HandoffDesk(settings, desk, book, twilio, languages=languages)
    bp = make_handoff_blueprint(settings, desk, book, library, rt.sessions, clock=utc_now)
    app.register_blueprint(bp, url_prefix=PREFIX)


def _random_key() -> str:
    import secrets

    return secrets.token_hex(32)
