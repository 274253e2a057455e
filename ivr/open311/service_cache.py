"""The service list and service definitions an Open311 client has fetched, and when to fetch
them again (docs/open311-client.md, "The service list cache").

The list is kept for ``ttl`` seconds. When the city publishes a discovery document, it is also
checked at most every ``discovery_interval`` seconds, and the list is fetched again as soon as
the ``changeset`` changes; a discovery check that fails keeps the cached list. Definitions are
kept for ``ttl`` seconds too, and dropped whenever the list is fetched again. The cache does no
HTTP itself: :class:`~ivr.open311.client.Open311Client` hands it the calls that fetch. Safe to
share between threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from ivr.open311.error_words import brief
from ivr.open311.errors import Open311Error
from ivr.open311.models import Service, ServiceDefinition

log = logging.getLogger(__name__)

Clock = Callable[[], float]
# The discovery document's own changeset and that of the endpoint whose url is the client's.
Changeset = tuple[str, str]


@dataclass(frozen=True)
class _CachedServices:
    services: tuple[Service, ...]
    fetched_at: float
    checked_at: float
    changeset: Changeset | None


class ServiceCache:
    """What the client fetched of the service list and definitions, with their ages."""

    def __init__(self, *, ttl: float, discovery_interval: float, clock: Clock) -> None:
        self.ttl = ttl
        self.discovery_interval = discovery_interval
        self.clock = clock
        self._lock = threading.Lock()
        self._services: _CachedServices | None = None
        self._definitions: dict[str, tuple[float, ServiceDefinition]] = {}

    def services(
        self,
        fetch: Callable[[], tuple[Service, ...]],
        changeset: Callable[[], Changeset] | None,
        *,
        refresh: bool = False,
    ) -> tuple[Service, ...]:
        """The list from the cache while it is fresh, else from ``fetch``. ``changeset`` reads
        the discovery document (None: the city publishes none)."""
        with self._lock:
            now = self.clock()
            cached = self._services
            current = None
            if cached is not None and not refresh and now - cached.fetched_at < self.ttl:
                if changeset is None or now - cached.checked_at < self.discovery_interval:
                    return cached.services
                try:
                    current = changeset()
                except Open311Error as error:
                    log.warning(
                        "discovery check failed; keeping the service list: %s", brief(error)
                    )
                    self._services = replace(cached, checked_at=now)
                    return cached.services
                if current == cached.changeset:
                    self._services = replace(cached, checked_at=now)
                    return cached.services
                log.info("discovery changeset changed; fetching the service list again")
            elif changeset is not None:
                current = _optional(changeset)
            services = fetch()
            self._services = _CachedServices(services, now, now, current)
            self._definitions.clear()
            return services

    def definition(self, service_code: str) -> ServiceDefinition | None:
        """The definition of ``service_code`` while it is fresh, else None."""
        with self._lock:
            cached = self._definitions.get(service_code)
            if cached and self.clock() - cached[0] < self.ttl:
                return cached[1]
        return None

    def keep_definition(self, service_code: str, definition: ServiceDefinition) -> None:
        with self._lock:
            self._definitions[service_code] = (self.clock(), definition)


def _optional(changeset: Callable[[], Changeset]) -> Changeset | None:
    """The changeset, or None when discovery fails: the list is fetched anyway."""
    try:
        return changeset()
    except Open311Error as error:
        log.warning("discovery failed; fetching the service list anyway: %s", brief(error))
        return None
