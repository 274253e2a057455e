"""A webhook runs only when Twilio's signature over its URL and form is right."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import Blueprint, Flask
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr.settings import Settings
from ivr.webhooks.security import SignatureCheck, install_signature_check, require_twilio_signature

TOKEN = "12345678901234567890123456789012"
FORM = {"CallSid": "CA" + "0" * 32, "From": "+16175550123", "Digits": "1"}


def make_app(check: SignatureCheck) -> Flask:
    app = Flask("test")
    hooks = Blueprint("hooks", __name__)
    install_signature_check(hooks, check)

    @hooks.route("/voice/gather", methods=["GET", "POST"])
    def gather() -> str:
        return "<Response/>"

    app.register_blueprint(hooks, url_prefix="/twilio")

    @app.post("/single")
    @require_twilio_signature(check)
    def single() -> str:
        return "<Response/>"

    return app


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def test_a_correctly_signed_post_reaches_the_view() -> None:
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    url = "http://localhost/twilio/voice/gather"
    response = client.post(url, data=FORM, headers={"X-Twilio-Signature": sign(url, FORM)})
    assert response.status_code == 200
    assert response.text == "<Response/>"


def test_a_signature_over_other_parameters_is_refused() -> None:
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    url = "http://localhost/twilio/voice/gather"
    forged = {**FORM, "Digits": "9"}
    response = client.post(url, data=forged, headers={"X-Twilio-Signature": sign(url, FORM)})
    assert response.status_code == 403
    assert response.text == "invalid Twilio signature\n"
    assert "Traceback" not in response.text


def test_a_signature_made_with_another_token_is_refused() -> None:
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    url = "http://localhost/twilio/voice/gather"
    signature = sign(url, FORM, token="another-token")
    response = client.post(url, data=FORM, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_a_missing_signature_is_refused() -> None:
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    response = client.post("/twilio/voice/gather", data=FORM)
    assert response.status_code == 403
    assert response.text == "missing Twilio signature\n"


def test_the_decorator_guards_a_single_view() -> None:
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    assert client.post("/single", data=FORM).status_code == 403
    url = "http://localhost/single"
    signed = client.post(url, data=FORM, headers={"X-Twilio-Signature": sign(url, FORM)})
    assert signed.status_code == 200


def test_a_get_is_signed_over_its_full_url_with_the_query() -> None:
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    url = "http://localhost/twilio/voice/gather?" + urlencode(FORM)
    good = client.get(url, headers={"X-Twilio-Signature": sign(url, {})})
    assert good.status_code == 200
    tampered = url.replace("Digits=1", "Digits=2")
    assert client.get(tampered, headers={"X-Twilio-Signature": sign(url, {})}).status_code == 403


def test_a_post_url_query_string_is_part_of_what_is_signed() -> None:
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    url = "http://localhost/twilio/voice/gather?state=menu&attempt=2"
    signature = sign(url, FORM)
    assert client.post(url, data=FORM, headers={"X-Twilio-Signature": signature}).status_code == 200
    moved = "http://localhost/twilio/voice/gather?state=menu&attempt=3"
    refused = client.post(moved, data=FORM, headers={"X-Twilio-Signature": signature})
    assert refused.status_code == 403


def test_behind_a_proxy_the_public_base_url_is_what_was_signed() -> None:
    check = SignatureCheck(auth_token=TOKEN, public_base_url="https://311.example.gov/")
    client = make_app(check).test_client()
    public = "https://311.example.gov/twilio/voice/gather?step=1"
    headers = {"X-Twilio-Signature": sign(public, FORM)}
    # The proxy forwards to the gateway on plain HTTP under another host name.
    response = client.post(
        "http://10.0.0.5:8311/twilio/voice/gather?step=1", data=FORM, headers=headers
    )
    assert response.status_code == 200
    local = "http://10.0.0.5:8311/twilio/voice/gather?step=1"
    wrong = client.post(local, data=FORM, headers={"X-Twilio-Signature": sign(local, FORM)})
    assert wrong.status_code == 403


def test_a_public_base_url_with_a_standard_port_still_matches() -> None:
    check = SignatureCheck(auth_token=TOKEN, public_base_url="https://311.example.gov")
    client = make_app(check).test_client()
    signed_with_port = "https://311.example.gov:443/twilio/voice/gather"
    headers = {"X-Twilio-Signature": sign(signed_with_port, FORM)}
    assert client.post("/twilio/voice/gather", data=FORM, headers=headers).status_code == 200


def test_forwarded_headers_count_only_when_the_proxy_is_trusted() -> None:
    public = "https://311.example.gov/twilio/voice/gather"
    headers = {
        "X-Twilio-Signature": sign(public, FORM),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "311.example.gov",
    }
    url = "http://127.0.0.1:8311/twilio/voice/gather"
    trusted = make_app(SignatureCheck(auth_token=TOKEN, trust_proxy_headers=True)).test_client()
    assert trusted.post(url, data=FORM, headers=headers).status_code == 200
    untrusted = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    assert untrusted.post(url, data=FORM, headers=headers).status_code == 403


def test_only_the_forwarded_value_the_proxy_added_is_believed() -> None:
    public = "https://311.example.gov/twilio/voice/gather"
    headers = {
        "X-Twilio-Signature": sign("https://evil.example/twilio/voice/gather", FORM),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "evil.example, 311.example.gov",
    }
    client = make_app(SignatureCheck(auth_token=TOKEN, trust_proxy_headers=True)).test_client()
    url = "http://127.0.0.1:8311/twilio/voice/gather"
    assert client.post(url, data=FORM, headers=headers).status_code == 403
    headers["X-Twilio-Signature"] = sign(public, FORM)
    assert client.post(url, data=FORM, headers=headers).status_code == 200


def test_without_an_auth_token_every_webhook_is_refused() -> None:
    client = make_app(SignatureCheck()).test_client()
    url = "http://localhost/twilio/voice/gather"
    response = client.post(url, data=FORM, headers={"X-Twilio-Signature": sign(url, FORM)})
    assert response.status_code == 403
    assert response.text == "webhook signing is not configured\n"


def test_the_development_setting_lets_unsigned_webhooks_in_only_without_a_token() -> None:
    open_gateway = make_app(SignatureCheck(allow_unsigned=True)).test_client()
    assert open_gateway.post("/twilio/voice/gather", data=FORM).status_code == 200
    with_token = make_app(SignatureCheck(auth_token=TOKEN, allow_unsigned=True)).test_client()
    assert with_token.post("/twilio/voice/gather", data=FORM).status_code == 403


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, SignatureCheck()),
        (
            {
                "IVR_TWILIO_AUTH_TOKEN": TOKEN,
                "IVR_PUBLIC_BASE_URL": "https://311.example.gov",
                "IVR_TRUST_PROXY_HEADERS": "true",
                "IVR_DEV_ALLOW_UNSIGNED_WEBHOOKS": "1",
            },
            SignatureCheck(TOKEN, "https://311.example.gov", True, True),
        ),
    ],
)
def test_the_check_is_built_from_the_settings(
    environ: dict[str, str], expected: SignatureCheck
) -> None:
    assert SignatureCheck.from_settings(Settings.from_env(environ)) == expected


def test_the_auth_token_stays_out_of_the_repr() -> None:
    assert TOKEN not in repr(SignatureCheck(auth_token=TOKEN))


def test_a_name_given_twice_is_signed_over_both_of_its_values() -> None:
    # The check reads every value of a name (Twilio signs them all, sorted): a form with a
    # name twice passes only with the signature over both.
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    url = "http://localhost/twilio/voice/gather"
    form = MultiDict([*FORM.items(), ("Digits", "2")])
    good = RequestValidator(TOKEN).compute_signature(url, form)
    body = urlencode(list(form.items(multi=True)))
    plain = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post(url, data=body, headers={**plain, "X-Twilio-Signature": good})
    assert response.status_code == 200
    only_first = sign(url, FORM)
    response = client.post(url, data=body, headers={**plain, "X-Twilio-Signature": only_first})
    assert response.status_code == 403


def test_a_signature_over_the_url_with_its_port_passes_when_the_request_had_none() -> None:
    # Twilio may sign the URL with the scheme's port written out; the request arrives
    # without it, so the first HMAC (over the URL as built) fails and the library's check of
    # both forms decides.
    client = make_app(SignatureCheck(auth_token=TOKEN)).test_client()
    headers = {"X-Twilio-Signature": sign("http://localhost:80/twilio/voice/gather", FORM)}
    response = client.post("http://localhost/twilio/voice/gather", data=FORM, headers=headers)
    assert response.status_code == 200
