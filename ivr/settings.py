"""The gateway's settings: one frozen dataclass read from ``IVR_*`` environment variables.

``Settings`` declares the settings of a call (its flow, the operator and handoffs, speech, texts,
duplicates, recordings, retention) and of the staff pages and the public map and feed; it
inherits the others, grouped by concept, from ``ivr.settings_server``, ``ivr.settings_open311``,
``ivr.settings_work`` and ``ivr.settings_addresses``. This module reads, converts and checks
them all, and lists them for the docs. Every field carries its environment variable's
description in its metadata (:func:`ivr.settings_field.setting`); the README's settings table is
checked against them by a test, so the two cannot drift apart. Nothing here does I/O at import
time.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ivr import settings_checks
from ivr.settings_addresses import AddressSettings
from ivr.settings_checks import GEOCODERS, PREFIX, RECOGNIZERS, env_name
from ivr.settings_field import setting
from ivr.settings_open311 import Open311Settings
from ivr.settings_server import ServerSettings
from ivr.settings_work import WorkSettings

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


# A dataclass puts its bases' fields before its own, the last base's first: the groups are named
# last to first so that the settings keep their order (server, Open311, work, addresses, then
# the ones below), which ``documented_settings`` and the README's table follow.
@dataclass(frozen=True)
class Settings(AddressSettings, WorkSettings, Open311Settings, ServerSettings):
    flow: str = setting(
        "intake",
        "The call flow a new call starts in: `intake` (generated from the city's services) or "
        "the name of another flow the gateway ships (e.g. `bike_rack`).",
    )
    operator_number: str = setting(
        "",
        "Number a caller asking for a person is connected to (a `<Dial>` target, e.g. "
        "`+16175550100`). Empty (and no queue): the caller hears that no one is available, "
        "and the call ends kindly.",
    )
    operator_queue: str = setting(
        "",
        "Twilio queue a caller asking for a person waits in (`<Enqueue>`); takes precedence "
        "over `IVR_OPERATOR_NUMBER`. Empty: none.",
    )
    operator_wait_seconds: int = setting(
        300,
        "Seconds, at most, a caller waits in `IVR_OPERATOR_QUEUE` for a person (30 to 3600). "
        'Meanwhile they hear silence and, about every half minute, "please stay on the line" in '
        "their language; then they leave the queue and the call goes on as when nobody "
        'answers (the intake: "no one can take your call right now", or the report they gave '
        "is sent).",
    )
    handoff_code_minutes: int = setting(
        30,
        "Minutes a handoff code an agent reads to a caller stays valid (it is used once).",
    )
    handoff_number: str = setting(
        "",
        "The handoff number staff give callers (or transfer them to) with a handoff code; its "
        "*A call comes in* URL is `/twilio/voice/handoff`. Shown to staff; empty: not set up.",
    )
    filing_wait: int = setting(
        4,
        "Seconds a caller waits at the end of the call for the city's reference number (one "
        '"one moment" per second); after that they hear that the report was received.',
    )
    recognizer: str = setting(
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
    whisper_model: str = setting(
        "tiny.en",
        "The Whisper model `IVR_RECOGNIZER=whisper` uses first: `tiny.en` or `base` (shipped in "
        "the pinned wheels, SHA-256 checked at load) or the directory of a model "
        "`ivr models download` installed (e.g. `models/faster-whisper-small`).",
    )
    whisper_multilingual_model: str = setting(
        "base",
        "The Whisper model for callers in a language `IVR_WHISPER_MODEL` does not speak "
        "(tiny.en speaks English only): `base` (shipped) or a downloaded model's directory. "
        "Empty: such callers' words are not transcribed, their recordings go to staff.",
    )
    vosk_model: str = setting(
        "", "Directory of the Vosk model used when `IVR_RECOGNIZER` is `vosk`."
    )
    models_dir: str = setting(
        "models",
        "Directory `ivr models download` unpacks models into (relative: working dir); it also "
        "keeps the city's street models (`grammars/`) and gazetteer index snapshots "
        "(`gazetteer-index/`), built once per dataset.",
    )

    staff_session_minutes: int = setting(
        30,
        "Minutes a staff session lasts without a page opened or a form sent (idle limit); a "
        "page that refreshes itself does not count.",
    )
    staff_session_hours: int = setting(
        10, "Hours a staff session lasts at most from its log-in, however busy (absolute limit)."
    )
    map_tile_url: str = setting(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Tile URL template of the public map (`/map`) and the request pages (Leaflet's `{z}`, "
        "`{x}`, `{y}`, `{s}`). The pages' Content-Security-Policy allows images from its host.",
    )
    map_attribution: str = setting(
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "Attribution (HTML) the tile provider requires, shown in the map's corner.",
    )
    map_center: str = setting(
        "42.3601,-71.0589,13",
        "Where the public map opens: `latitude,longitude,zoom` (the sample city, Boston).",
    )
    feed_max_streams: int = setting(
        4,
        "Live event streams (`/open311/v2/requests/events`) one server process holds open at "
        "once; each holds one web thread (`IVR_WEB_THREADS`). Beyond it: 503 with `Retry-After`.",
    )
    feed_poll_seconds: float = setting(
        1.0, "Seconds between two reads of the store by each live event stream."
    )
    feed_settle_seconds: float = setting(
        2.0,
        "Seconds a change waits before the event stream sends it, so that a change stamped "
        "earlier but committed later is never skipped. Above the longest write transaction "
        "plus the clock skew between the gateway's machines.",
    )
    sms_from: str = setting(
        "",
        "Number (E.164) or messaging service SID (`MG…`) that sends callers a text message with "
        "their reference number, when they agree to one during the call. Empty: no texts, and "
        "callers are not asked. Needs `IVR_TWILIO_ACCOUNT_SID` and `IVR_TWILIO_AUTH_TOKEN`.",
    )
    status_link: str = setting(
        "{base}/requests/{id}",
        "Status link sent in the text message: `{base}` is `IVR_PUBLIC_BASE_URL`, `{id}` the "
        "city's request id. Empty (or `{base}` with no public base URL): no link is sent.",
    )
    city_timezone: str = setting(
        "",
        "The city's IANA time zone (e.g. `America/New_York`): the day a caller hears or reads "
        "for an expected date, and the embedded endpoint's `expected_days` counted in it. "
        "Empty: UTC.",
    )
    city_language: str = setting(
        "en",
        "The language the city writes its notices in (a prompt catalogue's language): a "
        "caller in another language hears the city's notice introduced as the city's words.",
    )
    duplicate_radius_metres: float = setting(
        50.0,
        "Before filing, an open request of the same service this close to the confirmed place "
        "is offered to the caller to add their voice to. 0: no check.",
    )
    duplicate_days: int = setting(
        30, "How many days back an open request counts as the same problem (at most 90)."
    )
    recording_hosts: str = setting(
        "",
        "Hosts besides Twilio's own (`api.twilio.com`, `api.<region>.twilio.com`) that "
        "recordings may be downloaded from, comma separated, as `host` or `host:port` (e.g. "
        "a test's `127.0.0.1:8765`). No other URL is ever fetched.",
    )
    transcript_hold: float = setting(
        1.5,
        "Seconds a webhook holds its answer while a caller's recording is being transcribed, "
        'so that the read-back follows at once; after that the caller hears "one moment".',
    )
    recording_notice: bool = setting(
        True,
        "Tell every caller, in the language they chose, that the call is recorded and "
        "transcribed (the catalogue prompt `common.recording_notice`, which a city may "
        "reword). `off` only where the city's lawyers say no notice is needed.",
    )
    stale_call_minutes: int = setting(
        30,
        "Minutes without any webhook after which a call in the flow is taken to be over (its "
        "status callback was lost): the sweep ends it as a hang-up and erases the caller's "
        "number. A call waiting for or talking with staff is left for 24 hours. 5 to 1440.",
    )
    retention_days: int = setting(
        0,
        "Days the caller's recordings, transcripts, spoken addresses and numbers are kept; "
        "older ones are erased (reports keep their public fields). 0: kept until the city "
        "deletes them; set it from the city's records schedule (docs/retention.md).",
    )
    min_address_confidence: float = setting(
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
    """(variable, default, description) for every setting, in the order of the fields of
    :class:`Settings`: its groups' (server, Open311, work, addresses), then its own."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = "" if f.default is dataclasses.MISSING else str(f.default)
        rows.append((env_name(f.name), default, f.metadata["doc"]))
    return rows
