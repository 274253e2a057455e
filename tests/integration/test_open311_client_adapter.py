"""The client against a city that answers as mySociety's open311-adapter does
(tests/support/adapter_city.py): whole-second datetimes only, ``attribute[code]`` repeated only,
``api_key`` on every POST, every input error in one 400 answer, ids counted from ``"0"``."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from flows.catalogue import load_catalogues
from ivr.followup.duplicates import DuplicateFinder
from ivr.jobs.queue import JobRequest
from ivr.open311.client import Open311Client
from ivr.open311.errors import Open311ClientError
from ivr.open311.models import NewRequest
from ivr.outbox.queue import FILED, PARKED, Report, delivery_for_report, enqueue
from ivr.outbox.worker import deliver_due
from ivr.store.db import make_engine, make_sessionmaker
from tests.support.adapter_city import AdapterCity, attribute_forms

KEY = "adapter-key"
PLACE = (42.3483, -71.1574)
NOW = datetime(2026, 11, 2, 15, 37, 27, 827016, tzinfo=UTC)  # a clock with microseconds
WHOLE_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")


def client_of(city: AdapterCity, **options: str) -> Open311Client:
    http = httpx.Client(transport=httpx.WSGITransport(app=city), timeout=5)
    return Open311Client(http, "http://adapter.test/", **options)


def dumped(*items: str, **changes: Any) -> NewRequest:
    request = NewRequest(
        service_code="dumping", lat=PLACE[0], long=PLACE[1], attributes=(("items", items),)
    )
    return replace(request, **changes)


def filed_with(client: Open311Client, request: NewRequest) -> str | None:
    """As the outbox files: the definition the form needs, then the POST."""
    definition = client.encoding_definition(request)
    return client.submit(request, definition=definition).service_request_id


def finder(client: Open311Client) -> DuplicateFinder:
    return DuplicateFinder(client, load_catalogues(), radius_metres=100, days=30, clock=lambda: NOW)


def duplicate_job(code: str) -> JobRequest:
    data = {"service_code": code, "lat": PLACE[0], "lon": PLACE[1], "language": "en"}
    return JobRequest(1, "CA1:find_duplicates", "find_duplicates", "CA1", data)


def test_the_duplicate_search_sends_whole_seconds_and_finds_the_open_report() -> None:
    city = AdapterCity()
    client = client_of(city, api_key=KEY)
    assert filed_with(client, NewRequest("pothole", lat=PLACE[0], long=PLACE[1])) == "0"

    result = finder(client)(duplicate_job("pothole"))

    (search,) = city.searches()
    start = search.query_value("start_date")
    assert start is not None and WHOLE_SECONDS.fullmatch(start), start
    assert result["text"] == "found"
    assert result["slots"]["duplicate_of"] == "0"


def test_a_refused_duplicate_search_is_named_a_refusal_with_its_status(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # An adapter serving two jurisdictions requires jurisdiction_id; this client sends none.
    city = AdapterCity(jurisdictions=("bath", "bristol"))
    with caplog.at_level(logging.WARNING, logger="ivr.followup.duplicates"):
        result = finder(client_of(city))(duplicate_job("pothole"))

    assert result["text"] == "failed"
    (line,) = [r.getMessage() for r in caplog.records]
    assert "duplicate check skipped: the city refused the query (HTTP 400)" in line
    assert "cannot be reached" not in line


def test_an_end_date_is_carried_to_the_next_whole_second() -> None:
    city = AdapterCity()
    client_of(city).requests(start=NOW, end=NOW)
    (search,) = city.searches()
    assert search.query_value("start_date") == "2026-11-02T15:37:27+00:00"
    assert search.query_value("end_date") == "2026-11-02T15:37:28+00:00"


@pytest.mark.parametrize("items", [("bags",), ("bags", "furniture")])
def test_repeat_sends_a_multivaluelist_the_adapter_accepts_with_one_or_two_values(
    items: tuple[str, ...],
) -> None:
    city = AdapterCity()
    request_id = filed_with(client_of(city, api_key=KEY, multivalue="repeat"), dumped(*items))

    assert request_id == "0"
    assert attribute_forms(city.posts()) == [["attribute[items]"] * len(items)]
    assert city.filed[0].attributes == {"items": list(items)}


def test_brackets_writes_one_value_as_it_writes_two() -> None:
    city = AdapterCity()
    client = client_of(city, api_key=KEY)  # brackets: the spec's form, the default
    for items in (("bags",), ("bags", "furniture")):
        with pytest.raises(Open311ClientError) as refused:
            filed_with(client, dumped(*items))
        assert refused.value.status_code == 400
        assert "found unexpected entries: attribute[items][]" in refused.value.descriptions

    assert attribute_forms(city.posts()) == [["attribute[items][]"], ["attribute[items][]"] * 2]


def test_the_first_report_is_id_zero_and_is_found_again_by_it() -> None:
    city = AdapterCity()
    client = client_of(city, api_key=KEY, multivalue="repeat")
    assert filed_with(client, dumped("mattress")) == "0"
    assert filed_with(client, dumped("bags")) == "1"

    (found,) = client.requests(ids=["0"])
    assert found.service_request_id == "0"


def test_every_error_of_one_refusal_is_reported() -> None:
    city = AdapterCity(jurisdictions=("bath", "bristol"))
    request = dumped(attributes=(("colour", ("red",)),))  # items left out, colour not asked
    with pytest.raises(Open311ClientError) as refused:
        client_of(city, api_key=KEY).submit(request)

    said = refused.value.descriptions
    assert said == (
        "Error in input for POST_Service_Request",
        "no value given for required entry jurisdiction_id",
        "found unexpected entries: attribute[colour]",
        "no value given for required entry attribute[items]",
    )
    assert all(description in str(refused.value) for description in said)


def test_the_api_key_goes_with_every_post_and_the_adapter_wants_it_in_the_form() -> None:
    city = AdapterCity()
    keyed = client_of(city, api_key=KEY, multivalue="repeat")
    assert filed_with(keyed, dumped("bags")) == "0"
    assert city.posts()[0].form_values("api_key") == [KEY]

    # As a bearer header (Boston's placement) the key is on every call, never in the form:
    # the adapter reads only the form, and refuses the POST.
    bearer = client_of(city, api_key=KEY, multivalue="repeat", api_key_placement="bearer")
    with pytest.raises(Open311ClientError) as refused:
        filed_with(bearer, dumped("bags"))
    assert "no value given for required entry api_key" in refused.value.descriptions
    sent = city.received[1:]
    assert all(r.headers.get("Authorization") == f"Bearer {KEY}" for r in sent)
    assert all(not r.form_values("api_key") and r.query_value("api_key") is None for r in sent)


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def queued(sessions: sessionmaker[Session], items: list[str]) -> int:
    report = Report("dumping", {"items": items}, lat=PLACE[0], long=PLACE[1], description="x")
    with sessions() as session, session.begin():
        return enqueue(session.connection(), report, now=datetime.now(UTC)).report_id


@pytest.mark.parametrize(
    ("multivalue", "status", "sent"),
    [("repeat", FILED, "attribute[items]"), ("brackets", PARKED, "attribute[items][]")],
)
def test_the_outbox_writes_a_multivaluelist_of_one_value_in_the_citys_form(
    sessions: sessionmaker[Session], multivalue: str, status: str, sent: str
) -> None:
    city = AdapterCity()
    report_id = queued(sessions, ["bags"])
    deliver_due(sessions, client_of(city, api_key=KEY, multivalue=multivalue))

    assert attribute_forms(city.posts()) == [[sent]]
    with sessions() as session:
        delivery = delivery_for_report(session, report_id)
    assert delivery is not None and delivery.status == status
    if status == FILED:
        assert delivery.service_request_id == "0"
    else:  # the adapter's own words reach the person who looks at parked reports
        assert "found unexpected entries: attribute[items][]" in delivery.last_error


def test_the_stand_in_refuses_a_fraction_of_a_second_as_the_adapter_does() -> None:
    # A fraction of a second, as datetime.isoformat() writes it.
    http = httpx.Client(transport=httpx.WSGITransport(app=AdapterCity()), timeout=5)
    answer = http.get("http://adapter.test/requests.json", params={"start_date": NOW.isoformat()})
    assert answer.status_code == 400
    assert answer.json()[1]["description"] == "found value isn't a datetime (start_date)"
