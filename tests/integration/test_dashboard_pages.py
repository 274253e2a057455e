"""The staff pages of a live gateway, after real simulated calls: the call's timeline, where it
was placed, its report on the way to the city, the outbox and its retry button, the flows, the
handoff controls, and never a whole phone number."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from ivr.clock import utc_now
from ivr.dashboard.accounts import add_user
from ivr.dialog.state import new_call
from ivr.outbox.queue import FILED, PARKED, Report, enqueue
from ivr.simulator import Press, Silence, Speak
from ivr.store.call_tables import CallRecord, OutboxRecord
from ivr.webhooks.call_rows import read_ending
from tests.calls.phone import Gateway, prepared_store, running_gateway
from tests.integration.test_dashboard import PASSWORD, csrf_of, log_in

POTHOLE_AT_438 = [
    Silence(),  # the language offer: stay in English
    Press("2"),  # street defects
    Press("2"),  # pavement defect
    Press("1"),  # pothole
    Press("3#"),  # three feet wide
    Speak("the right lane"),
    Speak("four thirty eight washington street"),
    Press("1"),  # the address read back is right
    Speak("a deep pothole by the curb"),
    Press("1"),  # send it
]
CALLER = "+16175550123"
HANDOFF_NUMBER = "+16175550311"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    folder: Path = tmp_path_factory.mktemp("dashboard")
    url = prepared_store(f"sqlite:///{folder / 'voice311.db'}")
    with running_gateway(url, handoff_number=HANDOFF_NUMBER) as live:
        add_user(live.sessions, "agnes", PASSWORD, "agent", now=utc_now())
        add_user(live.sessions, "ada", PASSWORD, "admin", now=utc_now())
        yield live


@pytest.fixture(scope="module")
def pothole_call(gateway: Gateway) -> str:
    result = gateway.call(POTHOLE_AT_438)
    assert result.ended_by == "gateway"
    return result.call_sid


@contextmanager
def staff(gateway: Gateway, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.base_url, timeout=10) as http:
        assert log_in(http, gateway.base_url, username).status_code == 302
        yield http


def outbox_status(gateway: Gateway, outbox_id: int) -> str:
    with gateway.sessions() as session:
        row = session.get(OutboxRecord, outbox_id)
        assert row is not None
        return row.status


def wait_for_status(gateway: Gateway, outbox_id: int, status: str) -> None:
    for _ in range(100):  # the gateway's worker thread delivers every 0.2 s
        if outbox_status(gateway, outbox_id) == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"outbox row {outbox_id} is {outbox_status(gateway, outbox_id)}")


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row of a table, cell by cell."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def test_the_call_page_shows_the_timeline_the_address_and_the_report(
    gateway: Gateway, pothole_call: str
) -> None:
    with staff(gateway, "agnes") as http:
        listed = http.get("/staff/calls.json").json()["calls"]
        mine = next(c for c in listed if c["call_sid"] == pothole_call)
        assert mine["status"] == "completed"
        assert mine["service"] == "pavement defect"  # the service the caller chose

        page = http.get(f"/staff/calls/{pothole_call}")
        assert page.status_code == 200
        timeline = cells(page.text, "timeline")
        states = [row[2] for row in timeline]
        assert states[0] == "welcome"
        assert "confirm_location" in states
        steps = [int(row[0]) for row in timeline]
        assert steps == sorted(steps)
        confirm = next(row for row in timeline if row[2] == "confirm_location")
        assert confirm[3] == "keypress"

        assert "four thirty eight Washington Street" in page.text  # the read-back heard
        assert 'data-lat="42.34' in page.text and 'data-lon="-71.15' in page.text
        said = page.text.split('id="slots"', 1)[1].split("</table>", 1)[0]
        assert "<th>location_words</th><td>four thirty eight washington street</td>" in said
        assert "<th>attribute lane</th><td>the right lane</td>" in said
        assert "Recordings/" not in said  # the recording is played below, not shown as a URL
        assert "/staff/calls/" + pothole_call + "/recordings/0" in page.text

        report = page.text.split('id="report"', 1)[1]
        assert "438 Washington Street" in report
        live = http.get(f"/staff/calls/{pothole_call}/live")
        assert live.status_code == 200 and 'data-part="timeline"' in live.text


def test_the_report_shows_its_delivery_once_the_city_has_it(
    gateway: Gateway, pothole_call: str
) -> None:
    with gateway.sessions() as session:
        ending = read_ending(session.connection(), pothole_call)
    assert ending is not None
    delivery = ending[1]
    assert delivery is not None
    wait_for_status(gateway, delivery.outbox_id, FILED)
    with staff(gateway, "agnes") as http:
        live = http.get(f"/staff/calls/{pothole_call}/live").text
        status = re.search(r'id="report-status">([^<]*)<', live)
        assert status and status.group(1).startswith("filed")
        city_ids = [r["service_request_id"] for r in gateway.requests_published()]
        shown = re.search(r"<dt>City's id</dt><dd>([^<]*)</dd>", live)
        assert shown and shown.group(1) in city_ids


def an_in_progress_call(gateway: Gateway, call_sid: str) -> None:
    now = utc_now()
    state = new_call(call_sid, "intake", "welcome", "en")
    with gateway.sessions() as session, session.begin():
        session.add(
            CallRecord(
                call_sid=call_sid,
                flow="intake",
                status="in-progress",
                step=0,
                state=state.to_dict(),
                language="en",
                caller_number=CALLER,
                started_at=now,
                updated_at=now,
            )
        )


def test_no_page_shows_a_whole_phone_number(gateway: Gateway, pothole_call: str) -> None:
    call_sid = "CA" + "5" * 32
    an_in_progress_call(gateway, call_sid)
    with staff(gateway, "ada") as http:
        pages = [
            http.get("/staff/calls").text,
            http.get("/staff/calls.json").text,
            http.get(f"/staff/calls/{call_sid}").text,
            http.get(f"/staff/calls/{call_sid}/live").text,
            http.get(f"/staff/calls/{pothole_call}").text,
            http.get("/staff/outbox").text,
        ]
    assert "0123" in pages[1] and "0123" in pages[2]  # the last four digits, for staff
    for page in pages:
        digits = re.sub(r"\D", "", page)
        assert "6175550123" not in digits.replace("\u2022", "")
        assert "617555" not in page and "5550123" not in page


def test_the_handoff_controls_answer_on_the_agents_screen(gateway: Gateway) -> None:
    call_sid = "CA" + "6" * 32
    an_in_progress_call(gateway, call_sid)
    with staff(gateway, "agnes") as http:
        page = http.get(f"/staff/calls/{call_sid}")
        assert 'data-target="ask_location"' in page.text
        token = csrf_of(page)
        sent = http.post(
            f"/staff/calls/{call_sid}/send",
            data={"csrf_token": token, "target_state": "ask_location"},
            follow_redirects=True,
        )
        # this gateway has no public URL for Twilio to come back to: the agent is told so
        assert "The caller was not sent: Live handoffs are not set up" in sent.text
        refused = http.post(
            f"/staff/calls/{call_sid}/code",
            data={"csrf_token": token, "target_state": "ask_description"},
            follow_redirects=True,
        )
        # a code starts a new call with no place: the report would be filed without one
        assert "No code was made: The description: recorded and transcribed needs the " in (
            refused.text
        )
        assert "Handoff code:" not in refused.text
        coded = http.post(
            f"/staff/calls/{call_sid}/code",
            data={"csrf_token": token, "target_state": "main_menu"},
            follow_redirects=True,
        )
        code = re.search(r"Handoff code: (\d+) \(The whole report", coded.text)
        assert code and len(code.group(1)) == 6
        assert f"; the caller dials {HANDOFF_NUMBER} and keys it" in coded.text  # the setting
        unknown = http.post(
            f"/staff/calls/{call_sid}/send", data={"csrf_token": token, "target_state": "nope"}
        )
        assert unknown.status_code == 400


def test_a_parked_report_is_sent_again_from_the_outbox_page(
    gateway: Gateway, pothole_call: str
) -> None:
    with gateway.sessions() as session, session.begin():
        report = Report(
            service_code="21",
            attributes={"defect_type": ["pothole"], "width_feet": ["2"], "lane": ["left"]},
            lat=42.348328,
            long=-71.157438,
            address_string="438 Washington Street, Boston, MA 02135",
            description="parked by a refusal",
        )
        queued = enqueue(session.connection(), report, now=utc_now())
        row = session.get(OutboxRecord, queued.outbox_id)
        assert row is not None
        row.status = PARKED
        row.attempts = 1
        row.last_error = "400: the city refused it"
        parked = row.id
    before = len(gateway.requests_published())
    with staff(gateway, "ada") as http:
        page = http.get("/staff/outbox")
        listed = cells(page.text, "outbox")
        assert listed[0][0] == str(parked) and listed[0][1] == PARKED  # failures first
        assert "400: the city refused it" in listed[0][6]
        retried = http.post(
            f"/staff/outbox/{parked}/retry",
            data={"csrf_token": csrf_of(page)},
            follow_redirects=True,
        )
        assert f"Report {parked} will be sent again now." in retried.text
        wait_for_status(gateway, parked, FILED)
        assert len(gateway.requests_published()) == before + 1
        again = http.post(
            f"/staff/outbox/{parked}/retry",
            data={"csrf_token": csrf_of(page)},
            follow_redirects=True,
        )
        assert f"outbox row {parked} is filed, not waiting" in again.text


def test_the_flows_page_draws_each_flow(gateway: Gateway) -> None:
    with staff(gateway, "ada") as http:
        listed = http.get("/staff/flows")
        assert "/staff/flows/intake" in listed.text
        page = http.get("/staff/flows/intake")
        assert page.status_code == 200
        assert '<pre class="mermaid" id="diagram">flowchart' in page.text
        assert "mermaid.min.js" in page.text
        assert "'unsafe-inline'" in page.headers["content-security-policy"]
        assert "'unsafe-inline'" not in listed.headers["content-security-policy"]
        assert http.get("/staff/flows/nope").status_code == 404
        script = http.get("/static/vendor/mermaid/mermaid.min.js")
        assert script.status_code == 200 and len(script.content) > 1_000_000


def test_recordings_are_for_staff_only(gateway: Gateway, pothole_call: str) -> None:
    with httpx.Client(base_url=gateway.base_url) as anonymous:
        answer = anonymous.get(f"/staff/calls/{pothole_call}/recordings/0")
        assert answer.status_code == 302
    with staff(gateway, "agnes") as http:
        assert http.get(f"/staff/calls/{pothole_call}/recordings/9").status_code == 404
