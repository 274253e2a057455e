"""What the web app builds at start, so that no caller's first webhook waits for it."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from ivr.app import create_app
from ivr.open311.catalogue import ServiceCatalogueError
from ivr.runtime import Runtime
from ivr.serve import prepare
from ivr.settings import Settings


def test_the_citys_service_list_is_fetched_when_the_app_is_built(tmp_path: Path) -> None:
    asked: list[str] = []

    def city(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(503, text="down for maintenance")

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'v.db'}",
        open311_endpoint="https://city.example/open311/v2",
    )
    rt = Runtime(settings, city_http=httpx.Client(transport=httpx.MockTransport(city)))
    create_app(runtime=rt)
    assert asked and asked[0].startswith("/open311/v2/services")
    # The city was down: the services file stands in, and the intake is ready for calls.
    assert "intake" in rt.flows.flows
    rt.engine.dispose()


def test_a_bad_services_file_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "services.json"
    bad.write_text("{not json", encoding="utf-8")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}", services_file=str(bad))
    with pytest.raises(ServiceCatalogueError):
        create_app(settings)


def test_a_web_process_warms_the_keyed_streets_before_a_caller_keys_one(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'v.db'}", models_dir=str(tmp_path / "models")
    )
    prepare(settings)  # the Boston sample's address points
    rt = Runtime(settings, work_role="web")
    rt.warm_up()
    loading = [t for t in threading.enumerate() if t.name == "voice311-gazetteer"]
    for thread in loading:
        thread.join(timeout=60)
    made = rt.keyed_streets._table  # made by the warm-up, not by the first caller
    assert made is not None and made[0] is rt.gazetteer.index
    assert [c.street for c in rt.keyed_streets.choices("927", "1")][:1] == ["Washington Street"]
    rt.engine.dispose()
