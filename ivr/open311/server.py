"""The embedded GeoReport v2 endpoint: a Flask blueprint on the gateway's own database.

The module's ``bp`` is mounted by the app factory at ``/open311/v2``; its views read the
store, the clock and the settings from the runtime (:func:`ivr.runtime.current_runtime`).
Every resource exists as ``.json`` and ``.xml``; the extension chooses the format, and any
other extension is a 404. Every error, whatever went wrong (an unknown path, a wrong method, a
body too large, bytes that are not UTF-8), is answered in the spec's error format, in the
request's format (JSON when the path names none): ``[{"code": 400, "description": "…"}]``
or ``<errors><error>…</error></errors>``.

- ``api_key`` is required on POST when ``IVR_EMBEDDED_API_KEY`` is set (missing or wrong: 403).
- ``jurisdiction_id`` is checked when ``IVR_EMBEDDED_JURISDICTION_ID`` is set: a different one is
  a 404 (the spec's "jurisdiction_id provided was not found"); leaving it out is accepted, as
  the spec makes it optional for a server with one jurisdiction.
- The service catalogue is read once per process (``Runtime.embedded_services``).
- A POST with an ``Idempotency-Key`` header files its request once: the same key again is
  answered as the first POST was (the outbox sends its row's key; see docs/outbox.md).
- ``GET requests`` publishes descriptions without the outbox's key line and phone numbers
  (:mod:`ivr.open311.public_text`): the key header above, not the description, is what keeps a
  re-sent report from being filed twice here.
- ``GET servicerequestupdates`` is mySociety's extension, the one FixMyStreet reads for status
  changes (:mod:`ivr.open311.request_updates`).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import PathConverter

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
    updates_document,
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
from ivr.open311.request_updates import FIELDS as UPDATE_FIELDS
from ivr.open311.request_updates import read_updates
from ivr.open311.server_input import (
    FormFields,
    Refusal,
    check_pairs,
    normalise_newlines,
    parse_pairs,
)
from ivr.open311.service_terms import apply_terms, city_zone
from ivr.open311.submission import SCALAR_FIELDS, read_submission
from ivr.runtime import current_runtime
from ivr.store.db import flush_commits, transaction

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 256 * 1024
MAX_IDENTIFIER = 1000  # characters in a code, id or token taken from a path
FORM_TYPES = ("", "application/x-www-form-urlencoded")
MIME_FORMATS = ("text/xml", "application/json")
DEFAULT_CONTACT = "the city's 311 office"  # discovery's contact is required: never empty
EVERY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]

bp = Blueprint("open311", __name__)


class _AnyPath(PathConverter):
    """Werkzeug's ``path`` that also matches newlines, so that no path escapes the blueprint."""

    regex = "(?s:[^/].*?)"


@bp.record_once
def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("anypath", _AnyPath)


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    form = _format(fmt)
    _query(scalars=())
    rt = current_runtime()
    base = rt.settings.public_base_url.rstrip("/") or request.url_root.rstrip("/")
    prefix = request.path.rsplit("/", 1)[0]
    changeset = rt.embedded_services.changeset
    contact = rt.settings.embedded_contact.strip() or DEFAULT_CONTACT
    key_service = (
        f"POST requests need an api_key: ask {contact} for one."
        if _api_key()
        else "No API key is needed: requests are accepted without one."
    )
    document = Discovery(
        changeset=changeset,
        contact=contact,
        key_service=key_service,
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


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    form = _format(fmt)
    _query(scalars=())
    return _answer(
        services_document(current_runtime().embedded_services.services), "services", form
    )


@bp.get("/services/<anypath:name>")
def definition(name: str) -> Response:
    code, form = _split(name)
    _query(scalars=())
    found = current_runtime().embedded_services.definition(code)
    if found is None:
        raise Refusal(404, "no service has this service_code")
    return _answer(definition_document(found), "service_definition", form)


@bp.route("/requests.<fmt>", methods=["GET", "POST"])
def requests(fmt: str) -> Response:
    form = _format(fmt)
    if request.method == "POST":
        return _submit(form)
    fields = _query(scalars=FILTERS)
    rt = current_runtime()
    query = read_query(fields, rt.clock)
    with transaction(rt.sessions) as session:
        found = published_requests(session, query)
    return _answer(requests_document(found), "service_requests", form)


@bp.get("/requests/<anypath:name>", endpoint="request")
def one_request(name: str) -> Response:
    service_request_id, form = _split(name)
    _query(scalars=())
    with transaction(current_runtime().sessions) as session:
        found = published_request(session, service_request_id)
    if found is None:
        raise Refusal(404, "no published request has this service_request_id")
    return _answer(requests_document([found]), "service_requests", form)


@bp.get("/tokens/<anypath:name>")
def token(name: str) -> Response:
    given, form = _split(name)
    _query(scalars=())
    with transaction(current_runtime().sessions) as session:
        service_request_id = id_for_token(session, given)
    if service_request_id is None:
        raise Refusal(404, "no request was filed with this token")
    document = [{"service_request_id": service_request_id, "token": given}]
    return _answer(document, "service_requests", form)


@bp.get("/servicerequestupdates.<fmt>")
def request_updates(fmt: str) -> Response:
    form = _format(fmt)
    fields = _query(scalars=UPDATE_FIELDS)
    rt = current_runtime()
    with transaction(rt.sessions) as session:
        found = read_updates(session, fields, rt.clock)
    return _answer(updates_document(found), "service_request_updates", form)


@bp.route("/", endpoint="elsewhere", methods=EVERY_METHOD)
@bp.route("/<anypath:rest>", endpoint="elsewhere", methods=EVERY_METHOD)
def elsewhere(rest: str = "") -> Response:
    """Any other path: 405 when another method would have matched it, else 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != "open311.elsewhere":
            raise MethodNotAllowed()
    raise NotFound()


def _api_key() -> str:
    return current_runtime().settings.embedded_api_key


def _submit(form: Format) -> Response:
    fields = FormFields.of(_form_pairs(), scalars=SCALAR_FIELDS)
    api_key = _api_key()
    if api_key:
        given = fields.scalar("api_key", limit=255)
        if not hmac.compare_digest(given.encode("utf-8"), api_key.encode("utf-8")):
            raise Refusal(403, "api_key was not provided or is not valid")
    _check_jurisdiction(fields)
    service, new_request = read_submission(fields, current_runtime().embedded_services)
    key = idempotency_key()
    filed = _file_once(service, new_request, key)
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


def _file_once(service: Service, new_request: NewRequest, key: str) -> Filed:
    """File the request, unless a POST with the same ``Idempotency-Key`` already did: then
    answer what that POST was answered. Two POSTs racing with one key meet on the unique
    column; the loser reads the winner's request."""
    rt = current_runtime()
    if key:
        with transaction(rt.sessions) as session:
            earlier = filed_for_key(session, key)
        if earlier is not None:
            log.info("embedded endpoint answered a repeated idempotency key")
            return earlier
    try:
        with transaction(rt.sessions) as session:
            filed = file_request(
                session, service, new_request, now=rt.clock(), idempotency_key=key or None
            )
            # The city's notice and expected date for this service (its services file).
            terms = rt.embedded_services.terms_of(service.service_code)
            filed = apply_terms(session, filed, terms, city_zone(rt.settings.city_timezone))
    except IntegrityError:
        with transaction(rt.sessions) as session:
            earlier = filed_for_key(session, key) if key else None
        if earlier is None:
            raise
        return earlier
    flush_commits(rt.engine)  # on the disk before the client is given its id
    log.info(
        "embedded endpoint filed a request",
        extra={"service_code": service.service_code, "service_type": filed.service_type},
    )
    return filed


def _query(*, scalars: tuple[str, ...]) -> FormFields:
    """The query string's fields, with the jurisdiction checked."""
    fields = FormFields.of(
        parse_pairs(request.query_string, what="query string"),
        scalars=(*scalars, "jurisdiction_id"),
    )
    _check_jurisdiction(fields)
    return fields


def _check_jurisdiction(fields: FormFields) -> None:
    expected = current_runtime().settings.embedded_jurisdiction_id
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


@bp.errorhandler(Refusal)
def _refusal(error: Refusal) -> Response:
    return _error(error.code, error.description)


@bp.errorhandler(HTTPException)
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


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error in the embedded Open311 endpoint", exc_info=error)
    return _error(500, "internal error")


@bp.after_request
def _open_to_browsers(response: Response) -> Response:
    """The GET side is open data: any web page may read it."""
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
