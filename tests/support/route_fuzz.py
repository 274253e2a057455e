"""Generated requests for every route of the gateway's app (tests/integration/test_fuzz_routes.py).

A request is drawn for one rule of ``app.url_map``: one of the methods the rule allows (now and
then one it does not), its path arguments filled with odd values (unicode digits, huge numbers,
empty, slashes, real ids of the seeded store), a query string and a body of the names the
gateway reads (Twilio's, GeoReport v2's, the staff forms') with odd values, odd headers, and
who sends it: for a webhook, signed with the right auth token, a wrong one or none; for a
staff page, nobody, an agent or an admin, with the session's CSRF token or without.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from hypothesis import strategies as st
from werkzeug.routing import Rule

HUGE = "9" * 30
ODD_VALUES = [
    "",
    " ",
    "0",
    "1",
    "-1",
    "07",
    "2",
    "1#",
    "*",
    "#",
    "hangup",
    "completed",
    "in-progress",
    "bridged",
    "no-answer",
    "0.5",
    "1.5",
    "nan",
    "inf",
    "-Infinity",
    "1e999",
    HUGE,
    "9" * 5000,
    "99999999999999999999",
    "18446744073709551616",
    "²",
    "¹²³",
    "٣",
    "١٢٣٤",
    "１２",
    "𝟗",
    "Ⅻ",
    "½",
    "\u0000",
    "\ufeff",
    "\u202e",
    "é",
    "日本",
    "..",
    "../..",
    "a/b",
    "%00",
    "%ff%fe",
    "<script>",
    "' OR 1=1 --",
    "{}",
    "[]",
    "null",
    "true",
    "json",
    "xml",
    "atom",
    "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
    "http://127.0.0.1:9/recording.wav",
    "file:///etc/passwd",
    "2024-01-01T00:00:00Z",
    "9999-12-31T23:59:59+14:00",
    "1-1",
    f"{HUGE}-{HUGE}",
    "1-" + "9" * 20,
    "٣-٣",
    "42.36,-71.06,13",
    "91,0,1",
    "0,0,²",
    "+16175550100",
    "en",
    "es",
    "ko",
    "operator",
    "send",
    "intake",
    "bike_rack",
]
FIELD_NAMES = [
    # Twilio's webhooks
    "CallSid",
    "AccountSid",
    "From",
    "To",
    "Digits",
    "SpeechResult",
    "Confidence",
    "RecordingUrl",
    "RecordingDuration",
    "RecordingStatus",
    "CallStatus",
    "DialCallStatus",
    "QueueResult",
    "DequeingCallSid",
    "bodySHA256",
    # GeoReport v2
    "service_code",
    "service_request_id",
    "lat",
    "long",
    "address_string",
    "description",
    "attribute[kind]",
    "attribute[]",
    "api_key",
    "jurisdiction_id",
    "start_date",
    "end_date",
    "status",
    "limit",
    "after",
    "view",
    # the staff forms
    "csrf_token",
    "username",
    "password",
    "next",
    "target",
    "state",
    "page",
]
HEADER_NAMES = [
    "Accept",
    "Accept-Language",
    "Last-Event-ID",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    "X-CSRF-Token",
    "X-Request-ID",
    "If-Modified-Since",
    "If-None-Match",
    "Range",
    "Origin",
    "Referer",
    "User-Agent",
    "Cookie",
]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/json",
    "text/xml",
    "text/plain",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "",
    "²/²",
]
RAW_QUERIES = [
    "",
    "%ff",
    "a=%ff%fe&b",
    "&&=",
    "limit=²",
    "limit=%C2%B2",
    "=",
    "x" * 3000,
    "bodySHA256=",
    "bodySHA256=00",
]
# What stands where a number is expected: huge, negative, or digits str.isdigit accepts and
# int() does not (or reads as another number).
NUMBERISH = [
    "0",
    "1",
    "-1",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999",
    "18446744073709551616",
    "9" * 30,
    "9" * 5000,
    "²",
    "٣",
    "١٢٣",
    "１２",
    "𝟗",
    "1e3",
    "0x10",
]
ODD_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
_PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
SENDERS = ["signed", "wrongly signed", "unsigned"]
STAFF = ["nobody", "agent", "admin"]


@dataclass
class Drawn:
    """One generated request, before it is signed or sent."""

    rule: str
    endpoint: str
    method: str
    path: str
    query: str
    form: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    sender: str = "signed"
    staff: str = "nobody"
    with_csrf: bool = True
    address: str = "127.0.0.1"


LATIN1_TEXT = st.text(
    alphabet=st.characters(max_codepoint=255, exclude_categories=("Cc",)), max_size=40
)
ANY_TEXT = st.text(max_size=12)
ADDRESSES = ["127.0.0.1", "10.1.2.3", "::1", "192.0.2.7"]
TWILIO_NAMES = FIELD_NAMES[:15]


def requests(rules: list[Rule], ids: list[str]) -> st.SearchStrategy[Drawn]:
    """Requests for ``rules``, with ``ids`` (of the seeded store) among the values. The
    strategies are built once here: building them per example costs more than the request."""
    value = st.one_of(
        st.sampled_from(ODD_VALUES), st.sampled_from(ids), ANY_TEXT, st.integers().map(str)
    )
    name = st.sampled_from(FIELD_NAMES) | st.text(min_size=1, max_size=12)
    query = st.lists(st.tuples(name, value), max_size=4).map(urlencode)
    sid = st.sampled_from([*ids[:1], "CA" + "0" * 32, "CA1", "", "CA/1", "²"]) | ANY_TEXT
    # A webhook's form most often names a call, as Twilio's always do.
    twilio = st.tuples(
        sid, st.lists(st.tuples(st.sampled_from(TWILIO_NAMES), value), max_size=5)
    ).map(lambda drawn: [("CallSid", drawn[0]), *drawn[1]])
    form = st.lists(st.tuples(name, value), max_size=6) | twilio
    raw = st.tuples(
        st.binary(max_size=80) | st.text(max_size=80).map(str.encode),
        st.sampled_from(CONTENT_TYPES),
    )
    header_value = st.sampled_from([v for v in ODD_VALUES if _latin1(v)]) | LATIN1_TEXT
    header = st.tuples(st.sampled_from(HEADER_NAMES), header_value)
    per_rule = {rule.rule: _for_rule(rule, value, ids) for rule in rules}
    return st.builds(
        _assemble,
        st.sampled_from(rules).flatmap(lambda rule: per_rule[rule.rule]),
        query | st.sampled_from(RAW_QUERIES),
        st.one_of(form, form, raw, st.none()),
        st.lists(header, max_size=3),
        st.sampled_from(SENDERS),
        st.sampled_from(STAFF),
        st.sampled_from([True, True, True, False]),  # a staff form carries its CSRF token
        st.sampled_from(ADDRESSES),
    )


def _for_rule(
    rule: Rule, value: st.SearchStrategy[str], ids: list[str]
) -> st.SearchStrategy[tuple[Rule, str, str]]:
    """A rule with one of its methods (most often one that does something, now and then one it
    does not allow) and its path filled in; a number's place most often holds an odd number."""
    allowed = sorted(rule.methods or {"GET"})
    acting = [m for m in allowed if m not in ("HEAD", "OPTIONS")] or allowed
    method = st.one_of(
        *[st.sampled_from(acting)] * 3, st.sampled_from(allowed), st.sampled_from(ODD_METHODS)
    )
    numbers = st.sampled_from(NUMBERISH)
    placed = [
        numbers | numbers | numbers | st.sampled_from(ids)
        if type(rule._converters[name]).__name__ == "IntegerConverter"
        else numbers | st.sampled_from(ids) | st.sampled_from(ids) | value | value
        for name in sorted(rule.arguments)
    ]
    names = sorted(rule.arguments)
    path = st.tuples(*placed).map(
        lambda drawn: filled_path(rule, dict(zip(names, drawn, strict=True)))
    )
    return st.tuples(st.just(rule), method, path)


def _assemble(
    chosen: tuple[Rule, str, str],
    query: str,
    body: list[tuple[str, str]] | tuple[bytes, str] | None,
    headers: list[tuple[str, str]],
    sender: str,
    staff: str,
    with_csrf: bool,
    address: str,
) -> Drawn:
    rule, method, path = chosen
    drawn = Drawn(rule.rule, str(rule.endpoint), method, path, query)
    if isinstance(body, tuple):
        drawn.body, drawn.content_type = body
    elif body is not None:
        drawn.form = body
    drawn.headers = dict(headers)
    drawn.sender, drawn.staff, drawn.with_csrf, drawn.address = sender, staff, with_csrf, address
    return drawn


def filled_path(rule: Rule, arguments: dict[str, str]) -> str:
    """The rule's path with each ``<converter:name>`` replaced by its (quoted) value."""
    return _PLACEHOLDER.sub(lambda found: quote(arguments[found.group(1)], safe=""), rule.rule)


def _latin1(value: str) -> bool:
    return all(ord(ch) < 256 and ch.isprintable() for ch in value)
