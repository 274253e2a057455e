"""`ivr serve` as a city runs it: a real gunicorn process on embedded defaults, answering over
HTTP with the sample city's services; and `ivr db upgrade` creating the store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from ivr.cli import main
from ivr.store.db import make_engine
from tests.support.serve_process import free_port, running_serve


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env["IVR_PORT"] = str(port)
    with running_serve(workdir, port, env) as base:
        assert (workdir / "voice311.db").exists(), "the SQLite file lives in the working directory"
        yield base


def test_serve_answers_health(gateway: str) -> None:
    assert httpx.get(f"{gateway}/healthz").json() == {"status": "ok"}


def test_serve_offers_the_sample_city(gateway: str) -> None:
    services = httpx.get(f"{gateway}/open311/v2/services.json").json()
    names = {service["service_name"] for service in services}
    assert len(services) == 38
    assert "Sewage_Back_Up Out_of_catch_basin" in names


def test_unknown_path_is_a_clean_404(gateway: str) -> None:
    response = httpx.get(f"{gateway}/no/such/page")
    assert response.status_code == 404
    assert "Traceback" not in response.text


def test_db_upgrade_creates_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("IVR_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    assert "alembic_version" in inspect(engine).get_table_names()
    engine.dispose()


def test_a_bad_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_PORT", "eighty")
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code != 0
    assert "IVR_PORT" in result.output
    assert "Traceback" not in result.output


def test_a_list_of_a_thousand_ids_is_answered_by_the_endpoint(gateway: str) -> None:
    """GET requests takes up to 1,000 ids; a thousand seven-digit ids make a request line of
    about 8,000 characters, which gunicorn refused by default (4,094) with an HTML 414 page."""
    ids = ",".join(str(n) for n in range(1_000_000, 1_001_000))
    url = f"{gateway}/open311/v2/requests.json?service_request_id={ids}"
    answer = httpx.get(url)
    assert answer.status_code == 200, answer.text[:200]
    assert answer.json() == []
    more = ",".join(str(n) for n in range(100_000, 101_001))
    refused = httpx.get(f"{gateway}/open311/v2/requests.json?service_request_id={more}")
    assert refused.status_code == 400
    assert refused.json() == [
        {"code": 400, "description": "service_request_id lists more than 1000 ids"}
    ]
