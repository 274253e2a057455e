"""Remote geocoders: what every adapter shares — the HTTP call, its failures, and the ranking.

An adapter (Nominatim, Pelias, ArcGIS, US Census: ``remote_*.py``) only says how to ask
(:meth:`RemoteGeocoder.request_for`) and how to read the answer
(:meth:`RemoteGeocoder.read_answer`). This module asks over the injected ``httpx.Client``,
turns every failure — timeout, refused connection, non-2xx status, a body that is not what the
service documents — into one NONE result whose ``reason`` an operator understands, drops
places outside the city's area, scores each place against what the caller said
(:mod:`ivr.addresses.remote_ranking`), and flags answers that are ambiguous.

Reasons and log lines name the service and what went wrong, never the address asked for.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, ClassVar

import httpx

from ivr.addresses.bounds import Bounds
from ivr.addresses.remote_answer import AnswerError, ServiceError, as_object, joined
from ivr.addresses.remote_ranking import RemoteHit, rank_hits
from ivr.addresses.resolution import resolve_with
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, no_match

log = logging.getLogger(__name__)

# A result this good at this level ends the search: further readings of the caller's words
# would cost another request (and the caller's time) for nothing.
SURE_SCORE = 0.9
SURE_LEVELS = frozenset({MatchLevel.ADDRESS, MatchLevel.INTERPOLATED, MatchLevel.INTERSECTION})


def default_user_agent(contact: str = "") -> str:
    """A User-Agent naming the application, as Nominatim's usage policy requires."""
    try:
        version = metadata.version("voice311")
    except metadata.PackageNotFoundError:
        version = "0"
    suffix = f"; +{contact}" if contact else ""
    return f"voice311/{version} (Open311 voice gateway{suffix})"


@dataclass(frozen=True)
class RemoteConfig:
    """How to reach a service and the city context added to every query."""

    base_url: str
    api_key: str = field(default="", repr=False)
    city: str = ""
    region: str = ""  # state or province, as the service writes it: "MA"
    country: str = "us"  # ISO 3166-1 alpha-2
    bounds: Bounds | None = None
    timeout: float = 5.0
    limit: int = 5  # places asked for per request
    max_queries: int = 3  # readings of the caller's words tried, at most, per geocode call
    user_agent: str = field(default_factory=default_user_agent)

    def context(self, postal_code: str | None) -> list[str]:
        """City, region and the caller's postal code, for a one-line query."""
        region = self.region
        if postal_code and region:
            region = f"{region} {postal_code}"
        elif postal_code:
            region = postal_code
        return [part for part in (self.city, region) if part]


@dataclass(frozen=True)
class RemoteRequest:
    path: str  # appended to the base URL: "/search"
    params: Mapping[str, str]


class LookupFailure(Exception):
    """One reading could not be looked up. ``stop`` is set when asking again would fail too
    (the service is down, refuses us, or answers garbage)."""

    def __init__(self, reason: str, *, stop: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stop = stop


class RequestPacer:
    """Keeps at least ``interval`` seconds between the requests of all threads sharing it
    (Nominatim's public server allows one request a second)."""

    def __init__(
        self, interval: float, *, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: float | None = None

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            if self._next is not None and self._next > now:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self._interval


class RemoteGeocoder(ABC):
    """An :class:`~ivr.addresses.types.AddressResolver` over a remote service's HTTP API."""

    source: ClassVar[str]  # "nominatim": names the service in Place.source and in reasons
    default_url: ClassVar[str]  # the public service, used when no URL is configured
    remote: ClassVar[bool] = True  # every lookup is a request: never made under a row lock

    def __init__(
        self, http: httpx.Client, config: RemoteConfig, *, pacer: RequestPacer | None = None
    ) -> None:
        self.http = http
        self.config = config
        self.pacer = pacer

    @abstractmethod
    def request_for(self, candidate: AddressCandidate) -> RemoteRequest:
        """The request for one reading; LookupFailure(stop=False) when it cannot be asked."""

    @abstractmethod
    def read_answer(self, body: Any) -> list[RemoteHit]:
        """The places in a 2xx answer, in the service's order; AnswerError when the body is
        not what the service documents, or is an error the service sends with status 200."""

    def error_message(self, body: Any) -> str:
        """The service's own words for a non-2xx answer, when it gives any."""
        return ""

    def one_line(self, candidate: AddressCandidate) -> str:
        """A reading as the one line of text most services search: "12 Main Street" or "Main
        Street & Elm Street", then the configured context (city, region, postal code).
        LookupFailure(stop=False) when the reading has no street to ask for."""
        if not candidate.street:
            raise LookupFailure(f"{self.source}: no street name to look up", stop=False)
        if candidate.cross_street:
            first = f"{candidate.street} & {candidate.cross_street}"
        else:
            first = joined(candidate.house_number or "", candidate.street)
        return ", ".join([first, *self.config.context(candidate.postal_code)])

    def checked_answer(self, body: Any) -> dict[str, Any]:
        """A 2xx answer that must be an object, raising the error some services send with 200."""
        answer = as_object(body, "answer")
        said = self.error_message(answer)
        if said:
            raise ServiceError(said)
        return answer

    def resolve(self, words: str, *, postal_code: str | None = None) -> list[GeocodeResult]:
        """Parse what the caller said (the service knows the streets, the parser does not)
        and look the best readings up; never raises."""
        return resolve_with(self.geocode, words, postal_code=postal_code)

    def geocode(self, candidates: Sequence[AddressCandidate]) -> list[GeocodeResult]:
        if not candidates:
            return [no_match(f"{self.source}: no address to look up")]
        results: list[GeocodeResult] = []
        reasons: list[str] = []
        for candidate in list(candidates)[: self.config.max_queries]:
            try:
                result = self._look_up(candidate)
            except LookupFailure as failure:
                reasons.append(failure.reason)
                if failure.stop:
                    log.warning(
                        "remote geocoder failed",
                        extra={"geocoder": self.source, "reason": failure.reason},
                    )
                    break
                continue
            results.append(result)
            if result.level in SURE_LEVELS and result.score >= SURE_SCORE:
                break
        if not results:
            return [no_match("; ".join(dict.fromkeys(reasons)))]
        return sorted(results, key=_weighted_score, reverse=True)

    def _look_up(self, candidate: AddressCandidate) -> GeocodeResult:
        request = self.request_for(candidate)
        body = self._fetch(request)
        try:
            hits = self.read_answer(body)
        except ServiceError as error:
            detail = f": {error}" if str(error) else ""
            raise LookupFailure(f"{self.source} refused the query{detail}", stop=True) from None
        except AnswerError as error:
            raise LookupFailure(
                f"{self.source} answered with an unexpected body: {error}", stop=True
            ) from None
        if not hits:
            raise LookupFailure(f"{self.source} found no match", stop=False)
        bounds = self.config.bounds
        if bounds is not None:
            hits = [hit for hit in hits if bounds.contains(hit.place.lat, hit.place.lon)]
            if not hits:
                raise LookupFailure(
                    f"{self.source} found places only outside the city's area", stop=False
                )
        return rank_hits(candidate, hits, limit=self.config.limit)

    def _fetch(self, request: RemoteRequest) -> Any:
        if self.pacer is not None:
            self.pacer.wait()
        url = self.config.base_url.rstrip("/") + request.path
        try:
            response = self.http.get(
                url,
                params=dict(request.params),
                headers={"User-Agent": self.config.user_agent, "Accept": "application/json"},
                timeout=self.config.timeout,
            )
        except httpx.TimeoutException:
            raise LookupFailure(
                f"{self.source} did not answer within {self.config.timeout:g} s", stop=True
            ) from None
        except httpx.HTTPError as error:
            # The exception's text can hold the URL, and the URL holds the caller's address.
            raise LookupFailure(
                f"{self.source} could not be reached ({type(error).__name__})", stop=True
            ) from None
        body = _json_body(response)
        if not response.is_success:
            said = self.error_message(body) if body is not _NOT_JSON else ""
            detail = f": {said}" if said else ""
            raise LookupFailure(
                f"{self.source} answered HTTP {response.status_code}{detail}", stop=True
            )
        if body is _NOT_JSON:
            raise LookupFailure(f"{self.source} answered with a body that is not JSON", stop=True)
        return body


def _weighted_score(result: GeocodeResult) -> float:
    """Readings the parser trusts more come first when the service is equally sure."""
    return result.score * (result.candidate.weight if result.candidate else 1.0)


_NOT_JSON = object()


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON
