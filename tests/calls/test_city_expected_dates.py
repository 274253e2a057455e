"""Whole simulated calls filed with a city's own CRM (``IVR_OPEN311_ENDPOINT``), whose POST
answer carries no expected date: the outbox asks GET ``requests/{id}`` once after filing, and
the caller hears the day the city gives there, at the end of the call and in the text message.
A city whose GET fails still gives the caller the reference number, and the report is filed.

The city is the open311-adapter stand-in (tests/support/adapter_city.py) that also answers
GET ``requests/{id}``, with an ``expected_datetime`` three days after filing at 23:30 in the
city's own offset (-05:00), which is the next day in UTC: the caller must hear the city's day.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.wrappers import Request, Response

from ivr.outbox.queue import FILED
from ivr.outbox.worker import EXPECTED_DATE_TIMEOUT
from ivr.simulator import Press
from ivr.store.call_tables import OutboxRecord
from tests.calls.test_adapter_city_calls import DUMPED_BAGS_AND_FURNITURE
from tests.calls.test_expectation_calls import MONTHS_EN, WEEKDAYS_EN, after
from tests.calls.test_follow_up_calls import CALLER, text_of_report
from tests.support.adapter_city import AdapterCity
from tests.support.follow_up_gateway import FollowUpGateway, follow_up_gateway
from tests.support.live_server import serve_wsgi

CITY_OFFSET = timezone(timedelta(hours=-5))


@dataclass
class CityWithDates(AdapterCity):
    """The adapter's answers, and GET ``requests/{id}`` giving each request's expected date
    (or, with ``reads_fail``, a 500: the CRM behind the endpoint is away)."""

    reads_fail: bool = False
    read_delay: float = 0.0  # seconds before GET requests/{id} answers

    def _answer(self, request: Request) -> Response:
        path = request.path
        if request.method != "GET" or not path.startswith("/requests/"):
            return super()._answer(request)
        time.sleep(self.read_delay)
        if self.reads_fail:
            return _json([{"code": 500, "description": "backend unavailable"}], 500)
        wanted = path.removeprefix("/requests/").removesuffix(".json")
        found = next((f for f in self.filed if f.service_request_id == wanted), None)
        if found is None:
            return _json([{"code": 404, "description": "Resource not found"}], 404)
        return _json([{**_listed(found), "expected_datetime": expected_of(found.requested)}])


def expected_of(requested: datetime) -> str:
    """Three days after filing, at 23:30 on the city's clock: the next day in UTC."""
    day = requested.astimezone(CITY_OFFSET).date() + timedelta(days=3)
    return datetime(day.year, day.month, day.day, 23, 30, tzinfo=CITY_OFFSET).isoformat()


def _listed(filed: Any) -> dict[str, Any]:
    when = filed.requested.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "service_request_id": filed.service_request_id,
        "status": "open",
        "service_code": filed.service_code,
        "requested_datetime": when,
        "updated_datetime": when,
    }


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def day_said(expected: str) -> str:
    """The day as a person on the city's clock names it (the year only when not this one)."""
    day = datetime.fromisoformat(expected)
    said = f"{WEEKDAYS_EN[day.weekday()]}, {MONTHS_EN[day.month - 1]} {day.day}"
    return said if day.year == datetime.now(CITY_OFFSET).year else f"{said}, {day.year}"


def call_with_a_text(gateway: FollowUpGateway) -> tuple[list[str], str]:
    """A caller reports dumped rubbish and asks for a text: what they heard, and the text."""
    assert gateway.twilio is not None
    result = gateway.call_from(CALLER, [*DUMPED_BAGS_AND_FURNITURE, Press("1")])  # a text: yes
    text = text_of_report(gateway, gateway.reports_of(result.call_sid)[0].id)
    assert text is not None and text.status == "sent"
    (message,) = gateway.twilio.messages()
    return result.transcript.heard(), message.form["Body"]


def running(city_url: str, store: str) -> Any:
    return follow_up_gateway(
        store,
        open311_endpoint=city_url,
        open311_api_key="adapter-key",
        open311_multivalue="repeat",
        duplicate_radius_metres=0,
    )


def test_the_caller_hears_the_day_the_city_gives_on_its_get_side(own_store: str) -> None:
    city = CityWithDates()
    with serve_wsgi(city) as url, running(url, own_store) as gateway:
        heard, body = call_with_a_text(gateway)
        with gateway.sessions() as session:
            row = session.scalars(select(OutboxRecord)).one()

    (filed,) = city.filed
    expected = expected_of(filed.requested)
    day = day_said(expected)  # in UTC it is the next day: only the city's offset names this one
    assert after(heard, "Your reference number is 0.", 2) == [
        f"The city expects to take care of it by {day}.",
        "Thank you for calling. Goodbye.",
    ]
    assert body == (
        f"Your 311 report number is 0. The city expects to take care of it by {day}. "
        "Follow it at https://311.example.gov/requests/0"
    )
    assert row.expected_datetime == datetime.fromisoformat(expected)
    reads = [r.path for r in city.received if r.method == "GET" and r.path.startswith("/requests/")]
    assert reads == ["/requests/0.json"]  # asked once, after filing


def test_a_city_whose_get_fails_still_gives_the_caller_the_number(
    own_store: str, caplog: pytest.LogCaptureFixture
) -> None:
    city = CityWithDates(reads_fail=True)
    caplog.set_level(logging.INFO, logger="ivr.outbox.worker")
    with serve_wsgi(city) as url, running(url, own_store) as gateway:
        heard, body = call_with_a_text(gateway)
        with gateway.sessions() as session:
            row = session.scalars(select(OutboxRecord)).one()

    assert after(heard, "Your reference number is 0.", 1) == ["Thank you for calling. Goodbye."]
    assert body == "Your 311 report number is 0. Follow it at https://311.example.gov/requests/0"
    assert (row.status, row.service_request_id, row.expected_datetime) == (FILED, "0", None)
    assert len(city.filed) == 1
    (line,) = [r for r in caplog.records if r.getMessage().startswith("expected date not read")]
    assert line.levelno == logging.INFO
    assert line.getMessage() == (
        "expected date not read: the city failed to answer (HTTP 500): "
        "Open311ServerError HTTP 500: GET request failed"
    )
    assert "backend unavailable" not in line.getMessage()  # the city's words stay out


def test_a_city_slow_to_answer_the_date_does_not_cost_the_caller_the_number(
    own_store: str,
) -> None:
    # The city's GET takes longer than the date question allows, but within its whole timeout:
    # the question gives up, and the caller still hears the number within the filing wait.
    city = CityWithDates(read_delay=EXPECTED_DATE_TIMEOUT + 1.5)
    with serve_wsgi(city) as url, running(url, own_store) as gateway:
        heard, _ = call_with_a_text(gateway)
        with gateway.sessions() as session:
            row = session.scalars(select(OutboxRecord)).one()

    assert after(heard, "Your reference number is 0.", 1) == ["Thank you for calling. Goodbye."]
    assert (row.status, row.service_request_id, row.expected_datetime) == (FILED, "0", None)
