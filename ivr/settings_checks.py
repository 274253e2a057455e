"""Every check a setting's value must pass, each one reporting a problem rather than stopping.

``ivr.settings`` reads the ``IVR_*`` variables and hands the values here by field name; what
comes back is the list of every problem found, one sentence each, naming its variable, so that
an operator fixes them all in one go rather than one per start. The checks are tables (choices,
URLs, ranges, files) and a few functions for settings that depend on one another; a new
setting's check is one line in a table.

This module reads values, never the ``Settings`` class, so that ``ivr.settings`` can import it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PREFIX = "IVR_"
GEOCODERS = ("gazetteer", "nominatim", "pelias", "arcgis", "census")
RECOGNIZERS = ("whisper", "pocketsphinx", "vosk", "twilio")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

# ``IVR_`` variables that are not settings but are read by the project: a staff password for
# scripts (``ivr staff add``) and the test suite's servers. Any other ``IVR_`` name is a typo.
NOT_SETTINGS = frozenset({"IVR_STAFF_PASSWORD", "IVR_TEST_POSTGRES_URL", "IVR_TEST_CHROMIUM"})

Values = Mapping[str, Any]


def env_name(field_name: str) -> str:
    return PREFIX + field_name.upper()


@dataclass(frozen=True)
class Bound:
    """The numbers a setting may take: ``low``/``high`` inclusive unless ``above`` is set, in
    which case ``low`` itself is refused (a timeout of 0)."""

    low: float | None = None
    high: float | None = None
    above: bool = False

    def allows(self, value: float) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.above else value < self.low):
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        low = f"{_number(self.low)}" if self.low is not None else ""
        if self.high is None:
            return f"above {low}" if self.above else f"{low} or more"
        if self.above:
            return f"above {low} and at most {_number(self.high)}"
        return f"from {low} to {_number(self.high)}"


ABOVE_ZERO = Bound(0, above=True)
ZERO_OR_MORE = Bound(0)

CHOICES: dict[str, tuple[str, ...]] = {
    "open311_format": ("json", "xml"),
    "open311_multivalue": ("brackets", "repeat"),
    "open311_api_key_placement": ("form", "bearer"),
    "outbox_worker": ("thread", "off"),
    "recognizer": RECOGNIZERS,
    "geocoder": GEOCODERS,
}

# URLs the gateway calls or is called on: http or https, with a host, when set.
HTTP_URLS = (
    "public_base_url",
    "open311_endpoint",
    "open311_discovery_url",
    "twilio_api_base_url",
    "geocoder_url",
)

# Every number has a ceiling too: a lease, back-off or session of 10^12 seconds is no choice
# anyone makes, and past the calendar's end (year 9999) it fails at run time, not here.
MINUTE, HOUR, DAY = 60, 3600, 86400
RANGES: dict[str, Bound] = {
    "port": Bound(1, 65535),
    "twilio_timeout": Bound(0, 10 * MINUTE, above=True),
    "open311_timeout": Bound(0, 10 * MINUTE, above=True),
    "open311_services_ttl": Bound(0, 30 * DAY),
    "web_workers": Bound(1, 64),
    "web_threads": Bound(2, 512),
    "outbox_lease": Bound(0, DAY, above=True),
    "outbox_retry_base": Bound(0, DAY, above=True),
    "outbox_retry_cap": Bound(0, 7 * DAY, above=True),
    "outbox_token_checks": Bound(0, 10_000),
    "geocoder_timeout": Bound(0, 10 * MINUTE, above=True),
    "operator_wait_seconds": Bound(30, HOUR),
    "handoff_code_minutes": Bound(0, 7 * DAY // MINUTE, above=True),
    "filing_wait": Bound(0, 60),
    "staff_session_minutes": Bound(0, 7 * DAY // MINUTE, above=True),
    "staff_session_hours": Bound(0, 366 * DAY // HOUR, above=True),
    "feed_max_streams": Bound(0, 512),
    "feed_poll_seconds": Bound(0, HOUR, above=True),
    "feed_settle_seconds": Bound(0, HOUR),
    "duplicate_radius_metres": Bound(0, 100_000),
    "duplicate_days": Bound(1, 90),
    "transcript_hold": Bound(0, 10),
    "min_address_confidence": Bound(0, 1),
    "stale_call_minutes": Bound(5, 1440),
    "retention_days": Bound(0, 36500),
}

# Files the gateway reads at start, when set (empty: the sample shipped with voice311).
FILES = ("services_file", "gazetteer_file", "gazetteer_neighbourhoods_file")

# The database backends voice311 runs on, by SQLAlchemy backend name, with the drivers it ships.
DATABASES = {"sqlite": ("pysqlite",), "postgresql": ("psycopg",)}


def problems(values: Values) -> list[str]:
    """Every problem with the settings' values, one sentence each; empty when all is well."""
    found: list[str] = []
    for check in CHECKS:
        found.extend(check(values))
    return found


def unknown_variables(environ: Mapping[str, str], known: Collection[str]) -> list[str]:
    """A sentence for each ``IVR_`` variable that is no setting, with the nearest real name."""
    # Compared without the prefix they all share, which would make any two names look alike.
    names = sorted(name.removeprefix(PREFIX) for name in known)
    found = []
    for name in sorted(environ):
        if not name.startswith(PREFIX) or name in known or name in NOT_SETTINGS:
            continue
        nearest = difflib.get_close_matches(name.removeprefix(PREFIX), names, n=1, cutoff=0.7)
        hint = (
            f"did you mean {PREFIX}{nearest[0]}?" if nearest else "the README lists every setting"
        )
        found.append(f"{name} is not a voice311 setting ({hint})")
    return found


def normalised_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` (as hosting providers hand them out) name the
    psycopg 3 driver voice311 ships; SQLAlchemy would otherwise look for psycopg2."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def shown_database_url(url: str) -> str:
    """The URL with its password hidden, fit for a message or a log line."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unreadable URL)"


# -- the checks -------------------------------------------------------------------------------


def _choices(values: Values) -> Iterator[str]:
    for name, allowed in CHOICES.items():
        if values[name] not in allowed:
            yield f"{env_name(name)} must be {_one_of(allowed)} (it is {values[name]!r})"
    level = values["log_level"]
    if str(level).upper() not in LOG_LEVELS:
        yield f"{env_name('log_level')} must be {_one_of(LOG_LEVELS)} (it is {level!r})"


def _host(values: Values) -> Iterator[str]:
    host = str(values["host"])
    if not host.strip() or any(c.isspace() or c in "/@" for c in host):  # "::" is IPv6
        # gunicorn reads an empty host as every interface: a gateway left open by accident.
        yield (
            f"{env_name('host')} must be the address to listen on, such as 127.0.0.1, or "
            f"0.0.0.0 for every interface (it is {host!r})"
        )


def is_http_url(url: str) -> bool:
    """An http:// or https:// URL with a host (settings, and URLs given on a command line)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (read for its ValueError)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a port that is not a number, a bracketed host that is not IPv6
        return False


def _urls(values: Values) -> Iterator[str]:
    for name in HTTP_URLS:
        url = values[name]
        if name != "twilio_api_base_url" and not url:
            continue
        if not is_http_url(url):
            yield (
                f"{env_name(name)} must be an http:// or https:// URL with a host (it is {url!r})"
            )
    if not is_http_url(values["public_base_url"]):
        return  # said above; splitting it again may fail (a bracketed host that is not IPv6)
    base = urlsplit(values["public_base_url"])
    if base.query or base.fragment:
        yield (
            f"{env_name('public_base_url')} must be the gateway's root URL, without a query "
            "or a fragment (webhook signatures are computed over it followed by the path)"
        )


def _ranges(values: Values) -> Iterator[str]:
    for name, bound in RANGES.items():
        if not bound.allows(values[name]):
            yield f"{env_name(name)} must be {bound.describe()} (it is {_number(values[name])})"
    workers = values["recognition_workers"]
    if workers != "auto" and not (workers.isdecimal() and int(workers) <= 64):
        yield f"{env_name('recognition_workers')} must be auto or 0 to 64 (it is {workers!r})"


def _files(values: Values) -> Iterator[str]:
    for name in FILES:
        path = values[name]
        if path and not Path(path).exists():
            yield f"{env_name(name)} names {path}, which does not exist"


def _flow(values: Values) -> Iterator[str]:
    name = values["flow"]
    if name == "intake":
        return
    known = flow_names()
    if name not in known:
        yield f"{env_name('flow')} must name a flow: {_one_of(known)} (it is {name!r})"


def flow_names() -> tuple[str, ...]:
    """The flows a gateway can start a call in: the generated intake and each shipped flow,
    by the name its document gives (the documents are read, not validated)."""
    from flows.loader import read_document, shipped_flow_paths

    names = ["intake"]
    for path in shipped_flow_paths():
        try:
            document = read_document(path)
        except ValueError:  # FlowError: reported by ``ivr flows check``, not here
            continue
        if isinstance(document, dict) and isinstance(document.get("name"), str):
            names.append(document["name"])
    return tuple(names)


def _database(values: Values) -> Iterator[str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    name = env_name("database_url")
    try:
        url = make_url(values["database_url"])
    except ArgumentError:
        yield (
            f"{name} is not a database URL: it looks like sqlite:///voice311.db or "
            "postgresql+psycopg://user:password@host/database"
        )
        return
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend not in DATABASES:
        yield (
            f"{name} names a {backend} database: voice311 runs on SQLite (sqlite:///file.db) "
            "or PostgreSQL (postgresql+psycopg://user:password@host/database)"
        )
    elif "+" in url.drivername and driver not in DATABASES[backend]:
        yield (
            f"{name} asks for the {driver} driver, which voice311 does not ship: "
            f"use {backend}+{DATABASES[backend][0]}://"
        )
    elif backend == "sqlite" and url.database in (None, "", ":memory:"):
        yield (
            f"{name} names an in-memory SQLite database, which every process would have its "
            "own of and which keeps nothing: name a file, sqlite:///voice311.db"
        )


def _combinations(values: Values) -> Iterator[str]:
    """Settings that only make sense together."""
    if values["outbox_lease"] <= 3 * values["open311_timeout"]:
        yield (
            f"{env_name('outbox_lease')} must be more than three times "
            f"{env_name('open311_timeout')} (a lookup, a POST and a token exchange)"
        )
    if values["outbox_retry_base"] > values["outbox_retry_cap"]:
        yield f"{env_name('outbox_retry_base')} must be at most {env_name('outbox_retry_cap')}"
    if values["recognizer"] == "whisper" and not values["whisper_model"]:
        yield f"{env_name('whisper_model')} must name a Whisper model"
    if values["recognizer"] == "vosk" and not values["vosk_model"]:
        yield f"{env_name('vosk_model')} must name a model directory for vosk"
    if values["sms_from"] and not (values["twilio_account_sid"] and values["twilio_auth_token"]):
        yield (
            f"{env_name('sms_from')} needs {env_name('twilio_account_sid')} and "
            f"{env_name('twilio_auth_token')}"
        )


def _places(values: Values) -> Iterator[str]:
    """The map's opening view and the geocoder's area, parsed as the gateway will parse them."""
    from ivr.addresses.bounds import Bounds
    from ivr.opendata.map_view import MapView

    try:
        MapView.parse(values["map_center"])
    except ValueError as error:
        yield f"{env_name('map_center')}: {error}"
    if str(values["geocoder_bounds"]).strip():
        try:
            Bounds.parse(values["geocoder_bounds"])
        except ValueError as error:
            yield f"{env_name('geocoder_bounds')}: {error}"


def _city_time(values: Values) -> Iterator[str]:
    """The city's time zone, when set, names a zone this machine knows."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = str(values["city_timezone"]).strip()
    if not name:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"{env_name('city_timezone')} {name!r} is not a known IANA time zone"


CHECKS: tuple[Callable[[Values], Iterator[str]], ...] = (
    _choices,
    _host,
    _urls,
    _ranges,
    _files,
    _flow,
    _database,
    _combinations,
    _places,
    _city_time,
)


def _one_of(choices: Collection[str]) -> str:
    items = list(choices)
    return ", ".join(items[:-1]) + f" or {items[-1]}" if len(items) > 1 else items[0]


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
