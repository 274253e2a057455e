"""Settings are checked all at once: one error lists every problem, one a line, each naming its
variable, so that an operator fixes them all before the next start."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.settings import Settings, SettingsError
from ivr.settings_checks import is_http_url

# The bad settings a city's IT team met in its first week (issue 13, finding 5).
FIRST_WEEK = {
    "IVR_PORT": "99999",
    "IVR_FLOW": "nope",
    "IVR_SERVICES_FILE": "/nowhere/services.json",
    "IVR_PUBLIC_BASE_URL": "311.example.gov",
    "IVR_OPEN311_ENDPOINT": "not-a-url",
    "IVR_FILING_WAIT": "-3",
    "IVR_SERVCES_FILE": "services.json",
}


def problems_of(environ: dict[str, str]) -> tuple[str, ...]:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_every_bad_setting_is_reported_in_one_error() -> None:
    problems = problems_of(FIRST_WEEK)
    assert len(problems) == len(FIRST_WEEK)
    expected = [
        "IVR_PORT must be from 1 to 65535 (it is 99999)",
        "IVR_FLOW must name a flow: intake or bike_rack (it is 'nope')",
        "IVR_SERVICES_FILE names /nowhere/services.json, which does not exist",
        "IVR_PUBLIC_BASE_URL must be an http:// or https:// URL with a host "
        "(it is '311.example.gov')",
        "IVR_OPEN311_ENDPOINT must be an http:// or https:// URL with a host (it is 'not-a-url')",
        "IVR_FILING_WAIT must be from 0 to 60 (it is -3)",
        "IVR_SERVCES_FILE is not a voice311 setting (did you mean IVR_SERVICES_FILE?)",
    ]
    assert sorted(problems) == sorted(expected)


def test_values_of_the_wrong_type_are_reported_with_the_others() -> None:
    problems = problems_of(
        {"IVR_PORT": "eighty", "IVR_OPEN311_TIMEOUT": "nan", "IVR_TRUST_PROXY_HEADERS": "maybe"}
    )
    assert problems == (
        "IVR_PORT must be a whole number (it is 'eighty')",
        "IVR_TRUST_PROXY_HEADERS must be true or false (it is 'maybe')",
        "IVR_OPEN311_TIMEOUT must be a number (it is 'nan')",
    )


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_hosting_providers_postgres_url_is_read_as_psycopg(scheme: str) -> None:
    settings = Settings.from_env({"IVR_DATABASE_URL": f"{scheme}://u:pw@db.example/voice311"})
    assert settings.database_url == "postgresql+psycopg://u:pw@db.example/voice311"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://u:pw@db/voice311", "names a mysql database: voice311 runs on SQLite"),
        ("postgresql+psycopg2://u:pw@db/v", "asks for the psycopg2 driver, which voice311 does"),
        ("voice311.db", "is not a database URL"),
        ("sqlite://", "names an in-memory SQLite database"),
        ("sqlite:///:memory:", "names an in-memory SQLite database"),
    ],
)
def test_a_database_voice311_cannot_use_is_refused_with_a_sentence(url: str, problem: str) -> None:
    (found,) = problems_of({"IVR_DATABASE_URL": url})
    assert found.startswith("IVR_DATABASE_URL ")
    assert problem in found
    assert "pw" not in found


def test_a_misspelt_variable_without_a_near_name_is_still_refused() -> None:
    assert problems_of({"IVR_COLOUR": "blue"}) == (
        "IVR_COLOUR is not a voice311 setting (the README lists every setting)",
    )


def test_every_url_needs_a_scheme_and_a_host() -> None:
    problems = problems_of(
        {
            "IVR_OPEN311_DISCOVERY_URL": "ftp://city.example/discovery.json",
            "IVR_TWILIO_API_BASE_URL": "",
            "IVR_GEOCODER_URL": "https://",
        }
    )
    assert [p.split()[0] for p in problems] == [
        "IVR_OPEN311_DISCOVERY_URL",
        "IVR_TWILIO_API_BASE_URL",
        "IVR_GEOCODER_URL",
    ]


def test_a_public_base_url_with_a_query_is_refused() -> None:
    (found,) = problems_of({"IVR_PUBLIC_BASE_URL": "https://311.example.gov/?x=1"})
    assert found.startswith("IVR_PUBLIC_BASE_URL must be the gateway's root URL")


def test_a_public_base_url_that_cannot_be_split_is_one_problem() -> None:
    """Its second reading (for a query) used to stop the check on Python's ValueError."""
    (found,) = problems_of({"IVR_PUBLIC_BASE_URL": "http://[x"})
    assert (
        found
        == "IVR_PUBLIC_BASE_URL must be an http:// or https:// URL with a host (it is 'http://[x')"
    )


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("IVR_GEOCODER", "google", "IVR_GEOCODER must be gazetteer, nominatim, pelias"),
        ("IVR_LOG_LEVEL", "LOUD", "IVR_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
        ("IVR_RECOGNIZER", "siri", "IVR_RECOGNIZER must be whisper, pocketsphinx, vosk or"),
        ("IVR_OUTBOX_TOKEN_CHECKS", "-1", "IVR_OUTBOX_TOKEN_CHECKS must be from 0 to 10000"),
        ("IVR_GEOCODER_TIMEOUT", "0", "IVR_GEOCODER_TIMEOUT must be above 0 and at most 600"),
        # Past the calendar's end these failed at run time: a report leased until after year
        # 9999 was never delivered, a staff log-in answered 500.
        ("IVR_OUTBOX_LEASE", "1e12", "IVR_OUTBOX_LEASE must be above 0 and at most 86400"),
        ("IVR_OUTBOX_RETRY_CAP", "1e12", "IVR_OUTBOX_RETRY_CAP must be above 0 and at most"),
        ("IVR_STAFF_SESSION_HOURS", "100000000", "IVR_STAFF_SESSION_HOURS must be above 0 and"),
        ("IVR_FEED_POLL_SECONDS", "1e12", "IVR_FEED_POLL_SECONDS must be above 0 and at most"),
        ("IVR_FEED_SETTLE_SECONDS", "1e12", "IVR_FEED_SETTLE_SECONDS must be from 0 to 3600"),
        ("IVR_RECORDING_NOTICE", "", "IVR_RECORDING_NOTICE must be true or false (it is '')"),
        ("IVR_HOST", "", "IVR_HOST must be the address to listen on"),  # gunicorn: every one
        ("IVR_HOST", "http://0.0.0.0", "IVR_HOST must be the address to listen on"),
        ("IVR_RECOGNITION_WORKERS", "²", "IVR_RECOGNITION_WORKERS must be auto or 0 to 64"),
        ("IVR_GAZETTEER_FILE", "/nowhere.csv", "IVR_GAZETTEER_FILE names /nowhere.csv"),
        # A caller waits for a person a counted time: never Twilio's 4-hour call limit.
        ("IVR_OPERATOR_WAIT_SECONDS", "14400", "IVR_OPERATOR_WAIT_SECONDS must be from 30 to 3600"),
        ("IVR_OPERATOR_WAIT_SECONDS", "5", "IVR_OPERATOR_WAIT_SECONDS must be from 30 to 3600"),
    ],
)
def test_a_bad_value_is_named_with_what_it_may_be(variable: str, value: str, problem: str) -> None:
    (found,) = problems_of({variable: value})
    assert found.startswith(problem)


def test_good_values_pass(tmp_path: Path) -> None:
    services = tmp_path / "services.json"
    services.write_text("[]", encoding="utf-8")
    settings = Settings.from_env(
        {
            "IVR_PORT": "65535",
            "IVR_FLOW": "bike_rack",
            "IVR_SERVICES_FILE": str(services),
            "IVR_PUBLIC_BASE_URL": "https://311.example.gov/ivr",
            "IVR_OPEN311_ENDPOINT": "http://crm.example.gov/open311/v2",
            "IVR_FILING_WAIT": "0",
            "IVR_LOG_LEVEL": "debug",
            "IVR_RECOGNITION_WORKERS": "3",
        }
    )
    assert (settings.port, settings.flow, settings.filing_wait) == (65535, "bike_rack", 0)


def test_validate_reports_every_problem_of_settings_built_in_code() -> None:
    settings = Settings(port=0, open311_format="yaml")
    with pytest.raises(SettingsError) as caught:
        settings.validate()
    assert caught.value.problems == (
        "IVR_OPEN311_FORMAT must be json or xml (it is 'yaml')",
        "IVR_PORT must be from 1 to 65535 (it is 0)",
    )


@pytest.mark.parametrize(
    ("url", "usable"),
    [
        ("https://311.example.gov/open311/v2", True),
        ("http://127.0.0.1:8311/open311/v2", True),
        ("http://[::1]:8311/", True),
        ("notaurl", False),
        ("311.example.gov/open311/v2", False),
        ("ftp://311.example.gov/", False),
        ("http://", False),
        ("http://311.example.gov:port/", False),
        ("http://[not-ipv6/", False),
    ],
)
def test_an_http_url_has_the_scheme_a_host_and_a_port_that_is_a_number(
    url: str, usable: bool
) -> None:
    assert is_http_url(url) is usable
