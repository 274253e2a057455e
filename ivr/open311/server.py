"""The embedded GeoReport v2 endpoint: a Flask blueprint on the gateway's own database.

Mounted by :func:`ivr.app.create_app` at ``/open311/v2``. Every resource exists as ``.json``
and ``.xml``; the extension chooses the format, and any other extension is a 404. Every error,
whatever went wrong (an unknown path, a wrong method, a body too large, bytes that are not
UTF-8), is answered in the spec's error format, in the request's format (JSON when the path
names none): ``[{"code": 400, "description": "…"}]`` or ``<errors><error>…</error></errors>``.

- ``api_key`` is required on POST when ``IVR_EMBEDDED_API_KEY`` is set (missing or wrong: 403).
- ``jurisdiction_id`` is checked when ``IVR_EMBEDDED_JURISDICTION_ID`` is set: a different one is
  a 404 (the spec's "jurisdiction_id provided was not found"); leaving it out is accepted, as
  the spec makes it optional for a server with one jurisdiction.
- The service catalogue is read once, when the blueprint is made.
- A POST with an ``Idempotency-Key`` header files its request once: the same key again is
  answered as the first POST was (the outbox sends its row's key; see docs/outbox.md).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import PathConverter

from ivr.open311.catalogue import Catalogue, load_catalogue
from ivr.open311.client import IDEMPOTENCY_HEADER
from ivr.open311.models import Discovery, Endpoint, NewRequest, Service
from ivr.open311.render import (
    FORMATS,
    SPEC_URL,
    Format,
    definition_document,
    discovery_document,
    errors_document,
    has_forbidden_characters,
    render,
    requests_document,
    services_document,
)
from ivr.open311.request_query import FILTERS, read_query
from ivr.open311.request_store import (
    Filed,
    file_request,
    filed_for_key,
    id_for_token,
    published_request,
    published_requests,
)
from ivr.open311.server_input import (
    FormFields,
    Refusal,
    check_pairs,
    normalise_newlines,
    parse_pairs,
)
from ivr.open311.submission import SCALAR_FIELDS, read_submission
from ivr.store.db import transaction

if TYPE_CHECKING:
    from ivr.app import Runtime

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 256 * 1024
MAX_IDENTIFIER = 1000  # characters in a code, id or token taken from a path
FORM_TYPES = ("", "application/x-www-form-urlencoded")
MIME_FORMATS = ("text/xml", "application/json")
DEFAULT_CONTACT = "The city's 311 service"


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_blueprint(rt: Runtime, *, clock: Callable[[], datetime] = utc_now) -> Blueprint:
    """The endpoint over ``rt``'s store, offering the services in ``rt.settings.services_path``."""
    catalogue = load_catalogue(rt.settings.services_path)
    views = _Views(rt, catalogue, clock)
    bp = Blueprint("open311", __name__)
    bp.record_once(_add_converter)
    bp.add_url_rule("/discovery.<fmt>", "discovery", views.discovery, methods=["GET"])
    bp.add_url_rule("/services.<fmt>", "services", views.services, methods=["GET"])
    bp.add_url_rule("/services/<anypath:name>", "definition", views.definition, methods=["GET"])
    bp.add_url_rule("/requests.<fmt>", "requests", views.requests, methods=["GET", "POST"])
    bp.add_url_rule("/requests/<anypath:name>", "request", views.one_request, methods=["GET"])
    bp.add_url_rule("/tokens/<anypath:name>", "token", views.token, methods=["GET"])
    every_method = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    bp.add_url_rule("/", "elsewhere", views.elsewhere, methods=every_method)
    bp.add_url_rule("/<anypath:rest>", "elsewhere", views.elsewhere, methods=every_method)
    bp.register_error_handler(Refusal, _refusal)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _unexpected)
    bp.after_request(_open_to_browsers)
    return bp


class _AnyPath(PathConverter):
    """Werkzeug's ``path`` that also matches newlines, so that no path escapes the blueprint."""

    regex = "(?s:[^/].*?)"


def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("anypath", _AnyPath)


class _Views:
    def __init__(self, rt: Runtime, catalogue: Catalogue, clock: Callable[[], datetime]) -> None:
        self.rt = rt
        self.catalogue = catalogue
        self.clock = clock

    def discovery(self, fmt: str) -> Response:
        form = _format(fmt)
        self._query(scalars=())
        base = self.rt.settings.public_base_url.rstrip("/") or request.url_root.rstrip("/")
        prefix = request.path.rsplit("/", 1)[0]
        changeset = self.catalogue.changeset
        api_key_note = "Ask the city's 311 office for an API key." if self._api_key else ""
        document = Discovery(
            changeset=changeset,
            contact=DEFAULT_CONTACT,
            key_service=api_key_note,
            endpoints=(
                Endpoint(
                    specification=SPEC_URL,
                    url=base + prefix,
                    changeset=changeset,
                    type="production",
                    formats=MIME_FORMATS,
                ),
            ),
        )
        return _answer(discovery_document(document), "discovery", form)

    def services(self, fmt: str) -> Response:
        form = _format(fmt)
        self._query(scalars=())
        return _answer(services_document(self.catalogue.services), "services", form)

    def definition(self, name: str) -> Response:
        code, form = _split(name)
        self._query(scalars=())
        definition = self.catalogue.definition(code)
        if definition is None:
            raise Refusal(404, "no service has this service_code")
        return _answer(definition_document(definition), "service_definition", form)

    def requests(self, fmt: str) -> Response:
        form = _format(fmt)
        if request.method == "POST":
            return self._submit(form)
        fields = self._query(scalars=FILTERS)
        query = read_query(fields, self.clock)
        with transaction(self.rt.sessions) as session:
            found = published_requests(session, query)
        return _answer(requests_document(found), "service_requests", form)

    def one_request(self, name: str) -> Response:
        service_request_id, form = _split(name)
        self._query(scalars=())
        with transaction(self.rt.sessions) as session:
            found = published_request(session, service_request_id)
        if found is None:
            raise Refusal(404, "no published request has this service_request_id")
        return _answer(requests_document([found]), "service_requests", form)

    def token(self, name: str) -> Response:
        token, form = _split(name)
        self._query(scalars=())
        with transaction(self.rt.sessions) as session:
            service_request_id = id_for_token(session, token)
        if service_request_id is None:
            raise Refusal(404, "no request was filed with this token")
        document = [{"service_request_id": service_request_id, "token": token}]
        return _answer(document, "service_requests", form)

    def elsewhere(self, rest: str = "") -> Response:
        adapter = current_app.url_map.bind_to_environ(request.environ)
        for method in ("GET", "POST"):
            try:
                endpoint, _ = adapter.match(method=method)
            except HTTPException:
                continue
            if endpoint != "open311.elsewhere":
                raise MethodNotAllowed()
        raise NotFound()

    @property
    def _api_key(self) -> str:
        return self.rt.settings.embedded_api_key

    def _submit(self, form: Format) -> Response:
        fields = FormFields.of(_form_pairs(), scalars=SCALAR_FIELDS)
        if self._api_key:
            given = fields.scalar("api_key", limit=255)
            if not hmac.compare_digest(given.encode("utf-8"), self._api_key.encode("utf-8")):
                raise Refusal(403, "api_key was not provided or is not valid")
        self._check_jurisdiction(fields)
        service, new_request = read_submission(fields, self.catalogue)
        key = idempotency_key()
        filed = self._file_once(service, new_request, key)
        document: dict[str, Any]
        if filed.service_type == "batch":
            document = {"token": filed.token}
        elif filed.service_type == "blackbox":
            document = {"service_notice": filed.service_notice}
        else:
            document = {
                "service_request_id": filed.service_request_id,
                "service_notice": filed.service_notice,
                "account_id": new_request.account_id,
            }
        return _answer([document], "service_requests", form)

    def _file_once(self, service: Service, new_request: NewRequest, key: str) -> Filed:
        """File the request, unless a POST with the same ``Idempotency-Key`` already did: then
        answer what that POST was answered. Two POSTs racing with one key meet on the unique
        column; the loser reads the winner's request."""
        if key:
            with transaction(self.rt.sessions) as session:
                earlier = filed_for_key(session, key)
            if earlier is not None:
                log.info("embedded endpoint answered a repeated idempotency key")
                return earlier
        try:
            with transaction(self.rt.sessions) as session:
                filed = file_request(
                    session, service, new_request, now=self.clock(), idempotency_key=key or None
                )
        except IntegrityError:
            with transaction(self.rt.sessions) as session:
                earlier = filed_for_key(session, key) if key else None
            if earlier is None:
                raise
            return earlier
        log.info(
            "embedded endpoint filed a request",
            extra={"service_code": service.service_code, "service_type": filed.service_type},
        )
        return filed

    def _query(self, *, scalars: tuple[str, ...]) -> FormFields:
        """The query string's fields, with the jurisdiction checked."""
        fields = FormFields.of(
            parse_pairs(request.query_string, what="query string"),
            scalars=(*scalars, "jurisdiction_id"),
        )
        self._check_jurisdiction(fields)
        return fields

    def _check_jurisdiction(self, fields: FormFields) -> None:
        expected = self.rt.settings.embedded_jurisdiction_id
        given = fields.scalar("jurisdiction_id", limit=255)
        if expected and given and given != expected:
            raise Refusal(404, "jurisdiction_id provided was not found")


def idempotency_key() -> str:
    """The POST's ``Idempotency-Key`` header ("" when absent), at most 255 printable ASCII."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 255 or not all(" " < ch < "\x7f" for ch in key):
        raise Refusal(400, f"{IDEMPOTENCY_HEADER} must be at most 255 printable characters")
    return key


def _form_pairs() -> list[tuple[str, str]]:
    """The POST body's pairs: form-encoded (or multipart, fields only), at most 256 KiB."""
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise Refusal(413, f"the body is larger than {MAX_FORM_BYTES // 1024} KiB")
    if request.mimetype == "multipart/form-data":
        pairs = list(request.form.items(multi=True))
        check_pairs(pairs)
        return [(name, normalise_newlines(value)) for name, value in pairs]
    if request.mimetype not in FORM_TYPES:
        raise Refusal(400, "the body must be application/x-www-form-urlencoded")
    body = request.stream.read(MAX_FORM_BYTES + 1)
    if len(body) > MAX_FORM_BYTES:
        raise Refusal(413, f"the body is larger than {MAX_FORM_BYTES // 1024} KiB")
    return parse_pairs(body, what="body")


def _format(fmt: str) -> Format:
    for known in FORMATS:
        if fmt == known:
            return known
    raise Refusal(404, "the format must be json or xml")


def _split(name: str) -> tuple[str, Format]:
    """``"21.json"`` → ``("21", "json")``: the identifier and the format its extension names."""
    identifier, dot, fmt = name.rpartition(".")
    if not dot or not identifier:
        raise Refusal(404, "the path must end in .json or .xml")
    if len(identifier) > MAX_IDENTIFIER or has_forbidden_characters(identifier):
        raise Refusal(404, "no such resource")
    return identifier, _format(fmt)


def _requested_format() -> Format:
    """The format an error is written in: the path's extension when it names one, else JSON."""
    fmt = request.path.rpartition(".")[2]
    return "xml" if fmt == "xml" else "json"


def _answer(tree: Any, root: str, form: Format, status: int = 200) -> Response:
    body, mimetype = render(tree, root, form)
    return Response(body, status=status, content_type=mimetype)


def _error(code: int, description: str) -> Response:
    return _answer(errors_document(code, description), "errors", _requested_format(), code)


def _refusal(error: Refusal) -> Response:
    return _error(error.code, error.description)


def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    descriptions = {
        404: "no such resource",
        405: "this resource does not accept that method",
        413: "the body is too large",
    }
    response = _error(code, descriptions.get(code, error.name.lower()))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error in the embedded Open311 endpoint", exc_info=error)
    return _error(500, "internal error")


def _open_to_browsers(response: Response) -> Response:
    """The GET side is open data: any web page may read it."""
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
