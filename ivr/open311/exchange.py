"""One HTTP exchange with an Open311 endpoint: send it, then judge what came back.

:func:`send` turns httpx's transport failures into typed errors (timeouts and connection
errors, both retryable). :func:`judge` decides what an answer is worth, in this order:

1. an error body (the spec's ``errors`` format, JSON or XML) inside a 2xx takes the status its
   first 4xx/5xx code names (some servers say "200" and mean "404");
2. a 404 where "no such thing" is a valid answer (an unknown id, a token not yet known) → None;
3. a 3xx (only a POST sees one: GETs follow redirects) → not retryable, naming where to;
4. a 4xx/5xx → :func:`~ivr.open311.errors.error_for_status` with the city's descriptions
   (and the seconds its ``Retry-After`` asks for: the outbox waits at least that long);
5. a 2xx with an HTML page → retryable (a proxy or maintenance page stood in for the CRM);
6. a 2xx that is neither JSON nor XML → retryable for a GET, not for a POST (the city may
   have filed it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import httpx

from ivr.open311 import wire
from ivr.open311.documents import Document, decode
from ivr.open311.errors import (
    ErrorDescription,
    Open311BadAnswer,
    Open311ConnectionError,
    Open311Timeout,
    error_for_status,
)
from ivr.open311.form import Pairs, encode
from ivr.settings import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger(__name__)

FORMATS = {"json": "application/json", "xml": "text/xml"}


def make_http_client(settings: Settings) -> httpx.Client:
    """The httpx.Client for talking to the city: ``IVR_OPEN311_TIMEOUT`` on every phase.

    Redirects are not followed by default: a POST redirected with 301/302 would arrive as a
    GET without its body. The client follows them on GETs only.
    """
    return httpx.Client(
        timeout=httpx.Timeout(settings.open311_timeout),
        headers={"User-Agent": "voice311 (Open311 GeoReport v2 client)"},
        follow_redirects=False,
    )


def make_in_process_client(settings: Settings, app: WSGIApplication) -> httpx.Client:
    """The httpx.Client that reaches the embedded endpoint in-process: each request is answered
    by ``app`` on the calling thread (httpx's ``WSGITransport``), never over a socket, so a job
    or the outbox never needs one of the web server's threads. Same timeouts and headers as a
    city's client; the client sends the same GeoReport v2 requests either way."""
    return httpx.Client(
        transport=httpx.WSGITransport(app=app),
        timeout=httpx.Timeout(settings.open311_timeout),
        headers={"User-Agent": "voice311 (Open311 GeoReport v2 client, in-process)"},
        follow_redirects=False,
    )


@dataclass(frozen=True)
class CityAnswer:
    """A usable answer: its status and its decoded document."""

    status_code: int
    document: Document


def send(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    format: str,
    jurisdiction_id: str = "",
    params: Pairs | None = None,
    form: Pairs | None = None,
    extra_headers: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> httpx.Response:
    """GET ``url`` with ``params`` (and ``jurisdiction_id``) or POST ``form`` to it; a GET
    given ``timeout`` allows itself that many seconds instead of the client's own timeout.

    httpx's timeouts are per phase (connect, each read), so an answer trickled a byte at a
    time would never time out: the whole exchange, answer read to its end, gets the same
    seconds (:class:`Open311Timeout` past them, after at most one more read). An answer whose
    ``Content-Encoding`` does not decode is a bad answer, retryable as unreadable ones are."""
    headers = {**(extra_headers or {}), "Accept": FORMATS[format]}
    seconds = http.timeout.read if timeout is None else timeout
    request = (
        http.build_request(
            "GET",
            url,
            params=_query(params, jurisdiction_id),
            headers=headers,
            timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
        )
        if method == "GET"
        else http.build_request(
            "POST",
            url,
            content=encode(form or []),
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
    )
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        response = http.send(request, stream=True, follow_redirects=method == "GET")
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if deadline is not None and time.monotonic() > deadline:
                    raise Open311Timeout(f"{what} took longer than {seconds:g} s")
        except httpx.DecodingError as error:  # e.g. "Content-Encoding: gzip" on a plain body
            encoding = response.headers.get("Content-Encoding", "")
            raise Open311BadAnswer(
                f"{what} got an answer that is not the {encoding} it says it is",
                status_code=response.status_code,
                retryable=method == "GET",
            ) from error
        finally:
            response.close()
    except httpx.TimeoutException as error:
        raise Open311Timeout(f"{what} timed out") from error
    except httpx.TransportError as error:
        raise Open311ConnectionError(f"{what} could not reach the endpoint") from error
    log.debug("%s answered %s", what, response.status_code)
    # The body read is decoded already: the copy must not be decoded again.
    answer_headers = httpx.Headers(response.headers)
    answer_headers.pop("Content-Encoding", None)
    return httpx.Response(
        response.status_code,
        headers=answer_headers,
        content=bytes(body),
        request=response.request,
        history=response.history,
    )


def _query(params: Pairs | None, jurisdiction_id: str) -> httpx.QueryParams:
    query = httpx.QueryParams(list(params or []))
    return query.add("jurisdiction_id", jurisdiction_id) if jurisdiction_id else query


def judge(response: httpx.Response, what: str, *, missing_ok: bool = False) -> CityAnswer | None:
    """The usable answer in ``response``, None for a tolerated 404, or the right exception."""
    method = response.request.method
    status = response.status_code
    document = decode(response.content, response.headers.get("content-type", ""))
    errors = wire.parse_errors(document.tree) if document.kind in ("json", "xml") else ()
    if 200 <= status < 300 and errors:
        status = _status_in(errors) or status
    if status == 404 and missing_ok:
        return None
    if 300 <= status < 400:
        where = response.headers.get("location", "elsewhere")
        raise Open311BadAnswer(f"{what} was redirected to {where}", status_code=status)
    if not 200 <= status < 300:
        raise error_for_status(status, errors, what, retry_after=_retry_after(response))
    if errors:
        raise Open311BadAnswer(f"{what} got an error answer", status_code=status, errors=errors)
    if document.kind == "html":
        raise Open311BadAnswer(
            f"{what} got {document.problem} instead of an answer (a proxy or maintenance page)",
            status_code=status,
            retryable=True,
        )
    if document.kind == "unreadable":
        raise Open311BadAnswer(
            f"{what} got {document.problem}", status_code=status, retryable=method == "GET"
        )
    return CityAnswer(status, document)


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds ``Retry-After`` asks for: a number of seconds, or an HTTP date read against
    the answer's own ``Date`` (else this machine's clock); None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    until = _http_date(value)
    if until is None:
        return None
    dates = (_http_date(sent) for sent in reversed(response.headers.get_list("Date")))
    sent = next((found for found in dates if found is not None), datetime.now(UTC))
    return max(0.0, (until - sent).total_seconds())


def _http_date(value: str) -> datetime | None:
    try:
        found = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _status_in(errors: tuple[ErrorDescription, ...]) -> int | None:
    """The HTTP-like code a 2xx error body carries (``[{"code": 404, ...}]``), if any."""
    for error in errors:
        if error.code.isdigit() and 400 <= int(error.code) < 600:
            return int(error.code)
    return None
