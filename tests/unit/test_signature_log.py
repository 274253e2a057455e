"""A webhook refused for its signature is logged with the URL the signature was checked over,
so that an operator sees at once a public base URL that does not match Twilio's (issue 13)."""

from __future__ import annotations

import logging

import pytest

from ivr.webhooks.security import SignatureCheck
from tests.unit.test_webhook_security import FORM, TOKEN, make_app, sign


def test_the_refusal_names_the_url_checked_without_its_query(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The gateway is told its public URL is https://311.example.gov; Twilio calls the
    # tunnel's URL instead, so the two never agree.
    check = SignatureCheck(auth_token=TOKEN, public_base_url="https://311.example.gov")
    client = make_app(check).test_client()
    twilio_url = "https://tunnel.example.net/twilio/voice/gather?step=place&words=12+main"
    with caplog.at_level(logging.WARNING, logger="ivr.webhooks.security"):
        response = client.post(
            "/twilio/voice/gather?step=place&words=12+main",
            data=FORM,
            headers={"X-Twilio-Signature": sign(twilio_url, FORM)},
        )
    assert response.status_code == 403
    (record,) = caplog.records
    message = record.getMessage()
    assert "https://311.example.gov/twilio/voice/gather" in message
    assert "IVR_PUBLIC_BASE_URL" in message
    assert "12+main" not in message and "step=" not in message
    assert record.__dict__["signed_url"] == "https://311.example.gov/twilio/voice/gather"


def test_without_a_public_base_url_the_requests_own_url_is_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    with caplog.at_level(logging.WARNING, logger="ivr.webhooks.security"):
        client.post("/twilio/voice/gather", data=FORM, headers={"X-Twilio-Signature": "bad"})
    (record,) = caplog.records
    assert record.getMessage() == (
        "webhook refused: bad signature for http://localhost/twilio/voice/gather "
        "(built from the request's own URL)"
    )
