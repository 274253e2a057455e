"""What can go wrong when talking to an Open311 endpoint, as typed exceptions.

Every exception carries ``retryable``: whether sending the same call again later may succeed.
The outbox retries only retryable errors (with back-off) and parks the others for a person.

- :class:`Open311Timeout`, :class:`Open311ConnectionError` and :class:`Open311ServerError`
  (5xx) are retryable: the city's side is slow, down or restarting.
- :class:`Open311ClientError` (4xx, including :class:`Open311AuthError` for 401/403, a bad or
  missing API key) is not: the same request gets the same refusal. The two 4xx that say "later"
  (408 Request Timeout and 429 Too Many Requests) are the exception and are retryable.
- :class:`Open311BadAnswer` is an answer the client cannot use. An HTML page (any status) is
  retryable: it is what a proxy, load balancer or maintenance page says while the CRM behind it
  is away, so the city never saw the call. A 2xx to a POST without a ``service_request_id`` or a
  ``token`` (and not a blackbox notice), a truncated or unparsable answer to a POST, and fields
  that fail validation are not retryable: the city may already have filed the request, and
  sending it again would file it twice, so a person looks at it. An unparsable answer to a GET
  is retryable (a GET changes nothing).
- :class:`InvalidRequest` is raised before anything is sent: the request itself is unusable.

The city's own error descriptions (the GeoReport ``errors`` format, JSON or XML) are kept in
``errors``; they name the problem in the city's words and go to the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorDescription:
    """One entry of the GeoReport ``errors`` answer: a code and its description."""

    code: str
    description: str


class Open311Error(Exception):
    """Base of every Open311 failure: ``retryable``, HTTP status if any, the city's errors."""

    retryable: bool = False
    # Seconds the city asked to be left alone (``Retry-After`` on a 429 or 503), if it did.
    retry_after: float | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        errors: tuple[ErrorDescription, ...] = (),
        retryable: bool | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.errors = errors
        if retryable is not None:
            self.retryable = retryable
        super().__init__(message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.status_code is not None:
            parts.append(f"(HTTP {self.status_code})")
        if self.errors:
            said = "; ".join(
                f"{e.code}: {e.description}" if e.code else e.description for e in self.errors
            )
            parts.append(f"city said: {said}")
        return " ".join(parts)

    @property
    def descriptions(self) -> tuple[str, ...]:
        return tuple(e.description for e in self.errors)


class Open311Timeout(Open311Error):
    """The endpoint did not answer within the HTTP client's timeout."""

    retryable = True


class Open311ConnectionError(Open311Error):
    """The endpoint could not be reached, or dropped the connection."""

    retryable = True


class Open311ServerError(Open311Error):
    """The endpoint answered 5xx."""

    retryable = True


class Open311ClientError(Open311Error):
    """The endpoint answered 4xx: the request is refused as it is."""

    retryable = False


class Open311AuthError(Open311ClientError):
    """401 or 403: the API key (or jurisdiction) is missing, wrong or not allowed."""


class Open311BadAnswer(Open311Error):
    """An answer the client cannot use; ``retryable`` depends on what it was (see module)."""


class InvalidRequest(Open311Error):
    """The request cannot be sent as it is (no location, no service code); nothing was sent."""

    retryable = False


RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})


def error_for_status(
    status_code: int,
    errors: tuple[ErrorDescription, ...],
    what: str,
    *,
    retry_after: float | None = None,
) -> Open311Error:
    """The exception for a non-2xx status, with the city's error descriptions if it gave any
    and the seconds its ``Retry-After`` asked for."""
    error = _for_status(status_code, errors, what)
    error.retry_after = retry_after
    return error


def _for_status(status_code: int, errors: tuple[ErrorDescription, ...], what: str) -> Open311Error:
    if status_code >= 500:
        return Open311ServerError(f"{what} failed", status_code=status_code, errors=errors)
    if status_code in (401, 403):
        return Open311AuthError(f"{what} was refused", status_code=status_code, errors=errors)
    if 400 <= status_code < 500:
        return Open311ClientError(
            f"{what} was refused",
            status_code=status_code,
            errors=errors,
            retryable=status_code in RETRYABLE_CLIENT_STATUSES,
        )
    return Open311BadAnswer(
        f"{what} got an unexpected status", status_code=status_code, errors=errors
    )
