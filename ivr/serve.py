"""``ivr serve``: prepare the store, then run the WSGI app under gunicorn.

Preparing means: migrations to the newest revision, and the sample gazetteer loaded when the
gazetteer is empty, so that one command gives a working gateway on a fresh machine.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from ivr.settings import Settings
from ivr.store.db import upgrade

log = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from ivr.app import create_app
        from ivr.runtime import Runtime

        rt = Runtime(self._settings)
        app = create_app(runtime=rt)
        if self._settings.outbox_worker == "thread":
            # The embedded default: this process also runs the leased work (the outbox, batch
            # tokens, text messages and jobs) on threads of its own.
            rt.warm_up()
            rt.work.start()
        return app


def prepare(settings: Settings) -> None:
    """Migrate the store and load the sample gazetteer when none is loaded."""
    upgrade(settings.database_url)
    from ivr.addresses.gazetteer import ensure_loaded

    ensure_loaded(settings)


def run(settings: Settings, *, workers: int = 1, threads: int = 8) -> None:
    prepare(settings)
    options = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": None,
    }
    log.info("voice311 listening on http://%s:%s", settings.host, settings.port)
    _Gunicorn(settings, options).run()
