"""The directory every process of one ``ivr serve`` writes its metric values to.

prometheus-client's multiprocess mode: each process (gunicorn's web workers, the recognition
workers) writes its counters and histograms to files of ``PROMETHEUS_MULTIPROC_DIR``, and a
scrape of any web worker adds them all up, so the totals do not depend on which worker
answered. ``ivr serve`` calls :func:`use_directory` before any worker starts: the variable is
inherited by the processes it forks and spawns. The directory is its own (made private, or
the operator's ``PROMETHEUS_MULTIPROC_DIR`` emptied), so no value of an earlier run counts
again, and it is removed when ``ivr serve`` exits. A worker that exits is marked dead, so its
live gauges (none today; counters and histograms keep their totals) are dropped.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ivr.stopping import remove_when_this_process_exits

log = logging.getLogger(__name__)

ENVIRONMENT = "PROMETHEUS_MULTIPROC_DIR"


def use_directory() -> Path:
    """Make (or empty) the metrics directory of this ``ivr serve`` and point
    ``PROMETHEUS_MULTIPROC_DIR`` at it; it is removed at exit when it was made here."""
    given = os.environ.get(ENVIRONMENT, "")
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):  # an earlier run's values must not count again
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix="voice311-metrics-"))  # mode 0700
        remove_when_this_process_exits(directory)
    os.environ[ENVIRONMENT] = str(directory)
    _choose_multiprocess_values()
    log.info("metrics shared by every process of this server", extra={"directory": str(directory)})
    return directory


def _choose_multiprocess_values() -> None:
    """prometheus-client picks how it keeps values when it is first imported; if something
    imported it before the directory was set, pick again, and make the metrics anew."""
    values = sys.modules.get("prometheus_client.values")
    if values is not None:
        values.ValueClass = values.get_value_class()  # type: ignore[attr-defined]
    from ivr.metrics.instruments import forget_instruments

    forget_instruments()


def in_use() -> bool:
    """Whether this process shares its metrics with the other processes of ``ivr serve``."""
    return bool(os.environ.get(ENVIRONMENT))


def mark_dead(pid: int) -> None:
    """A process of this server has exited (a gunicorn worker, a recognition worker)."""
    if not in_use():
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


def gunicorn_child_exit(_server: Any, worker: Any) -> None:
    """gunicorn's ``child_exit`` hook: a web worker has exited."""
    mark_dead(worker.pid)
