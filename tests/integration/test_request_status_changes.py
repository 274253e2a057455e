"""Staff open and close a request of the embedded endpoint: on the dashboard's request page
(through Flask's test client, logged in as a person would) and with ``ivr open311 status``.
What the public and FixMyStreet then read: the request, ``servicerequestupdates`` and the Atom
feed, with the notes' phone numbers masked. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeElementTree
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from ivr.app import create_app
from ivr.cli import main
from ivr.clock import utc_now
from ivr.dashboard.accounts import add_user
from ivr.open311.status_change import NOTES_LIMIT
from ivr.settings import Settings
from tests.support.embedded_endpoint import POTHOLE_FORM, write_services

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NOTES = "Filled by the crew.\nCall 617 555 0123 with questions."
PUBLIC_NOTES = "Filled by the crew. Call [phone number] with questions."
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class City:
    app: Flask
    url: str

    def staff(self, username: str) -> StaffBrowser:
        return StaffBrowser.logged_in(self.app.test_client(), username)

    def file_pothole(self) -> str:
        answer = self.app.test_client().post("/open311/v2/requests.json", data=POTHOLE_FORM)
        assert answer.status_code == 200, answer.text
        return str(answer.json[0]["service_request_id"])  # type: ignore[index]

    def published(self, service_request_id: str) -> dict[str, Any]:
        answer = self.app.test_client().get(f"/open311/v2/requests/{service_request_id}.json")
        assert answer.status_code == 200
        return answer.json[0]  # type: ignore[index,no-any-return]

    def updates(self) -> list[dict[str, Any]]:
        answer = self.app.test_client().get("/open311/v2/servicerequestupdates.json")
        assert answer.status_code == 200
        return answer.json  # type: ignore[return-value]


@dataclass
class StaffBrowser:
    http: FlaskClient

    @classmethod
    def logged_in(cls, http: FlaskClient, username: str) -> StaffBrowser:
        token = csrf_of(http.get("/staff/login").text)
        form = {"csrf_token": token, "username": username, "password": PASSWORD}
        assert http.post("/staff/login", data=form).status_code == 302
        return cls(http)

    def page(self, service_request_id: str) -> str:
        answer = self.http.get(f"/staff/requests/{service_request_id}")
        assert answer.status_code == 200
        return answer.text

    def change(self, service_request_id: str, status: str, notes: str) -> Any:
        token = csrf_of(self.http.get("/staff/requests").text)  # the session's token
        form = {"csrf_token": token, "status": status, "status_notes": notes}
        return self.http.post(f"/staff/requests/{service_request_id}/status", data=form)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@pytest.fixture
def city(migrated_url: str, tmp_path: Path) -> Iterator[City]:
    settings = Settings(
        database_url=migrated_url, secret_key="s" * 64, services_file=str(write_services(tmp_path))
    )
    app = create_app(settings)
    sessions = app.extensions["voice311"].sessions
    add_user(sessions, "ada", PASSWORD, "admin", now=utc_now())
    add_user(sessions, "agnes", PASSWORD, "agent", now=utc_now())
    yield City(app, migrated_url)
    app.extensions["voice311"].engine.dispose()


def test_an_admin_closes_a_request_and_fixmystreet_reads_the_change(city: City) -> None:
    service_request_id = city.file_pothole()
    untouched = city.file_pothole()
    admin = city.staff("ada")

    answer = admin.change(service_request_id, "closed", NOTES)
    assert answer.status_code == 302
    page = admin.http.get(answer.headers["Location"]).text
    assert f"Request {service_request_id} is now closed." in page
    assert "<td>closed: Filled by the crew. Call 617 555 0123 with questions.</td>" in page

    published = city.published(service_request_id)
    assert (published["status"], published["status_notes"]) == ("closed", PUBLIC_NOTES)
    assert city.published(untouched)["status"] == "open"
    (update,) = city.updates()
    assert update["service_request_id"] == service_request_id
    assert (update["status"], update["description"]) == ("closed", PUBLIC_NOTES)

    atom = SafeElementTree.fromstring(city.app.test_client().get("/open311/v2/requests.atom").data)
    newest = atom.find(f"{ATOM}entry")
    assert newest is not None and service_request_id in str(newest.findtext(f"{ATOM}id"))
    content = str(newest.findtext(f"{ATOM}content"))
    assert "Status: closed" in content and f"Notes: {PUBLIC_NOTES}" in content
    assert "555 0123" not in city.app.test_client().get("/open311/v2/requests.xml").text

    reopened = admin.change(service_request_id, "open", "")
    assert reopened.status_code == 302
    assert (
        city.published(service_request_id)["status"],
        city.published(service_request_id)["status_notes"],
    ) == ("open", "")


def test_a_bad_status_or_bad_notes_are_refused_with_the_reason_and_nothing_changes(
    city: City,
) -> None:
    service_request_id = city.file_pothole()
    admin = city.staff("ada")
    refusals = [
        ("shut", "Done.", "the status must be open or closed"),
        ("closed", "x" * (NOTES_LIMIT + 1), f"the notes must be at most {NOTES_LIMIT} characters"),
        ("closed", "Done <b>today</b>", "no tags or HTML entities"),
        ("closed", "Done\x00today", "no control characters"),
    ]
    for status, notes, reason in refusals:
        answer = admin.change(service_request_id, status, notes)
        assert answer.status_code == 400, (status, notes)
        assert reason in answer.text
        if "<" not in notes and "\x00" not in notes:  # what was typed is there to be corrected
            assert f">{notes}</textarea>" in answer.text
    assert city.published(service_request_id)["status"] == "open"
    assert city.updates() == []

    stale = admin.http.post(
        f"/staff/requests/{service_request_id}/status", data={"status": "closed"}
    )
    assert stale.status_code == 400  # no CSRF token: the dashboard's guard refuses it
    assert admin.change("999999", "closed", "").status_code == 404
    assert city.published(service_request_id)["status"] == "open"


def test_an_agent_may_not_change_a_status(city: City) -> None:
    service_request_id = city.file_pothole()
    agent = city.staff("agnes")
    token = csrf_of(agent.http.get("/staff/calls").text)
    form = {"csrf_token": token, "status": "closed", "status_notes": "Done."}
    answer = agent.http.post(f"/staff/requests/{service_request_id}/status", data=form)
    assert answer.status_code == 403
    assert city.published(service_request_id)["status"] == "open"


def run_status(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["open311", "status", *args], env={"IVR_DATABASE_URL": url})
    return result.exit_code, result.output


def test_the_status_command_closes_a_request_for_scripts(city: City) -> None:
    service_request_id = city.file_pothole()

    code, output = run_status(city.url, service_request_id, "closed", "--notes", NOTES)
    assert (code, output) == (0, f"request {service_request_id} is now closed\n")
    published = city.published(service_request_id)
    assert (published["status"], published["status_notes"]) == ("closed", PUBLIC_NOTES)
    (update,) = city.updates()
    assert (update["status"], update["description"]) == ("closed", PUBLIC_NOTES)

    code, output = run_status(city.url, service_request_id, "open")  # the notes stay
    assert code == 0, output
    assert city.published(service_request_id)["status_notes"] == PUBLIC_NOTES

    code, output = run_status(city.url, service_request_id, "shut")
    assert code == 2 and "'shut' is not one of 'open', 'closed'" in output
    code, output = run_status(city.url, service_request_id, "closed", "--notes", "a <b>b</b>")
    assert code == 2 and "no tags or HTML entities" in output
    code, output = run_status(city.url, "424242", "closed")
    assert code == 1 and "no such request" in output and "Traceback" not in output
    assert city.published(service_request_id)["status"] == "open"
