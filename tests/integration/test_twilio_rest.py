"""The gateway's Twilio REST client reaches the configured API base with the account's
credentials, and Twilio's errors come back as the library's exceptions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.base.exceptions import TwilioRestException

from ivr.settings import Settings
from ivr.twilio_rest import TwilioNotConfigured, make_twilio_client
from tests.support.live_server import serve_wsgi
from tests.support.twilio_api import TwilioApi

ACCOUNT, TOKEN = "AC" + "1" * 32, "secret-token"


@pytest.fixture
def api() -> Iterator[tuple[TwilioApi, str]]:
    fake = TwilioApi(ACCOUNT, TOKEN)
    with serve_wsgi(fake.app) as url:
        yield fake, url


def _settings(url: str, token: str = TOKEN) -> Settings:
    return Settings(twilio_account_sid=ACCOUNT, twilio_auth_token=token, twilio_api_base_url=url)


def test_a_message_goes_to_the_account_with_its_credentials(api: tuple[TwilioApi, str]) -> None:
    fake, url = api
    client = make_twilio_client(_settings(url))
    message = client.messages.create(to="+16175550100", from_="+16175550199", body="Ref 12")
    assert message.status == "queued" and message.sid.startswith("SM")
    (sent,) = fake.messages()
    assert sent.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert sent.auth == (ACCOUNT, TOKEN)
    assert sent.content_type == "application/x-www-form-urlencoded"
    assert (sent.form["To"], sent.form["From"], sent.form["Body"]) == (
        "+16175550100",
        "+16175550199",
        "Ref 12",
    )


def test_a_live_call_is_redirected(api: tuple[TwilioApi, str]) -> None:
    fake, url = api
    redirects: list[tuple[str, str, str]] = []
    fake.on_redirect = lambda sid, to, method: redirects.append((sid, to, method))
    fake.live_call("CA1")
    client = make_twilio_client(_settings(url))
    call = client.calls("CA1").update(url="https://gw.example/twilio/voice/resume", method="POST")
    assert call.status == "in-progress"
    assert redirects == [("CA1", "https://gw.example/twilio/voice/resume", "POST")]
    with pytest.raises(TwilioRestException) as missing:
        client.calls("CA404").update(url="https://gw.example/x")
    assert missing.value.code == 20404


def test_wrong_credentials_are_refused_as_twilio_refuses_them(api: tuple[TwilioApi, str]) -> None:
    _, url = api
    client = make_twilio_client(_settings(url, token="wrong"))
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to="+16175550100", from_="+16175550199", body="x")
    assert (refused.value.status, refused.value.code) == (401, 20003)


def test_no_account_is_a_clear_error() -> None:
    with pytest.raises(TwilioNotConfigured, match="IVR_TWILIO_ACCOUNT_SID"):
        make_twilio_client(Settings())
