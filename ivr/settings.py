"""The gateway's settings: one frozen dataclass read from ``IVR_*`` environment variables.

Every field carries its environment variable's description in its metadata; the README's
settings table is checked against this module by a test, so the two cannot drift apart.
Nothing here does I/O at import time.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ivr import settings_checks
from ivr.settings_checks import GEOCODERS, PREFIX, RECOGNIZERS, env_name

if TYPE_CHECKING:
    from ivr.addresses.bounds import Bounds
    from ivr.opendata.map_view import MapView

PACKAGE_DATA = Path(__file__).resolve().parent / "data"
__all__ = [
    "GEOCODERS",
    "PACKAGE_DATA",
    "PREFIX",
    "RECOGNIZERS",
    "Settings",
    "SettingsError",
    "documented_settings",
    "env_name",
    "setting_names",
]


class SettingsError(ValueError):
    """Settings that cannot be used: ``problems`` holds one sentence per problem, each naming
    its variable, and the message is those sentences, one a line."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Settings:
    database_url: str = _setting(
        "sqlite:///voice311.db",
        "SQLAlchemy URL of the store. A SQLite file under the working directory by default; "
        "`postgresql+psycopg://user:pass@host/db` for PostgreSQL (`postgres://` and "
        "`postgresql://` URLs are read as `postgresql+psycopg://`).",
    )
    host: str = _setting("127.0.0.1", "Address `ivr serve` listens on.")
    port: int = _setting(8311, "Port `ivr serve` listens on.")
    public_base_url: str = _setting(
        "",
        "The URL Twilio uses to reach the gateway, scheme included (e.g. "
        "`https://311.example.gov`). Set it behind "
        "a proxy: webhook signatures are computed over this URL. Empty: the request's own URL.",
    )
    twilio_auth_token: str = _setting(
        "",
        "Twilio auth token: every webhook must carry an `X-Twilio-Signature` made with it, and "
        "`ivr call` signs with it. Empty: webhooks are refused unless "
        "`IVR_DEV_ALLOW_UNSIGNED_WEBHOOKS` is set.",
    )
    twilio_account_sid: str = _setting(
        "",
        "Twilio account SID (`AC…`): the account for Twilio's REST API (text messages, handing "
        "a live call back into a flow), and the one `ivr call` sends. Empty: no REST calls; "
        "`ivr call` makes a random one per call.",
    )
    twilio_api_base_url: str = _setting(
        "https://api.twilio.com",
        "Where Twilio's REST API is reached. Change it only to point at a test double or a "
        "regional edge.",
    )
    twilio_timeout: float = _setting(10.0, "Seconds allowed for one request to Twilio's REST API.")
    trust_proxy_headers: bool = _setting(
        False,
        "Trust `X-Forwarded-Proto` and `X-Forwarded-Host` when rebuilding the URL a webhook "
        "signature covers (ignored when `IVR_PUBLIC_BASE_URL` is set), and the last "
        "`X-Forwarded-For` entry as the client's address when counting failed staff log-ins. "
        "Set only behind a proxy that sets them.",
    )
    dev_allow_unsigned_webhooks: bool = _setting(
        False,
        "Development only: accept webhooks without a signature when no Twilio auth token is set. "
        "Never set it on a gateway reachable from the internet.",
    )
    secret_key: str = _setting(
        "",
        "Key that signs staff sessions. Empty: a random key per process (sessions end on restart).",
    )
    log_level: str = _setting("INFO", "Log level: DEBUG, INFO, WARNING or ERROR.")
    access_log: bool = _setting(
        True,
        "Log one JSON line per HTTP request (method, path without the query string, status, "
        "duration, bytes, request id); answered `/healthz`, `/readyz` and `/metrics` probes "
        "at DEBUG.",
    )
    metrics_token: str = _setting(
        "",
        "Bearer token `/metrics` requires (`Authorization: Bearer <token>`). Empty: `/metrics` "
        "is open; then block it at the proxy if the gateway faces the internet.",
    )
    open311_endpoint: str = _setting(
        "",
        "Base URL of the city's GeoReport v2 endpoint (the folder holding `services.json`). "
        "Empty: the gateway's own embedded endpoint.",
    )
    open311_format: str = _setting("json", "Format spoken to the city's endpoint: `json` or `xml`.")
    open311_api_key: str = _setting(
        "", "API key sent to the city's endpoint (where: `IVR_OPEN311_API_KEY_PLACEMENT`)."
    )
    open311_api_key_placement: str = _setting(
        "form",
        "`form`: the API key goes as `api_key` in the body of each POST only (the spec); "
        "`bearer`: as `Authorization: Bearer <key>` on every call, reads too (Boston's BOS:311 "
        "raises its rate limit for keyed reads). Never in a URL.",
    )
    open311_multivalue: str = _setting(
        "brackets",
        "How a multivaluelist answer is sent: `brackets`, `attribute[code][]=v` repeated (the "
        "spec's form); `repeat`, `attribute[code]=v` repeated (mySociety's open311-adapter). "
        "The same form whatever the number of values.",
    )
    open311_jurisdiction_id: str = _setting(
        "", "`jurisdiction_id` sent to the city's endpoint; empty: never sent."
    )
    open311_timeout: float = _setting(
        10.0, "Seconds before a call to the city's endpoint times out."
    )
    open311_services_ttl: float = _setting(
        3600.0,
        "Seconds a cached service list is trusted before it is fetched again (it is also "
        "refreshed when the discovery `changeset` changes).",
    )
    open311_discovery_url: str = _setting(
        "",
        "URL of the city's `discovery.json` (or `.xml`); when set, the service list is fetched "
        "again as soon as its `changeset` changes. Empty: the TTL alone decides.",
    )
    services_file: str = _setting(
        "",
        "JSON or YAML file of the services the embedded endpoint offers. Empty: the sample city "
        "shipped with voice311 (San Francisco's 2010 list).",
    )
    embedded_api_key: str = _setting(
        "", "API key the embedded endpoint requires on POST; empty: none required."
    )
    embedded_jurisdiction_id: str = _setting(
        "", "Jurisdiction the embedded endpoint answers for; empty: any or none accepted."
    )
    embedded_contact: str = _setting(
        "the city's 311 office",
        "Who runs the embedded endpoint and how to reach them (an office, an address, a web "
        "page): published as `contact` in its discovery document, and named in `key_service` "
        "when POSTs need an API key.",
    )
    outbox_worker: str = _setting(
        "thread",
        "`thread`: `ivr serve` delivers the outbox and runs the quick jobs (questions to the "
        "city) in threads of each web process, and starts the recognition workers "
        "(`IVR_RECOGNITION_WORKERS`); `off`: leave all of it to separate `ivr worker` "
        "processes.",
    )
    recognition_workers: str = _setting(
        "auto",
        "Recognition worker processes `ivr serve` starts beside its web process, fed from the "
        "jobs table: `auto` one per core, a number, or `0` to start none (recordings are then "
        "transcribed by `ivr worker` processes, on this machine or others, on PostgreSQL). A "
        "web process never decodes.",
    )
    web_workers: int = _setting(
        1,
        "Web processes (gunicorn workers) of `ivr serve`; `--workers` overrides it. More than "
        "one requires `IVR_SECRET_KEY`, so that every process accepts the others' staff "
        "sessions.",
    )
    web_threads: int = _setting(
        32,
        "Threads of each `ivr serve` web process (gunicorn `gthread`). A webhook holding its "
        "answer for a transcript (`IVR_TRANSCRIPT_HOLD`) takes one; at most three quarters of "
        "them hold at once, so the others are always free to answer.",
    )
    outbox_lease: float = _setting(
        120.0,
        "Seconds a worker holds a report it is delivering; a report held longer (the worker "
        "died) is taken by another worker, which looks it up at the city before sending it "
        "again. More than three times `IVR_OPEN311_TIMEOUT`.",
    )
    outbox_retry_base: float = _setting(
        5.0, "Seconds before the first retry of a failed delivery; each retry waits twice as long."
    )
    outbox_retry_cap: float = _setting(900.0, "Most seconds between two delivery attempts.")
    outbox_token_checks: int = _setting(
        30,
        "Times a batch service's token is exchanged for a request id (with the same back-off) "
        "before the gateway stops asking.",
    )
    gazetteer_file: str = _setting(
        "",
        "The city's address points (AddressData or OpenAddresses CSV). `ivr serve` imports them "
        "at start as the dataset named after the file (`miami-addresses.csv`: "
        "`miami-addresses`) unless the gazetteer holds it already, and geocodes with it. Set it "
        "before the first start. Empty: with an empty gazetteer, the sample Boston addresses "
        "shipped with voice311 (dataset `sample-boston`; ODbL, © OpenStreetMap contributors), "
        "with a warning at every start.",
    )
    gazetteer_datasets: str = _setting(
        "",
        "Comma-separated names of the gazetteer datasets geocoding uses (`ivr gazetteer list`); "
        "several are used together, as one city. Empty: the dataset of `IVR_GAZETTEER_FILE`, "
        "else the only dataset there is; with several and none chosen, `ivr serve` refuses to "
        "start.",
    )
    gazetteer_neighbourhoods_file: str = _setting(
        "",
        "CSV (`postal_code,neighbourhood`) naming the neighbourhood of each postal code, used for "
        "address points that carry no district. Empty: Boston's, shipped with voice311.",
    )
    geocoder: str = _setting(
        "gazetteer",
        "What turns a spoken address into a point: `gazetteer` (the city's own address points), "
        "`nominatim`, `pelias`, `arcgis` or `census` (remote services).",
    )
    geocoder_url: str = _setting(
        "",
        "Base URL of the remote geocoder. Empty: the public service (nominatim.openstreetmap.org, "
        "api.geocode.earth, ArcGIS World Geocoding Service, geocoding.geo.census.gov).",
    )
    geocoder_api_key: str = _setting(
        "",
        "Key sent to the remote geocoder (Pelias `api_key`, ArcGIS `token`); empty: none sent.",
    )
    geocoder_city: str = _setting(
        "", "City name added to every remote geocoder query (e.g. `Boston`); empty: none."
    )
    geocoder_region: str = _setting(
        "", "State or region added to every remote geocoder query (e.g. `MA`); empty: none."
    )
    geocoder_country: str = _setting(
        "us", "ISO 3166-1 alpha-2 country the remote geocoder searches in; empty: any."
    )
    geocoder_bounds: str = _setting(
        "",
        "The city's area as `west,south,east,north` degrees (Boston: "
        "`-71.191,42.227,-70.986,42.397`): remote geocoders search inside it and places "
        "outside it are dropped. Empty: no bound.",
    )
    geocoder_timeout: float = _setting(
        5.0, "Seconds before a request to the remote geocoder times out."
    )
    flow: str = _setting(
        "intake",
        "The call flow a new call starts in: `intake` (generated from the city's services) or "
        "the name of another flow the gateway ships (e.g. `bike_rack`).",
    )
    operator_number: str = _setting(
        "",
        "Number a caller asking for a person is connected to (a `<Dial>` target, e.g. "
        "`+16175550100`). Empty (and no queue): the caller hears that no one is available, "
        "and the call ends kindly.",
    )
    operator_queue: str = _setting(
        "",
        "Twilio queue a caller asking for a person waits in (`<Enqueue>`); takes precedence "
        "over `IVR_OPERATOR_NUMBER`. Empty: none.",
    )
    handoff_code_minutes: int = _setting(
        30,
        "Minutes a handoff code an agent reads to a caller stays valid (it is used once).",
    )
    handoff_number: str = _setting(
        "",
        "The handoff number staff give callers (or transfer them to) with a handoff code; its "
        "*A call comes in* URL is `/twilio/voice/handoff`. Shown to staff; empty: not set up.",
    )
    filing_wait: int = _setting(
        4,
        "Seconds a caller waits at the end of the call for the city's reference number (one "
        '"one moment" per second); after that they hear that the report was received.',
    )
    recognizer: str = _setting(
        "whisper",
        "Who recognises the caller's recordings — the place, the street said alone, the "
        "description (spoken answers to menus and to a service's questions are Twilio's: "
        "README, *What is recognised where*): `whisper` (on this machine: Whisper "
        "from the pinned model wheels, tiny.en for English and the multilingual base for "
        "Spanish, with PocketSphinx's street model hearing every address beside it and the "
        "gazetteer choosing), `pocketsphinx` (on this machine, English only, the model in its "
        "wheel), `vosk` (on this machine, the model in `IVR_VOSK_MODEL`) or `twilio` (Twilio's "
        'cloud speech, `<Gather input="speech">`; descriptions go to staff as recordings).',
    )
    whisper_model: str = _setting(
        "tiny.en",
        "The Whisper model `IVR_RECOGNIZER=whisper` uses first: `tiny.en` or `base` (shipped in "
        "the pinned wheels, SHA-256 checked at load) or the directory of a model "
        "`ivr models download` installed (e.g. `models/faster-whisper-small`).",
    )
    whisper_multilingual_model: str = _setting(
        "base",
        "The Whisper model for callers in a language `IVR_WHISPER_MODEL` does not speak "
        "(tiny.en speaks English only): `base` (shipped) or a downloaded model's directory. "
        "Empty: such callers' words are not transcribed, their recordings go to staff.",
    )
    vosk_model: str = _setting(
        "", "Directory of the Vosk model used when `IVR_RECOGNIZER` is `vosk`."
    )
    models_dir: str = _setting(
        "models",
        "Directory `ivr models download` unpacks models into (relative: working dir); it also "
        "keeps the city's street models (`grammars/`) and gazetteer index snapshots "
        "(`gazetteer-index/`), built once per dataset.",
    )

    staff_session_minutes: int = _setting(
        30,
        "Minutes a staff session lasts without a page opened or a form sent (idle limit); a "
        "page that refreshes itself does not count.",
    )
    staff_session_hours: int = _setting(
        10, "Hours a staff session lasts at most from its log-in, however busy (absolute limit)."
    )
    map_tile_url: str = _setting(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Tile URL template of the public map (`/map`) and the request pages (Leaflet's `{z}`, "
        "`{x}`, `{y}`, `{s}`). The pages' Content-Security-Policy allows images from its host.",
    )
    map_attribution: str = _setting(
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "Attribution (HTML) the tile provider requires, shown in the map's corner.",
    )
    map_center: str = _setting(
        "42.3601,-71.0589,13",
        "Where the public map opens: `latitude,longitude,zoom` (the sample city, Boston).",
    )
    feed_max_streams: int = _setting(
        4,
        "Live event streams (`/open311/v2/requests/events`) one server process holds open at "
        "once; each holds one web thread (`IVR_WEB_THREADS`). Beyond it: 503 with `Retry-After`.",
    )
    feed_poll_seconds: float = _setting(
        1.0, "Seconds between two reads of the store by each live event stream."
    )
    feed_settle_seconds: float = _setting(
        2.0,
        "Seconds a change waits before the event stream sends it, so that a change stamped "
        "earlier but committed later is never skipped. Above the longest write transaction "
        "plus the clock skew between the gateway's machines.",
    )
    sms_from: str = _setting(
        "",
        "Number (E.164) or messaging service SID (`MG…`) that sends callers a text message with "
        "their reference number, when they agree to one during the call. Empty: no texts, and "
        "callers are not asked. Needs `IVR_TWILIO_ACCOUNT_SID` and `IVR_TWILIO_AUTH_TOKEN`.",
    )
    status_link: str = _setting(
        "{base}/requests/{id}",
        "Status link sent in the text message: `{base}` is `IVR_PUBLIC_BASE_URL`, `{id}` the "
        "city's request id. Empty (or `{base}` with no public base URL): no link is sent.",
    )
    city_timezone: str = _setting(
        "",
        "The city's IANA time zone (e.g. `America/New_York`): the day a caller hears or reads "
        "for an expected date, and the embedded endpoint's `expected_days` counted in it. "
        "Empty: UTC.",
    )
    city_language: str = _setting(
        "en",
        "The language the city writes its notices in (a prompt catalogue's language): a "
        "caller in another language hears the city's notice introduced as the city's words.",
    )
    duplicate_radius_metres: float = _setting(
        50.0,
        "Before filing, an open request of the same service this close to the confirmed place "
        "is offered to the caller to add their voice to. 0: no check.",
    )
    duplicate_days: int = _setting(
        30, "How many days back an open request counts as the same problem (at most 90)."
    )
    recording_hosts: str = _setting(
        "",
        "Hosts besides Twilio's own (`api.twilio.com`, `api.<region>.twilio.com`) that "
        "recordings may be downloaded from, comma separated, as `host` or `host:port` (e.g. "
        "a test's `127.0.0.1:8765`). No other URL is ever fetched.",
    )
    transcript_hold: float = _setting(
        1.5,
        "Seconds a webhook holds its answer while a caller's recording is being transcribed, "
        'so that the read-back follows at once; after that the caller hears "one moment".',
    )
    recording_notice: bool = _setting(
        True,
        "Tell every caller, in the language they chose, that the call is recorded and "
        "transcribed (the catalogue prompt `common.recording_notice`, which a city may "
        "reword). `off` only where the city's lawyers say no notice is needed.",
    )
    stale_call_minutes: int = _setting(
        30,
        "Minutes without any webhook after which a call in the flow is taken to be over (its "
        "status callback was lost): the sweep ends it as a hang-up and erases the caller's "
        "number. A call waiting for or talking with staff is left for 24 hours. 5 to 1440.",
    )
    retention_days: int = _setting(
        0,
        "Days the caller's recordings, transcripts, spoken addresses and numbers are kept; "
        "older ones are erased (reports keep their public fields). 0: kept until the city "
        "deletes them; set it from the city's records schedule (docs/retention.md).",
    )
    min_address_confidence: float = _setting(
        0.5,
        "An address or a street recognised on this machine with less confidence than this "
        "(0–1, calibrated per engine: how often a reading so sure was right, measured by "
        "`benchmarks/calibrate_engines.py`; 0.5 is PocketSphinx's raw 0.62 and Whisper's 0.42) "
        "is not read back: the flow's next repair asks again instead (the keypad, then the "
        "street's letters).",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every ``IVR_*`` variable, converting to the field's type, and check them all.

        Raises one :class:`SettingsError` listing every problem: values that are not of their
        type, values out of their range, and ``IVR_`` variables that are no setting."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        found: list[str] = []
        for f in dataclasses.fields(cls):
            name = env_name(f.name)
            if name not in env:
                continue
            try:
                values[f.name] = _convert(name, env[name], f.type)
            except SettingsError as error:
                found.extend(error.problems)
        if "database_url" in values:
            values["database_url"] = settings_checks.normalised_database_url(values["database_url"])
        found.extend(settings_checks.unknown_variables(env, setting_names()))
        settings = cls(**values)
        found.extend(settings.problems())
        if found:
            raise SettingsError(*found)
        return settings

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def problems(self) -> list[str]:
        """Every problem with these values, one sentence each (``ivr.settings_checks``)."""
        return settings_checks.problems(
            {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        )

    def validate(self) -> None:
        """Raise one :class:`SettingsError` listing every problem, if there is any."""
        found = self.problems()
        if found:
            raise SettingsError(*found)

    @property
    def geocoder_area(self) -> Bounds | None:
        """``geocoder_bounds`` read; None when empty. ValueError when it cannot be read."""
        # Imported here so that reading settings does not import the addresses package.
        from ivr.addresses.bounds import Bounds

        return Bounds.parse(self.geocoder_bounds) if self.geocoder_bounds.strip() else None

    @property
    def map_view(self) -> MapView:
        """``map_center`` read. ValueError when it cannot be read."""
        from ivr.opendata.map_view import MapView

        return MapView.parse(self.map_center)

    @property
    def recognition_worker_count(self) -> int:
        """How many recognition worker processes ``ivr serve`` starts (``auto``: one per core)."""
        if self.recognition_workers == "auto":
            return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
        return int(self.recognition_workers)

    @property
    def services_path(self) -> Path:
        return Path(self.services_file) if self.services_file else PACKAGE_DATA / "services.json"

    @property
    def gazetteer_path(self) -> Path:
        if self.gazetteer_file:
            return Path(self.gazetteer_file)
        return PACKAGE_DATA / "boston-addresses.csv"

    @property
    def gazetteer_neighbourhoods_path(self) -> Path:
        if self.gazetteer_neighbourhoods_file:
            return Path(self.gazetteer_neighbourhoods_file)
        return PACKAGE_DATA / "boston-neighbourhoods.csv"


def setting_names() -> frozenset[str]:
    """The environment variable of every setting."""
    return frozenset(env_name(f.name) for f in dataclasses.fields(Settings))


def _convert(name: str, raw: str, type_name: Any) -> Any:
    kind = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", "str")
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            number = float(raw)
            if not math.isfinite(number):
                raise ValueError(raw)
            return number
        if kind == "bool":
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {KINDS[kind]} (it is {raw!r})") from None
    return raw


KINDS = {"int": "a whole number", "float": "a number", "bool": "true or false"}


def documented_settings() -> list[tuple[str, str, str]]:
    """(variable, default, description) for every setting, in declaration order."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = "" if f.default is dataclasses.MISSING else str(f.default)
        rows.append((env_name(f.name), default, f.metadata["doc"]))
    return rows
