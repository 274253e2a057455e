"""``ivr open311 services|definition|submit`` against a stand-in city over real HTTP: what the
operator reads, and what the city receives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from ivr.cli import main
from tests.integration.open311_city import City, Switchboard, as_json, as_xml, switchboard

SERVICES = [
    {"service_code": "0", "service_name": "Pothole", "group": "Streets", "type": "realtime"},
    {"service_code": "BB", "service_name": "Tip line", "group": "Police", "type": "blackbox"},
]


@pytest.fixture(scope="module")
def board() -> Iterator[Switchboard]:
    with switchboard() as served:
        yield served


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["open311", *args], env={"IVR_OPEN311_TIMEOUT": "5"})
    return result.exit_code, result.output


def test_services_lists_codes_names_groups_and_types(board: Switchboard) -> None:
    board.app = City({("GET", "/v2/services.json"): as_json(SERVICES)})
    code, output = run("services", f"{board.url}/v2")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[1].split() == ["0", "Pothole", "Streets", "realtime"]
    assert lines[2].split() == ["BB", "Tip", "line", "Police", "blackbox"]
    assert lines[-1] == "2 services"


def test_definition_shows_attributes_and_values(board: Switchboard) -> None:
    board.app = City(
        {
            ("GET", "/v2/services/0.xml"): as_xml(
                "<service_definition><service_code>0</service_code><attributes><attribute>"
                "<code>SIZE</code><datatype>singlevaluelist</datatype><required>true</required>"
                "<variable>true</variable><description>How big?</description><values><value>"
                "<key>1</key><name>Small</name></value></values></attribute></attributes>"
                "</service_definition>"
            )
        }
    )
    code, output = run("definition", f"{board.url}/v2", "0", "--format", "xml")
    assert code == 0, output
    assert "- SIZE [singlevaluelist, required] How big?" in output
    assert "    1: Small" in output


def test_submit_files_the_request_and_prints_id_and_token(board: Switchboard) -> None:
    city = City({("POST", "/v2/requests.json"): as_json([{"service_request_id": 0, "token": 5}])})
    board.app = city
    code, output = run(
        "submit", f"{board.url}/v2", "--service", "0", "--lat", "42.36", "--long", "-71.05",
        "--address", "1 City Hall Sq", "--description", "Deep", "--attribute", "SIGNS=stop",
        "--attribute", "SIGNS=yield", "--api-key", "k", "--jurisdiction", "boston.gov",
    )  # fmt: skip
    assert code == 0, output
    assert "service_request_id: 0" in output and "token: 5" in output
    (received,) = city.received
    assert received.form_values("attribute[SIGNS][]") == ["stop", "yield"]
    assert received.form_values("api_key") == ["k"]
    assert received.form_values("jurisdiction_id") == ["boston.gov"]
    assert received.form_values("lat") == ["42.360000"]


def test_a_refusal_prints_the_city_s_words_and_fails(board: Switchboard) -> None:
    board.app = City(
        {("POST", "/v2/requests.json"): as_json([{"code": 403, "description": "Bad key"}], 403)}
    )
    code, output = run("submit", f"{board.url}/v2", "--service", "0", "--address", "City Hall")
    assert code == 1
    assert "Bad key" in output and "a retry will not help" in output


@pytest.mark.parametrize(
    "command", ["services {url}", "definition {url} 0", "submit {url} --service 0"]
)
@pytest.mark.parametrize("url", ["notaurl", "311.example.gov/open311/v2", "ftp://x.org/v2"])
def test_an_endpoint_that_is_no_url_is_bad_input_not_a_city_to_retry(
    command: str, url: str
) -> None:
    """It used to be sent, and fail as "could not reach the endpoint (a retry may succeed)"."""
    code, output = run(*command.format(url=url).split())
    assert code == 2
    assert output.splitlines()[-1] == (
        f"Error: Invalid value for 'URL': {url!r} is not an http:// or https:// URL with a host "
        "(the endpoint's folder holding services.json, such as "
        "https://311.example.gov/open311/v2)"
    )
    assert "retry" not in output and "Traceback" not in output
