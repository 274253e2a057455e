"""What a failed call to a city is called in a log line, the one wording every part uses.

Log lines never carry the city's own error descriptions (``str(error)`` does): a city's 400
can echo what the caller said. They carry the error's kind, its HTTP status and our own
message (:func:`brief`), and, where a person reads what happened, the city's side of it in
words (:func:`what_went_wrong`): a 4xx is the city refusing what it read, never "the city cannot
be reached", which is said of a timeout or a connection that failed.
"""

from __future__ import annotations

from ivr.open311.errors import (
    Open311BadAnswer,
    Open311ClientError,
    Open311ConnectionError,
    Open311Error,
    Open311ServerError,
    Open311Timeout,
)


def brief(error: Open311Error) -> str:
    """An error for a log line: its kind and status, without the city's descriptions (which
    may echo what the caller said)."""
    status = f" HTTP {error.status_code}" if error.status_code is not None else ""
    return f"{type(error).__name__}{status}: {error.message}"


def what_went_wrong(error: Open311Error) -> str:
    """The city's side of a failed call, in words: a 4xx is a refusal, not an outage."""
    status = f" (HTTP {error.status_code})" if error.status_code is not None else ""
    if isinstance(error, Open311ClientError):
        return f"the city refused the query{status}"
    if isinstance(error, Open311Timeout | Open311ConnectionError):
        return "the city cannot be reached"
    if isinstance(error, Open311ServerError):
        return f"the city failed to answer{status}"
    if isinstance(error, Open311BadAnswer):
        return f"the city's answer could not be read{status}"
    return f"the query failed{status}"
