"""A free port, and `ivr serve` as a city runs it when a test needs only its URL (the process
itself is :mod:`tests.support.served_gateway`'s)."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.support.served_gateway import served


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_serve(
    workdir: Path, port: int, env: Mapping[str, str], *, workers: int = 1
) -> Iterator[str]:
    """The base URL of `ivr serve --workers WORKERS` on ``port``; ``env`` is its whole
    environment. Started, read and stopped as :func:`tests.support.served_gateway.served` does
    (its output in a file, SIGKILL to the process group at the end), for tests that only need
    the URL."""
    with served(workdir, port, env, ["--workers", str(workers)]) as gateway:
        yield gateway.base
