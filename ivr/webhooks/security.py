"""Every webhook must prove it comes from Twilio: the ``X-Twilio-Signature`` check.

Twilio signs each request with the account's auth token over the URL it requested and, for a
form POST, the form's parameters (https://www.twilio.com/docs/usage/security). The check
rebuilds that URL and asks the twilio library's ``RequestValidator`` to compare:

- with ``IVR_PUBLIC_BASE_URL`` set, the URL is that base (the public URL of the gateway's root)
  followed by the request's path and query string, whatever host and scheme the request
  arrived on: the right choice behind a proxy or a tunnel;
- otherwise it is the request's own URL; ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` take
  part only when ``IVR_TRUST_PROXY_HEADERS`` is set (the last value of each, the one added by
  the proxy in front of the gateway), since anyone can send those headers.

A GET is signed over its full URL alone; a POST over its URL and its form. A request without a
valid signature is answered 403 with a short plain-text body. With no auth token configured
every webhook is refused (the gateway fails closed), unless ``IVR_DEV_ALLOW_UNSIGNED_WEBHOOKS``
is set for development; with a token configured that setting changes nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from flask import Blueprint, Request, Response, request
from twilio.request_validator import RequestValidator, compare
from werkzeug.datastructures import MultiDict

from ivr.settings import Settings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class SignatureCheck:
    """How webhook signatures are checked; built from the settings."""

    auth_token: str = field(default="", repr=False)
    public_base_url: str = ""
    trust_proxy_headers: bool = False
    allow_unsigned: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SignatureCheck:
        return cls(
            auth_token=settings.twilio_auth_token,
            public_base_url=settings.public_base_url,
            trust_proxy_headers=settings.trust_proxy_headers,
            allow_unsigned=settings.dev_allow_unsigned_webhooks,
        )

    def signed_url(self, req: Request) -> str:
        """The URL Twilio computed the signature over, as far as this request tells."""
        path = quote(req.path, safe="/:@!$&'()*+,;=-._~%")
        query = req.query_string.decode("latin-1")
        tail = path + (f"?{query}" if query else "")
        if self.public_base_url:
            return self.public_base_url.rstrip("/") + tail
        scheme, host = req.scheme, req.host
        if self.trust_proxy_headers:
            scheme = _last(req.headers.get("X-Forwarded-Proto")) or scheme
            host = _last(req.headers.get("X-Forwarded-Host")) or host
        return f"{scheme}://{host}{req.script_root}{tail}"

    def refusal(self, req: Request) -> Response | None:
        """None when the request may go on; otherwise the 403 to answer it with."""
        if not self.auth_token:
            if self.allow_unsigned:
                return None
            log.error("webhook refused: IVR_TWILIO_AUTH_TOKEN is not set")
            return _forbidden("webhook signing is not configured")
        signature = req.headers.get(SIGNATURE_HEADER, "")
        if not signature:
            log.warning("webhook refused: no signature", extra={"path": req.path})
            return _forbidden("missing Twilio signature")
        if not self._signed(req, signature):
            # The URL checked is what an operator compares with the webhook URL set at Twilio
            # (a wrong IVR_PUBLIC_BASE_URL, a proxy's scheme); its query string may carry a
            # caller's words, so it is left out.
            checked = urlsplit(self.signed_url(req))._replace(query="", fragment="").geturl()
            source = "IVR_PUBLIC_BASE_URL" if self.public_base_url else "the request's own URL"
            log.warning(
                f"webhook refused: bad signature for {checked} (built from {source})",
                extra={"path": req.path, "signed_url": checked},
            )
            return _forbidden("invalid Twilio signature")
        return None

    def _signed(self, req: Request, signature: str) -> bool:
        """Whether ``signature`` is Twilio's over this request. The signature over the URL as
        built is computed first: that is one HMAC, where the twilio library's ``validate``
        always computes two (the URL with and without its port, since Twilio may sign either).
        Only when it does not match, or the body is signed by its hash, does ``validate`` decide."""
        validator = self._validator
        url = self.signed_url(req)
        # A body signed by its hash; an empty ``bodySHA256`` is no hash (the twilio library
        # would then treat the body text as a form and fail).
        if req.args.get("bodySHA256"):
            return validator.validate(url, req.get_data(as_text=True), signature)
        params: Any = _FormForSigning(req.form) if req.method == "POST" else {}
        if compare(validator.compute_signature(url, params), signature):
            return True
        return validator.validate(url, params, signature)

    @functools.cached_property
    def _validator(self) -> RequestValidator:
        return RequestValidator(self.auth_token)


class _FormForSigning:
    """A form as the twilio library's signature reads it: its names, and every value of a name
    (``getall``, which the library asks for first; werkzeug's form calls it ``getlist``, and
    the library would otherwise find that out by an exception for every name)."""

    def __init__(self, form: MultiDict[str, str]) -> None:
        self._form = form

    def __iter__(self) -> Iterator[str]:
        return iter(self._form)

    def __bool__(self) -> bool:
        return bool(self._form)

    def getall(self, name: str) -> list[str]:
        return self._form.getlist(name)


def install_signature_check(blueprint: Blueprint, check: SignatureCheck) -> None:
    """Check the signature of every request the blueprint serves, before its views run."""

    def before_request() -> Response | None:
        return check.refusal(request)

    blueprint.before_request(before_request)


def require_twilio_signature(check: SignatureCheck) -> Callable[[View], View]:
    """Decorator form, for a single view."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            refusal = check.refusal(request)
            if refusal is not None:
                return refusal
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def _last(header: str | None) -> str:
    if not header:
        return ""
    return header.split(",")[-1].strip()


def _forbidden(reason: str) -> Response:
    return Response(reason + "\n", status=403, mimetype="text/plain")
