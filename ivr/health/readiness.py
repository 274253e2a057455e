"""Readiness: every check of :mod:`ivr.health.checks` together, and their changes logged.

A load balancer probes ``/readyz`` every few seconds; the log says only what changed, once:
the gateway becoming ready (with the seconds since this process made its checks), a check
starting to fail or recovering, the gateway ceasing to be ready. A check still loading at
start is logged at INFO (it is expected); any other failure at WARNING.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ivr.health.checks import Check, DatabaseCheck, GazetteerCheck, RecognisersCheck
from ivr.runtime import Runtime

log = logging.getLogger(__name__)

EXPECTED_WHILE_STARTING = frozenset({"loading", "checking"})


@dataclass(frozen=True)
class Verdict:
    ready: bool
    checks: tuple[Check, ...]

    def body(self) -> dict[str, object]:
        """The JSON answer of ``/readyz``."""
        return {
            "status": "ready" if self.ready else "not ready",
            "checks": {
                check.name: {"ok": check.ok, "state": check.state, "detail": check.detail}
                for check in self.checks
            },
        }


class Readiness:
    """The process's readiness: ``verdict()`` runs every check and logs what changed."""

    def __init__(
        self,
        checks: Sequence[Callable[[], Check]],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = tuple(checks)
        self._clock = clock
        self._began = clock()
        self._states: dict[str, str] = {}
        self._ready = False
        self._started = False  # ready at least once: a check loading is then news
        self._lock = threading.Lock()

    @classmethod
    def for_runtime(cls, rt: Runtime) -> Readiness:
        """The checks a gateway on ``rt`` needs: the database always, the gazetteer when it
        places addresses, the recognisers when this server decodes on its own workers."""
        checks: list[Callable[[], Check]] = [DatabaseCheck(rt.engine)]
        if rt.settings.geocoder == "gazetteer":
            checks.append(GazetteerCheck(lambda: rt.gazetteer.index))
        checks.append(RecognisersCheck(rt.settings))
        return cls(checks)

    def verdict(self) -> Verdict:
        results = tuple(check() for check in self._checks)
        ready = all(check.ok for check in results)
        self._log_changes(results, ready)
        return Verdict(ready, results)

    def _log_changes(self, results: tuple[Check, ...], ready: bool) -> None:
        with self._lock:
            for check in results:
                if self._states.get(check.name) == check.state:
                    continue
                starting = not self._started and check.state in EXPECTED_WHILE_STARTING
                facts = {"check": check.name, "state": check.state, "detail": check.detail}
                if check.ok and self._started and check.name in self._states:
                    log.info("readiness check passes again", extra=facts)
                elif not check.ok:
                    level = logging.INFO if starting else logging.WARNING
                    log.log(level, "readiness check not passing", extra=facts)
                self._states[check.name] = check.state
            if ready and not self._ready:
                seconds = round(self._clock() - self._began, 1)
                log.info("gateway ready to take calls", extra={"seconds": seconds})
            elif not ready and self._ready:
                log.warning("gateway no longer ready to take calls")
            self._ready = ready
            self._started = self._started or ready
