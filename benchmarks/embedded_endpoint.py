"""How fast the embedded GeoReport v2 endpoint files and publishes requests, over real HTTP.

Run: .venv/bin/python benchmarks/embedded_endpoint.py [posts] [database-url]
With no URL, a fresh SQLite file in a temporary folder (a PostgreSQL URL must name an empty
database). POSTs pothole requests one after another from one client, then reads
``requests.json`` (the newest 1,000 at most) and one ``requests/{id}.xml`` a few times.
Prints requests per second and milliseconds per request for each.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from werkzeug.serving import make_server

from ivr.app import create_app
from ivr.settings import Settings
from ivr.stopping import remove_when_this_process_exits
from ivr.store.db import upgrade

FORM = {
    "service_code": "21",
    "lat": "37.7793",
    "long": "-122.4193",
    "address_string": "1 Dr Carlton B Goodlett Pl",
    "attribute[defect_type]": "pothole",
    "description": "A deep pothole in the right lane",
}
READS = 20


def timed(label: str, count: int, action: object) -> None:
    assert callable(action)
    start = time.perf_counter()
    for _ in range(count):
        action()
    elapsed = time.perf_counter() - start
    print(f"{label:<32} {count / elapsed:8.1f} per s  {1000 * elapsed / count:7.2f} ms each")


def main(posts: int, url: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="voice311-bench-"))
    remove_when_this_process_exits(folder)
    url = url or f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(Settings(database_url=url))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/open311/v2"
    print(f"database: {url.split('@')[-1]}")
    with httpx.Client(base_url=base, timeout=30) as client:

        def post() -> None:
            response = client.post("/requests.json", data=FORM)
            response.raise_for_status()

        def list_json() -> None:
            client.get("/requests.json").raise_for_status()

        def one_xml() -> None:
            client.get("/requests/1.xml").raise_for_status()

        timed(f"POST requests.json ({posts})", posts, post)
        shown = min(posts, 1000)
        timed(f"GET requests.json ({shown} rows)", READS, list_json)
        timed("GET requests/1.xml", READS * 5, one_xml)
    server.shutdown()


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 500,
        sys.argv[2] if len(sys.argv) > 2 else "",
    )
