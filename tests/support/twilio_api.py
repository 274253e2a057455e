"""A local stand-in for Twilio's REST API, answering as Twilio documents, for the parts the
gateway uses: sending a message and updating (redirecting) a live call.

It checks what Twilio checks: the path names the account, HTTP Basic auth is the account SID
and auth token, the body is form-encoded, required parameters are present and phone numbers
are E.164. Errors come back in Twilio's JSON error shape with Twilio's codes. Every request is
kept in ``requests`` so a test can assert on exactly what was sent.

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (To; From or MessagingServiceSid;
  Body) → 201 with a Message resource, status ``queued``.
- ``POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`` (Url and Method, or Twiml,
  or Status) → 200 with a Call resource; a call not registered with ``live_call`` is 404
  (20404), a call no longer in progress cannot be redirected (21220). ``on_redirect`` is told
  of each redirect, so a simulated call can fetch the new TwiML as Twilio would.
"""

from __future__ import annotations

import base64
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")
CALL = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Calls/(?P<call>[^/]+)\.json$")


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    auth: tuple[str, str] | None
    content_type: str
    form: MultiDict[str, str]


@dataclass
class TwilioApi:
    """The stand-in; serve ``api.app`` with ``serve_wsgi`` and point
    ``IVR_TWILIO_API_BASE_URL`` at it."""

    account_sid: str
    auth_token: str
    on_redirect: Callable[[str, str, str], None] | None = None
    requests: list[ApiRequest] = field(default_factory=list)
    live: dict[str, str] = field(default_factory=dict)  # call sid -> status
    unavailable: bool = False  # True: answer 503 (error 20503), as Twilio does in an outage
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def live_call(self, call_sid: str, status: str = "in-progress") -> None:
        with self._lock:
            self.live[call_sid] = status

    def messages(self) -> list[ApiRequest]:
        return [r for r in self.requests if MESSAGES.match(r.path)]

    def call_updates(self) -> list[ApiRequest]:
        return [r for r in self.requests if CALL.match(r.path)]

    def app(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self._answer(request)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        auth = _basic_auth(request.headers.get("Authorization", ""))
        recorded = ApiRequest(
            request.method, request.path, auth, request.mimetype, MultiDict(request.form)
        )
        with self._lock:
            self.requests.append(recorded)
        if self.unavailable:
            return _error(503, 20503, "Service Unavailable")
        if auth != (self.account_sid, self.auth_token):
            response = _error(401, 20003, "Authenticate")
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response
        if request.method != "POST":
            return _error(405, 20004, "Method not allowed")
        if request.mimetype != "application/x-www-form-urlencoded":
            return _error(400, 20001, "Content-Type must be application/x-www-form-urlencoded")
        if match := MESSAGES.match(request.path):
            return self._message(match["account"], request.form)
        if match := CALL.match(request.path):
            return self._call_update(match["account"], match["call"], request.form)
        return _error(404, 20404, f"The requested resource {request.path} was not found")

    def _message(self, account: str, form: MultiDict[str, str]) -> Response:
        if account != self.account_sid:
            return _error(403, 20003, "The account in the path is not yours")
        to, sender = form.get("To", ""), form.get("From", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender and not form.get("MessagingServiceSid"):
            return _error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body") and not form.get("MediaUrl"):
            return _error(400, 21602, "Message body is required.")
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(datetime.now(UTC), usegmt=True)
        body = {
            "sid": sid,
            "account_sid": account,
            "to": to,
            "from": sender or None,
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"
            },
        }
        return _json(201, body)

    def _call_update(self, account: str, call_sid: str, form: MultiDict[str, str]) -> Response:
        if account != self.account_sid:
            return _error(403, 20003, "The account in the path is not yours")
        with self._lock:
            status = self.live.get(call_sid)
        path = f"/2010-04-01/Accounts/{account}/Calls/{call_sid}.json"
        if status is None:
            return _error(404, 20404, f"The requested resource {path} was not found")
        url, twiml, new_status = form.get("Url"), form.get("Twiml"), form.get("Status")
        if not (url or twiml or new_status):
            return _error(400, 21218, "Invalid update: Url, Twiml or Status is required.")
        if (url or twiml) and status != "in-progress":
            return _error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if new_status in ("completed", "canceled"):
            with self._lock:
                self.live[call_sid] = "completed"
            status = "completed"
        if url and self.on_redirect is not None:
            self.on_redirect(call_sid, url, form.get("Method", "POST").upper())
        body = {
            "sid": call_sid,
            "account_sid": account,
            "status": status,
            "direction": "inbound",
            "api_version": "2010-04-01",
            "uri": path,
        }
        return _json(200, body)


def _basic_auth(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


def _json(status: int, body: dict[str, Any]) -> Response:
    import json

    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(status: int, code: int, message: str) -> Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return _json(status, body)
