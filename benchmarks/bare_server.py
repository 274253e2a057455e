"""The yardstick of the load benchmarks: a bare Flask app answering every webhook with one fixed
``<Gather>``, run under the gunicorn options ``ivr serve`` uses; and the small helpers both
benchmarks need to start servers on 127.0.0.1. With ``--app floor`` the same command serves
the storm's second yardstick, the floor app (``floor_app``: the signature, the form and one
transaction on the store of ``IVR_DATABASE_URL``), under the same options.

``serve_options()`` reads those options from ``ivr.serve`` at run time
(``gunicorn_options``, given the workers and threads the ``ivr serve`` command passes by
default and the same ``IVR_*`` settings), so the bare app keeps the gateway's server settings
when they change. Run as ``python -m benchmarks.bare_server --port P`` with the gateway's
environment, this module serves the bare app with them.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from flask import Flask, Response

from ivr.settings import Settings

FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice" method="POST" '
    'numDigits="1"><Say>Press 1.</Say></Gather><Redirect method="POST">/voice</Redirect>'
    "</Response>"
)


def bare_app() -> Flask:
    """Answers every POST (webhooks and callbacks alike) with the fixed ``<Gather>``."""
    app = Flask("bare")

    @app.post("/", defaults={"path": ""})
    @app.post("/<path:path>")
    def answer(path: str) -> Response:
        return Response(FIXED_TWIML, mimetype="text/xml")

    return app


def serve_command_defaults() -> dict[str, Any]:
    """The defaults of the ``ivr serve`` command's options (workers, threads, …)."""
    from ivr.cli import serve

    return {param.name: param.default for param in serve.params if param.name}


def serve_options(settings: Settings) -> tuple[dict[str, Any], str]:
    """The gunicorn options ``ivr serve`` runs with for ``settings`` (its host and port bound),
    given the command's default workers and threads, and where they came from:
    ``ivr.serve.gunicorn_options``, or a fallback that names why it was needed."""
    import ivr.serve as serve

    defaults = serve_command_defaults()
    sizes = {k: defaults[k] for k in ("workers", "threads") if k in defaults}
    read = getattr(serve, "gunicorn_options", None)
    if read is not None:
        try:
            options: dict[str, Any] = read(settings, **sizes)
        except TypeError as error:
            reason = f"ivr.serve.gunicorn_options: {error}"
        else:
            # Server hooks (functions) belong to the gateway's processes, not to the bare app.
            return {k: v for k, v in options.items() if not callable(v)}, "ivr.serve"
    else:
        reason = "ivr.serve has no gunicorn_options"
    fallback = {"workers": sizes.get("workers") or 1, "threads": sizes.get("threads") or 8}
    fallback |= {"worker_class": "gthread", "timeout": 30}
    return {**fallback, "bind": f"{settings.host}:{settings.port}"}, f"fallback ({reason})"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(
    url: str, process: subprocess.Popen[bytes] | None = None, seconds: float = 120
) -> None:
    """Wait until ``url`` answers at all; SystemExit if it does not or ``process`` ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the server for {url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up within {seconds:.0f} s")


def start_bare_server(port: int, env: dict[str, str], app: str = "bare") -> subprocess.Popen[bytes]:
    """The bare app (or the floor app: ``app="floor"``) under ``ivr serve``'s gunicorn options
    for the ``IVR_*`` settings of ``env``, in a process of its own."""
    command = [sys.executable, "-m", "benchmarks.bare_server", "--port", str(port), "--app", app]
    root = str(Path(__file__).resolve().parent.parent)
    env = {**env, "PYTHONPATH": root}
    process = subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_ready(f"http://127.0.0.1:{port}/", process)
    except BaseException:  # not ready, or the storm stopped meanwhile: it does not outlive it
        process.kill()
        process.wait(10)
        raise
    return process


def main() -> None:
    from gunicorn.app.base import BaseApplication

    parser = argparse.ArgumentParser(description="the bare Flask app under ivr serve's options")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--app", choices=("bare", "floor"), default="bare")
    args = parser.parse_args()
    settings = Settings.from_env().replace(host="127.0.0.1", port=args.port)
    options, _source = serve_options(settings)

    def make_app() -> Flask:
        if args.app == "bare":
            return bare_app()
        from benchmarks.floor_app import floor_app

        threads = int(options.get("threads") or 8)
        return floor_app(settings.database_url, settings.twilio_auth_token, threads)

    class Bare(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return make_app()

    Bare().run()


if __name__ == "__main__":
    main()
