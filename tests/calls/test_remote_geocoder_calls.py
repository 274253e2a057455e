"""Whole simulated calls with ``IVR_GEOCODER`` naming a remote geocoder: a local stand-in that
answers as Nominatim (or Pelias) documents places the caller's address, the caller hears it
read back, and the city receives the stand-in's point — not the gazetteer's.

The stand-in puts 438 Washington Street about 120 m from where the gazetteer has it, so a
report placed by the gazetteer could not pass for one placed by the service.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.simulator import Press, Speak
from tests.calls.phone import prepared_store, running_gateway
from tests.calls.test_whole_calls import (
    BOSTON_438_WASHINGTON,
    DESCRIBE_AND_SEND,
    PAVEMENT_DEFECT,
    metres,
    published,
    reference_heard,
)
from tests.support.geocoder_bodies import BOSTON, BRIGHTON_438
from tests.support.geocoder_services import PELIAS_KEY, FakeGeocodingService
from tests.support.live_server import serve_wsgi

STAND_IN_438 = dataclasses.replace(BRIGHTON_438, lat=42.348950, lon=-71.156120)
KEYS = {"pelias": PELIAS_KEY}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder: Path = tmp_path_factory.mktemp("remote_calls")
    return prepared_store(f"sqlite:///{folder / 'voice311.db'}")


@pytest.fixture
def stand_in_438(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BOSTON, "438 WASHINGTON ST", [STAND_IN_438])


@pytest.fixture(params=["nominatim", "pelias"])
def service(request: pytest.FixtureRequest) -> Iterator[tuple[FakeGeocodingService, str]]:
    fake = FakeGeocodingService(request.param)
    with serve_wsgi(fake.app) as url:
        yield fake, url
        fake.release.set()


@pytest.mark.usefixtures("stand_in_438")
def test_a_call_files_the_point_the_configured_geocoder_gives(
    store: str, service: tuple[FakeGeocodingService, str]
) -> None:
    fake, url = service
    with running_gateway(
        store, geocoder=fake.name, geocoder_url=url, geocoder_api_key=KEYS.get(fake.name, "")
    ) as gateway:
        script = [*PAVEMENT_DEFECT, Speak("four thirty eight washington street"), Press("1")]
        result = gateway.call([*script, *DESCRIBE_AND_SEND])
        heard = result.transcript.heard()
        assert result.ended_by == "gateway"
        assert any(line.startswith("I heard four thirty eight Washington Street") for line in heard)
        assert "Thank you. Your report has been received." in heard
        request = published(gateway, reference_heard(heard))

    assert [seen.path for seen in fake.seen] == [
        "/search" if fake.name == "nominatim" else "/v1/search"
    ]
    where = (float(str(request["lat"])), float(str(request["long"])))
    assert where == pytest.approx((STAND_IN_438.lat, STAND_IN_438.lon), abs=1e-6)
    assert metres(where, BOSTON_438_WASHINGTON) > 100  # not the gazetteer's point
    assert str(request["address"]).startswith("438 Washington Street")
