"""What a failed delivery attempt was: its kind, whether to retry, and whether the city may
have filed the report anyway (the attempt's outcome is then *unknown*).

An outcome is unknown when the POST may have reached the city: a read timeout, a connection
lost after sending, a 5xx (a CRM may fail after storing), an answer to a POST that could not be
read, a defect in our own code mid-POST. It is known (not filed) when the connection was never
made (refused, connect timeout) or when an HTML page stood in for the CRM (a proxy or
maintenance page: the CRM never saw it, see :mod:`ivr.open311.errors`). A report with an
unknown attempt is looked up at the city before it is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ivr.open311.errors import (
    InvalidRequest,
    Open311BadAnswer,
    Open311ClientError,
    Open311ConnectionError,
    Open311Error,
    Open311ServerError,
    Open311Timeout,
)

KINDS = (
    "timeout",
    "connect_timeout",
    "connection_refused",
    "connection_lost",
    "server_error",
    "html_page",
    "bad_answer",
    "throttled",
    "refused",
    "invalid",
    "unexpected",
    "worker_lost",
)


@dataclass(frozen=True)
class Failure:
    kind: str
    retryable: bool
    maybe_filed: bool
    message: str
    retry_after: float | None = None  # seconds the city asked for (Retry-After)


def classify(error: Exception, *, posting: bool) -> Failure:
    """The failure ``error`` stands for; ``posting``: it was raised by the POST (a lookup or
    token GET files nothing, so its outcome is never unknown)."""
    kind, maybe_filed = _kind(error)
    retryable = error.retryable if isinstance(error, Open311Error) else True
    message = (
        str(error) if isinstance(error, Open311Error) else f"unexpected {type(error).__name__}"
    )
    retry_after = error.retry_after if isinstance(error, Open311Error) else None
    return Failure(kind, retryable, maybe_filed and posting, message, retry_after)


def _kind(error: Exception) -> tuple[str, bool]:
    cause = error.__cause__
    if isinstance(error, Open311Timeout):
        if isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout):
            return "connect_timeout", False
        return "timeout", True
    if isinstance(error, Open311ConnectionError):
        if isinstance(cause, httpx.ConnectError):
            return "connection_refused", False
        return "connection_lost", True
    if isinstance(error, Open311ServerError):
        return "server_error", True
    if isinstance(error, Open311BadAnswer):
        return ("html_page", False) if error.retryable else ("bad_answer", True)
    if isinstance(error, InvalidRequest):
        return "invalid", False
    if isinstance(error, Open311ClientError):
        return ("throttled", False) if error.retryable else ("refused", False)
    if isinstance(error, Open311Error):
        return "bad_answer", True
    return "unexpected", True
