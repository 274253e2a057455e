"""A GeoReport v2 client that speaks to Open311 endpoints as real servers speak.

:class:`Open311Client` wraps an ``httpx.Client`` that the caller builds and owns. The client
never creates its own: tests pass one aimed at a local server, production passes one from
:func:`make_http_client` with the ``IVR_OPEN311_TIMEOUT`` timeout. **The httpx.Client must have
timeouts configured** (connect, read, write and pool): the constructor refuses one that could
wait forever, because a call to a city must never hang a worker.

What it does beyond the letter of the spec (see docs/open311-client.md):

- JSON or XML on every call, with the answer sniffed rather than trusted to its Content-Type;
- ``jurisdiction_id`` on every call when configured and never otherwise; ``api_key`` only in
  the body of a POST, or (``api_key_placement="bearer"``) as ``Authorization: Bearer`` on every
  call; never in a URL (URLs end up in logs);
- a multivaluelist answer in the city's one form (``multivalue``), whatever the number of
  values; datetimes in whole seconds (see :mod:`ivr.open311.form`);
- the service list cached for ``services_ttl`` seconds, and fetched again early when the
  discovery ``changeset`` changes (checked at most every ``discovery_interval`` seconds;
  :mod:`ivr.open311.service_cache`);
- a POST is a success only with a ``service_request_id`` or a ``token``, or, for a blackbox
  service only, a 2xx with a ``service_notice`` and neither;
- every failure raised as a typed :class:`~ivr.open311.errors.Open311Error` that says whether
  a retry may help. The client never retries by itself: the outbox owns retries.

The client is safe to share between threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from ivr.metrics.instruments import count_city_answer
from ivr.open311 import wire
from ivr.open311.city_profile import IN_PROCESS_ENDPOINT, check_choices, city_profile
from ivr.open311.error_words import brief
from ivr.open311.errors import InvalidRequest, Open311BadAnswer, Open311ClientError, Open311Error
from ivr.open311.exchange import (
    CityAnswer,
    judge,
    make_http_client,
    make_in_process_client,
    send,
)
from ivr.open311.form import Pairs, request_form, search_filters
from ivr.open311.models import (
    Discovery,
    NewRequest,
    Service,
    ServiceDefinition,
    ServiceRequest,
    SubmitResult,
)
from ivr.open311.service_cache import Changeset, ServiceCache
from ivr.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["IN_PROCESS_ENDPOINT", "Open311Client", "make_http_client", "make_in_process_client"]
Clock = Callable[[], float]
IDEMPOTENCY_HEADER = "Idempotency-Key"
Sleep = Callable[[float], None]


class Open311Client:
    """GeoReport v2 over an injected ``httpx.Client`` (which must have timeouts: see module)."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        *,
        format: str = "json",
        api_key: str = "",
        jurisdiction_id: str = "",
        multivalue: str = "brackets",
        api_key_placement: str = "form",
        services_ttl: float = 3600.0,
        discovery_url: str = "",
        discovery_interval: float = 300.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        check_choices(format, multivalue, api_key_placement)
        timeout = http.timeout
        if None in (timeout.connect, timeout.read, timeout.write, timeout.pool):
            raise ValueError("the httpx.Client needs a timeout on every phase")
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.format = format
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.multivalue = multivalue
        self.api_key_placement = api_key_placement
        self.services_ttl = services_ttl
        self.discovery_url = discovery_url
        self.discovery_interval = discovery_interval
        self.clock = clock
        self.sleep = sleep
        self._cache = ServiceCache(
            ttl=services_ttl, discovery_interval=discovery_interval, clock=clock
        )

    def __repr__(self) -> str:
        return f"Open311Client({self.base_url!r}, format={self.format!r})"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        http: httpx.Client,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> Open311Client:
        """The city's endpoint from ``IVR_OPEN311_*``, or the embedded one when none is set
        (:func:`ivr.open311.city_profile.city_profile`)."""
        profile = city_profile(settings)
        return cls(
            http,
            profile.base_url,
            format=profile.format,
            api_key=profile.api_key,
            jurisdiction_id=profile.jurisdiction_id,
            multivalue=profile.multivalue,
            api_key_placement=profile.api_key_placement,
            services_ttl=settings.open311_services_ttl,
            discovery_url=settings.open311_discovery_url,
            clock=clock,
            sleep=sleep,
        )

    # --- discovery and services ---------------------------------------------------------------

    def discovery(self, url: str = "") -> Discovery:
        """``discovery.json|xml`` at ``url`` (a file URL, or the folder holding it)."""
        url = url or self.discovery_url
        if not url:
            raise InvalidRequest("no discovery URL is configured")
        if not url.lower().endswith((".json", ".xml")):
            url = f"{url.rstrip('/')}/discovery.{self.format}"
        answer = self._call("GET", url, what="GET discovery")
        return self._parse(wire.parse_discovery, answer, "GET discovery")

    def services(self, *, refresh: bool = False) -> tuple[Service, ...]:
        """The service list, from the cache while it is fresh (see module)."""
        changeset = self._changeset if self.discovery_url else None
        return self._cache.services(self._fetch_services, changeset, refresh=refresh)

    def _fetch_services(self) -> tuple[Service, ...]:
        answer = self._call("GET", self._url("services"), what="GET services")
        services: tuple[Service, ...] = self._parse(wire.parse_services, answer, "GET services")
        return services

    def service(self, service_code: str) -> Service | None:
        """One service of the (cached) list, or None if the city does not offer it."""
        return next((s for s in self.services() if s.service_code == service_code), None)

    def definition(self, service_code: str, *, refresh: bool = False) -> ServiceDefinition:
        """``services/{code}``: the attributes a service asks for (cached like the list)."""
        cached = None if refresh else self._cache.definition(service_code)
        if cached is not None:
            return cached
        path = f"services/{quote(service_code, safe='')}"
        answer = self._call("GET", self._url(path), what="GET service definition")
        definition = self._parse(
            lambda tree: wire.parse_definition(tree, service_code), answer, "GET service definition"
        )
        self._cache.keep_definition(service_code, definition)
        return definition

    # --- filing ---------------------------------------------------------------------------------

    def encoding_definition(self, request: NewRequest) -> ServiceDefinition | None:
        """The definition :meth:`submit` needs to write ``request``'s attributes, or None.

        Under ``brackets`` a multivaluelist with one value chosen goes out as
        ``attribute[code][]`` like one with several, so an attribute with one value needs its
        datatype: the service's definition says it (cached like the list). Under ``repeat``, or
        with no attribute of one value, the form does not depend on it. A city that has no
        definition for the service (404) declares no multivaluelist: None.
        """
        if self.multivalue != "brackets":
            return None
        if not any(len(values) == 1 for _, values in request.attributes):
            return None
        try:
            return self.definition(request.service_code)
        except Open311ClientError as error:
            if error.status_code == 404:
                return None
            raise

    def submit(
        self,
        request: NewRequest,
        *,
        service: Service | None = None,
        definition: ServiceDefinition | None = None,
        idempotency_key: str = "",
    ) -> SubmitResult:
        """POST ``requests``: an id, a token (kept even beside an id), or a blackbox notice.

        ``definition``, when given, makes every ``multivaluelist`` attribute go out in the
        multi-value form even with one value (:meth:`encoding_definition` finds the one a
        request needs; without it, one value goes out as ``attribute[code]``). ``service``,
        when given, says whether an
        answer with neither id nor token is legal (blackbox); otherwise the cached list says.
        ``idempotency_key``, when given, goes out as an ``Idempotency-Key`` header: the embedded
        endpoint answers a repeated key as it answered the first POST, without filing again
        (GeoReport v2 has no such field; other servers ignore an unknown header).
        """
        multivalue = frozenset(
            a.code
            for a in (definition.attributes if definition else ())
            if a.datatype == "multivaluelist"
        )
        form = request_form(
            request,
            api_key=self.api_key if self.api_key_placement == "form" else "",
            jurisdiction_id=self.jurisdiction_id,
            multivalue_codes=multivalue,
            multivalue=self.multivalue,
        )
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        answer = self._call(
            "POST", self._url("requests"), what="POST requests", form=form, headers=headers
        )
        result = self._parse(wire.parse_submit, answer, "POST requests")
        if result.service_request_id is not None or result.token is not None:
            return result
        if self._service_type(request.service_code, service) == "blackbox":
            return result
        raise Open311BadAnswer(
            "POST requests was answered without a service_request_id or a token",
            status_code=answer.status_code,
            retryable=False,
        )

    def _service_type(self, service_code: str, service: Service | None) -> str:
        if service is not None and service.service_code == service_code:
            return service.type
        try:
            found = self.service(service_code)
        except Open311Error as error:
            raise Open311BadAnswer(
                "POST requests got neither id nor token, and the service type is unknown",
                retryable=False,
            ) from error
        return found.type if found else ""

    def token_id(self, token: str) -> str | None:
        """``tokens/{token}``: the request id, or None while the city has not assigned one."""
        path = f"tokens/{quote(token, safe='')}"
        answer = self._call_or_none(self._url(path), what="GET token")
        if answer is None:
            return None
        return self._parse(wire.parse_token, answer, "GET token")

    def wait_for_id(
        self,
        token: str,
        *,
        ceiling: float = 60.0,
        first_delay: float = 1.0,
        max_delay: float = 15.0,
    ) -> str | None:
        """Poll :meth:`token_id` with doubling delays (up to ``max_delay``) for ``ceiling`` s.

        Retryable failures are waited through; others are raised. None after ``ceiling``
        seconds means the city has not assigned an id yet: keep the token and ask later.
        """
        deadline = self.clock() + ceiling
        delay = first_delay
        while True:
            try:
                found = self.token_id(token)
            except Open311Error as error:
                if not error.retryable:
                    raise
                log.info("token lookup failed, will try again: %s", brief(error))
                found = None
            if found is not None:
                return found
            remaining = deadline - self.clock()
            if remaining <= 0:
                return None
            self.sleep(min(delay, remaining))
            delay = min(delay * 2, max_delay)

    # --- reading requests -----------------------------------------------------------------------

    def requests(
        self,
        *,
        ids: Sequence[str] = (),
        service_code: str = "",
        start: datetime | None = None,
        end: datetime | None = None,
        status: str = "",
    ) -> tuple[ServiceRequest, ...]:
        """GET ``requests`` with the spec's filters (``search_filters``)."""
        params = search_filters(
            ids=ids, service_code=service_code, start=start, end=end, status=status
        )
        answer = self._call("GET", self._url("requests"), what="GET requests", params=params)
        return self._parse(wire.parse_requests, answer, "GET requests")

    def request(
        self, service_request_id: str, *, timeout: float | None = None
    ) -> ServiceRequest | None:
        """GET ``requests/{id}``: the request, or None when the city does not know the id.
        ``timeout``: seconds allowed, when shorter than the client's own is wanted."""
        path = f"requests/{quote(service_request_id, safe='')}"
        answer = self._call_or_none(self._url(path), what="GET request", timeout=timeout)
        if answer is None:
            return None
        found = self._parse(wire.parse_requests, answer, "GET request")
        return found[0] if found else None

    # --- HTTP ---------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path}.{self.format}"

    def _changeset(self) -> Changeset:
        found = self.discovery()
        mine = next((e for e in found.endpoints if e.url.rstrip("/") == self.base_url), None)
        return found.changeset, mine.changeset if mine else ""

    def _parse(self, parse: Callable[[Any], Any], answer: CityAnswer, what: str) -> Any:
        try:
            return parse(answer.document.tree)
        except wire.WireError as error:
            raise Open311BadAnswer(
                f"{what} got an unusable answer: {error}",
                status_code=answer.status_code,
                retryable=False,
            ) from None

    def _call(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: Pairs | None = None,
        form: Pairs | None = None,
        headers: dict[str, str] | None = None,
    ) -> CityAnswer:
        response = self._send(method, url, what, params, form, headers)
        answer = judge(response, what)
        assert answer is not None  # judge returns None only when missing_ok
        return answer

    def _call_or_none(
        self, url: str, *, what: str, timeout: float | None = None
    ) -> CityAnswer | None:
        """A GET where 404 means "no such thing" (an unknown id, a token not yet known)."""
        response = self._send("GET", url, what, None, None, timeout=timeout)
        return judge(response, what, missing_ok=True)

    def _send(
        self,
        method: str,
        url: str,
        what: str,
        params: Pairs | None,
        form: Pairs | None,
        headers: dict[str, str] | None = None,
        *,
        timeout: float | None = None,
    ) -> httpx.Response:
        if self.api_key and self.api_key_placement == "bearer":
            headers = {**(headers or {}), "Authorization": f"Bearer {self.api_key}"}
        try:
            response = send(
                self.http,
                method,
                url,
                what=what,
                format=self.format,
                jurisdiction_id=self.jurisdiction_id,
                params=params,
                form=form,
                extra_headers=headers,
                timeout=timeout,
            )
        except Open311Error:  # no answer: a timeout or a connection error
            count_city_answer(what, None)
            raise
        count_city_answer(what, response.status_code)
        return response
