"""Remote geocoders against local services that answer as Nominatim, Pelias, ArcGIS and the US
Census geocoder document: what the adapters ask, and what the call flow gets back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from ivr.addresses.factory import NOMINATIM_PUBLIC_HOST, REMOTE_GEOCODERS, make_resolver
from ivr.addresses.geocoder import GazetteerGeocoder
from ivr.addresses.index import build_index
from ivr.addresses.remote import RemoteConfig, RemoteGeocoder, RequestPacer
from ivr.addresses.remote_arcgis import ArcGISGeocoder
from ivr.addresses.remote_census import CensusGeocoder
from ivr.addresses.remote_nominatim import NominatimGeocoder
from ivr.addresses.remote_pelias import PeliasGeocoder
from ivr.addresses.types import AddressCandidate, GeocodeResult, MatchLevel, no_match
from ivr.cli import main
from ivr.settings import GEOCODERS, Settings, SettingsError
from tests.support.geocoder_bodies import (
    BRIGHTON_438,
    DORCHESTER_135,
    SOUTH_END_1400,
    SPRINGFIELD_1,
    WASHINGTON_AND_BOYLSTON,
)
from tests.support.geocoder_services import (
    ARCGIS_TOKEN,
    PATHS,
    PELIAS_KEY,
    FakeGeocodingService,
)
from tests.support.live_server import serve_wsgi

SERVICES = ("nominatim", "pelias", "arcgis", "census")
ADAPTERS: dict[str, type[RemoteGeocoder]] = {
    "nominatim": NominatimGeocoder,
    "pelias": PeliasGeocoder,
    "arcgis": ArcGISGeocoder,
    "census": CensusGeocoder,
}
KEYS = {"pelias": PELIAS_KEY, "arcgis": ARCGIS_TOKEN}
BOSTON_BOUNDS = "-71.191,42.227,-70.986,42.397"


def address(number: str, street: str, postal: str | None = None, weight: float = 1.0):
    return AddressCandidate(house_number=number, street=street, postal_code=postal, weight=weight)


def corner(street: str, cross: str) -> AddressCandidate:
    return AddressCandidate(street=street, cross_street=cross, reading="intersection")


class Running:
    def __init__(self, fake: FakeGeocodingService, url: str, http: httpx.Client) -> None:
        self.fake = fake
        self.name = fake.name
        self.url = url
        self.http = http

    def geocoder(self, **settings: object) -> RemoteGeocoder:
        """The adapter the factory makes for this service, for the city of Boston."""
        values: dict[str, object] = {
            "geocoder": self.name,
            "geocoder_url": self.url,
            "geocoder_api_key": KEYS.get(self.name, ""),
            "geocoder_city": "Boston",
            "geocoder_region": "MA",
            "geocoder_timeout": 5.0,
        }
        values.update(settings)
        made = make_resolver(Settings(**values), http=self.http, gazetteer=_no_gazetteer)  # type: ignore[arg-type]
        assert isinstance(made, ADAPTERS[self.name])
        return made

    def adapter(self, **config: object) -> RemoteGeocoder:
        values: dict[str, object] = {"base_url": self.url, "api_key": KEYS.get(self.name, "")}
        values.update(config)
        return ADAPTERS[self.name](self.http, RemoteConfig(**values))  # type: ignore[arg-type]

    def lookup(self, *candidates: AddressCandidate, **settings: object) -> list[GeocodeResult]:
        return self.geocoder(**settings).geocode(candidates)


def _no_gazetteer() -> GazetteerGeocoder:
    raise AssertionError("the gazetteer was built for a remote geocoder")


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture(scope="module", params=SERVICES)
def running(request: pytest.FixtureRequest, http: httpx.Client) -> Iterator[Running]:
    fake = FakeGeocodingService(request.param)
    with serve_wsgi(fake.app) as url:
        yield Running(fake, url + fake.base_path, http)
        fake.release.set()


@pytest.fixture
def service(running: Running) -> Iterator[Running]:
    running.fake.seen.clear()
    running.fake.release.clear()
    yield running
    running.fake.release.set()


def only(results: list[GeocodeResult]) -> GeocodeResult:
    assert len(results) == 1
    return results[0]


# --- what comes back --------------------------------------------------------------------


def test_a_known_address_comes_back_where_the_service_puts_it(service: Running) -> None:
    said = address("438", "WASHINGTON ST")
    result = only(service.lookup(said))
    expected = MatchLevel.INTERPOLATED if service.name == "census" else MatchLevel.ADDRESS
    assert result.matched and result.level is expected
    assert result.score >= 0.9 and not result.ambiguous
    place = result.place
    assert place is not None
    assert (place.lat, place.lon) == pytest.approx((BRIGHTON_438.lat, BRIGHTON_438.lon))
    assert place.house_number == "438"
    assert (place.street, place.street_key) == ("Washington Street", "WASHINGTON ST")
    assert place.postal_code == "02135"
    assert place.source == service.name
    assert result.candidate == said


def test_the_request_is_the_one_the_service_documents(service: Running) -> None:
    service.lookup(address("438", "WASHINGTON ST"))
    expected = {
        "nominatim": {
            "format": "jsonv2", "addressdetails": "1", "limit": "5", "countrycodes": "us",
            "street": "438 WASHINGTON ST", "city": "Boston", "state": "MA",
        },
        "pelias": {
            "text": "438 WASHINGTON ST, Boston, MA", "size": "5", "api_key": PELIAS_KEY,
            "boundary.country": "US",
        },
        "arcgis": {
            "SingleLine": "438 WASHINGTON ST, Boston, MA", "f": "json", "outFields": "*",
            "maxLocations": "5", "outSR": "4326", "countryCode": "US", "token": ARCGIS_TOKEN,
            "forStorage": "true",
        },
        "census": {
            "address": "438 WASHINGTON ST, Boston, MA", "benchmark": "Public_AR_Current",
            "format": "json",
        },
    }  # fmt: skip
    (seen,) = service.fake.seen
    assert seen.args == expected[service.name]
    assert seen.path == PATHS[service.name]
    assert seen.user_agent.startswith("voice311/")


def test_the_same_number_in_two_postal_codes_is_ambiguous(service: Running) -> None:
    result = only(service.lookup(address("135", "WASHINGTON ST")))
    assert result.matched and result.score >= 0.9
    assert result.ambiguous
    assert sorted(result.ask_about) == ["02121", "02135"]
    assert result.place is not None
    others = {place.postal_code for place in result.alternatives}
    assert {result.place.postal_code} | others == {"02121", "02135"}


def test_a_postal_code_from_the_caller_settles_it(service: Running) -> None:
    result = only(service.lookup(address("135", "WASHINGTON ST", postal="02121")))
    assert result.place is not None and not result.ambiguous
    assert result.place.postal_code == "02121"
    assert (result.place.lat, result.place.lon) == pytest.approx(
        (DORCHESTER_135.lat, DORCHESTER_135.lon)
    )
    assert [p.postal_code for p in result.alternatives] == ["02135"]
    (seen,) = service.fake.seen
    if service.name == "nominatim":
        assert seen.args["postalcode"] == "02121"
    else:
        assert "135 WASHINGTON ST, Boston, MA 02121" in seen.args.values()


def test_a_number_placed_along_its_street_is_interpolated(service: Running) -> None:
    result = only(service.lookup(address("1400", "WASHINGTON ST")))
    assert result.level is MatchLevel.INTERPOLATED
    assert 0.85 <= result.score < 1.0
    assert result.place is not None and result.place.postal_code == "02118"
    assert result.place.lat == pytest.approx(SOUTH_END_1400.lat)


def test_a_number_the_service_does_not_know_gives_the_street_at_a_low_score(
    service: Running,
) -> None:
    result = only(service.lookup(address("99999", "WASHINGTON ST")))
    if service.name == "census":  # the Census geocoder answers numbers or nothing
        assert result == no_match("census found no match")
        return
    assert result.level is MatchLevel.STREET
    assert result.score < 0.6
    assert result.place is not None
    assert result.place.house_number is None
    assert result.place.street_key == "WASHINGTON ST"


def test_a_street_corner(service: Running) -> None:
    results = service.lookup(corner("WASHINGTON ST", "BOYLSTON ST"))
    result = only(results)
    if service.name == "census":
        assert result == no_match("census cannot look up street corners")
        assert service.fake.seen == []
        return
    assert result.place is not None
    if service.name == "nominatim":  # no intersection search: one of the streets, scored low
        (seen,) = service.fake.seen
        assert seen.args["q"] == "WASHINGTON ST & BOYLSTON ST, Boston, MA"
        assert "street" not in seen.args
        assert result.level is MatchLevel.STREET and result.score < 0.5
        return
    assert result.level is MatchLevel.INTERSECTION and result.score >= 0.9
    assert (result.place.street, result.place.cross_street) == (
        "Washington Street",
        "Boylston Street",
    )
    assert result.place.street_key == "WASHINGTON ST"
    assert result.place.lat == pytest.approx(WASHINGTON_AND_BOYLSTON.lat)


def test_a_street_the_service_swapped_for_another_scores_below_a_match(service: Running) -> None:
    result = only(service.lookup(address("438", "WASHINGTON AVE")))
    assert result.place is not None and result.place.street_key == "WASHINGTON ST"
    assert result.score < 0.8


def test_places_outside_the_city_are_dropped(service: Running) -> None:
    anywhere = only(service.lookup(address("1", "MAIN ST")))
    assert anywhere.place is not None and anywhere.place.postal_code == SPRINGFIELD_1.postal
    service.fake.seen.clear()

    result = only(service.lookup(address("1", "MAIN ST"), geocoder_bounds=BOSTON_BOUNDS))
    assert result == no_match(f"{service.name} found places only outside the city's area")
    (seen,) = service.fake.seen
    asked = {
        "nominatim": {"viewbox": "-71.191,42.397,-70.986,42.227", "bounded": "1"},
        "pelias": {
            "boundary.rect.min_lat": "42.227", "boundary.rect.min_lon": "-71.191",
            "boundary.rect.max_lat": "42.397", "boundary.rect.max_lon": "-70.986",
            "focus.point.lat": "42.312", "focus.point.lon": "-71.0885",
        },
        "arcgis": {"searchExtent": BOSTON_BOUNDS, "location": "-71.0885,42.312"},
        "census": {},  # no bounding parameter: filtered here only
    }[service.name]  # fmt: skip
    assert {name: seen.args[name] for name in asked} == asked


# --- readings of the caller's words --------------------------------------------------------


def test_readings_are_ranked_by_score_and_the_parsers_weight(service: Running) -> None:
    results = service.lookup(
        address("99999", "WASHINGTON ST", weight=0.6), address("438", "WASHINGTON ST", weight=0.4)
    )
    assert len(service.fake.seen) == 2
    assert results[0].place is not None and results[0].place.house_number == "438"
    assert results[0].candidate == address("438", "WASHINGTON ST", weight=0.4)
    assert len(results) == (1 if service.name == "census" else 2)


def test_a_sure_first_reading_ends_the_search(service: Running) -> None:
    results = service.lookup(address("438", "WASHINGTON ST"), address("1400", "WASHINGTON ST"))
    assert len(service.fake.seen) == 1
    assert [r.place.house_number for r in results if r.place] == ["438"]


def test_at_most_max_queries_readings_are_sent(service: Running) -> None:
    nowhere = [address(str(n), "NOWHERE ST") for n in range(1, 6)]
    result = only(service.adapter(max_queries=3).geocode(nowhere))
    assert result == no_match(f"{service.name} found no match")
    assert len(service.fake.seen) == 3


def test_nothing_to_look_up_asks_nothing(service: Running) -> None:
    assert only(service.lookup()) == no_match(f"{service.name}: no address to look up")
    assert service.fake.seen == []


# --- spoken words: the one resolver interface ---------------------------------------------


def test_spoken_words_are_parsed_and_looked_up(service: Running) -> None:
    resolver = service.geocoder()
    best = resolver.resolve("um it's at four thirty eight washington street")[0]
    assert best.matched and best.place is not None
    assert (best.place.lat, best.place.lon) == pytest.approx((BRIGHTON_438.lat, BRIGHTON_438.lon))
    assert best.candidate is not None and best.candidate.house_number == "438"
    assert service.fake.seen, "the service was asked"


def test_a_keyed_postal_code_travels_with_the_spoken_words(service: Running) -> None:
    best = service.geocoder().resolve("one thirty five washington street", postal_code="02121")[0]
    assert best.place is not None and best.place.postal_code == "02121"


def test_words_that_name_no_address_ask_the_service_nothing(service: Running) -> None:
    (result,) = service.geocoder().resolve("um")
    assert result.level is MatchLevel.NONE and result.reason
    assert service.fake.seen == []


def test_ivr_geocode_asks_the_configured_geocoder(service: Running, tmp_path: Path) -> None:
    env = {
        "IVR_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
        "IVR_GEOCODER": service.name,
        "IVR_GEOCODER_URL": service.url,
        "IVR_GEOCODER_API_KEY": KEYS.get(service.name, ""),
        "IVR_GEOCODER_CITY": "Boston",
        "IVR_GEOCODER_REGION": "MA",
    }
    printed = CliRunner().invoke(main, ["geocode", "four thirty eight washington street"], env=env)

    assert printed.exit_code == 0, printed.output
    assert f"geocoder: {service.name}" in printed.output
    assert "1. " in printed.output and "confident" in printed.output
    assert "four thirty eight Washington Street" in printed.output
    assert f"lat {BRIGHTON_438.lat:.6f} lon {BRIGHTON_438.lon:.6f} 02135" in printed.output
    assert len(service.fake.seen) == 1


# --- failures: one NONE result with a reason, never an exception ---------------------------


def test_the_services_refusal_is_reported_in_its_own_words(service: Running) -> None:
    said = address("438", "WASHINGTON ST")
    if service.name == "nominatim":
        adapter = service.adapter(user_agent="python-httpx/0.28.1")
        reason = "nominatim answered HTTP 403"
    elif service.name == "pelias":
        adapter = service.adapter(api_key="ge-expired")
        reason = "pelias answered HTTP 401: Invalid authentication"
    elif service.name == "arcgis":
        adapter = service.adapter(api_key="")
        reason = "arcgis refused the query: 498 Invalid Token"
    else:
        adapter = service.adapter(city="Boston " * 15)
        reason = "census answered HTTP 400: Address cannot exceed 100 characters"
    assert only(adapter.geocode([said])) == no_match(reason)


def test_a_page_instead_of_json(service: Running) -> None:
    result = only(service.lookup(address("13", "BROKEN ST")))
    assert result == no_match(f"{service.name} answered with a body that is not JSON")


def test_a_field_that_is_not_what_the_service_documents_is_named(service: Running) -> None:
    field = {
        "nominatim": "[0].lat",
        "pelias": "features[0].geometry.coordinates[1]",
        "arcgis": "candidates[0].location.y",
        "census": "addressMatches[0].coordinates.y",
    }[service.name]
    result = only(service.lookup(address("14", "ODD ST")))
    assert result == no_match(
        f"{service.name} answered with an unexpected body: {field} is not a number"
    )
    assert "ODD" not in result.reason


def test_a_server_error_stops_the_search(service: Running) -> None:
    result = only(service.lookup(address("16", "DOWN ST"), address("438", "WASHINGTON ST")))
    assert result == no_match(f"{service.name} answered HTTP 503")
    assert len(service.fake.seen) == 1


def test_a_service_slower_than_the_timeout(service: Running) -> None:
    result = only(service.lookup(address("15", "SLOW ST"), geocoder_timeout=0.3))
    service.fake.release.set()
    assert result == no_match(f"{service.name} did not answer within 0.3 s")


def test_a_service_that_cannot_be_reached(service: Running) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    adapter = service.adapter(base_url=f"http://127.0.0.1:{closed_port}")
    result = only(adapter.geocode([address("438", "WASHINGTON ST")]))
    assert result == no_match(f"{service.name} could not be reached (ConnectError)")


def test_nominatims_public_pace_is_kept_between_requests(http: httpx.Client) -> None:
    fake = FakeGeocodingService("nominatim")
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = RequestPacer(1.0, clock=lambda: now[0], sleep=sleep)
    with serve_wsgi(fake.app) as url:
        adapter = NominatimGeocoder(http, RemoteConfig(base_url=url), pacer=pacer)
        adapter.geocode([address(str(n), "NOWHERE ST") for n in range(1, 4)])
    assert len(fake.seen) == 3
    assert slept == [1.0, 1.0]


# --- the factory and the settings ------------------------------------------------------------


def test_every_geocoder_the_settings_accept_can_be_made() -> None:
    assert set(REMOTE_GEOCODERS) | {"gazetteer"} == set(GEOCODERS)


def test_the_gazetteer_is_the_default() -> None:
    gazetteer = GazetteerGeocoder(build_index([]))
    made = make_resolver(Settings(), gazetteer=lambda: gazetteer)
    assert made is gazetteer
    assert (made.source, made.remote) == ("gazetteer", False)


@pytest.mark.parametrize("name", SERVICES)
def test_the_factory_makes_the_named_adapter_for_the_public_service(name: str) -> None:
    settings = Settings.from_env(
        {"IVR_GEOCODER": name, "IVR_GEOCODER_BOUNDS": BOSTON_BOUNDS, "IVR_GEOCODER_CITY": "Boston"}
    )
    made = make_resolver(settings, gazetteer=_no_gazetteer)
    assert isinstance(made, ADAPTERS[name])
    assert (made.source, made.remote) == (name, True)
    try:
        assert made.config.base_url == ADAPTERS[name].default_url
        assert made.config.base_url.startswith("https://")
        assert made.config.city == "Boston" and made.config.bounds is not None
        assert made.config.timeout == 5.0
        paced = NOMINATIM_PUBLIC_HOST in made.config.base_url
        assert (made.pacer is not None) == paced == (name == "nominatim")
    finally:
        made.http.close()


def test_a_citys_own_nominatim_is_not_paced(http: httpx.Client) -> None:
    settings = Settings(geocoder="nominatim", geocoder_url="http://127.0.0.1:8080")
    made = make_resolver(settings, http=http, gazetteer=_no_gazetteer)
    assert isinstance(made, NominatimGeocoder) and made.pacer is None and made.http is http


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("IVR_GEOCODER", "google"),
        ("IVR_GEOCODER_BOUNDS", "42.2,-71.1"),
        ("IVR_GEOCODER_BOUNDS", "-70.9,42.2,-71.1,42.4"),
        ("IVR_GEOCODER_TIMEOUT", "0"),
    ],
)
def test_a_bad_geocoder_setting_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})
