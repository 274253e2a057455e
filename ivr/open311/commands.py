"""``ivr open311 …``: talk to any Open311 GeoReport v2 endpoint by hand, and change a status on
the embedded one.

``services``, ``definition`` and ``submit`` take the endpoint's base URL (the folder holding
``services.json``). The format, API key and jurisdiction default to ``IVR_OPEN311_FORMAT``,
``IVR_OPEN311_API_KEY`` and ``IVR_OPEN311_JURISDICTION_ID``; the timeout is
``IVR_OPEN311_TIMEOUT``. A base URL that is not an http:// or https:// URL with a host is
refused before anything is sent, as a command line that cannot be used (exit status 2). A
failure prints the city's own error descriptions and whether a retry may help, and exits with
status 1.

``status`` opens or closes a request of the embedded endpoint, in the gateway's store
(``IVR_DATABASE_URL``), as the dashboard's request page does: for a city without a CRM, and for
scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from ivr.open311.client import Open311Client, make_http_client
from ivr.open311.errors import Open311Error
from ivr.open311.models import NewRequest
from ivr.open311.status_change import NOTES_LIMIT, StatusChangeRefused, change_status
from ivr.store.request_tables import STATUSES

FORMAT = click.Choice(["json", "xml"])


class EndpointURL(click.ParamType):
    """An endpoint's base URL: http:// or https:// with a host, or a usage error (exit 2)
    before anything is sent; a URL that is none would fail as an endpoint that cannot be
    reached, with a retry said to help."""

    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ivr.settings_checks import is_http_url

        if not is_http_url(str(value)):
            self.fail(
                f"{value!r} is not an http:// or https:// URL with a host (the endpoint's "
                "folder holding services.json, such as https://311.example.gov/open311/v2)",
                param,
                ctx,
            )
        return str(value)


ENDPOINT_URL = EndpointURL()


@click.group()
def open311() -> None:
    """Talk to an Open311 GeoReport v2 endpoint."""


def endpoint_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--format", "format_", type=FORMAT, default=None)(command)
    command = click.option("--jurisdiction", default=None, help="jurisdiction_id to send.")(command)
    return command


@contextmanager
def connected(
    url: str, format_: str | None, jurisdiction: str | None, api_key: str | None = None
) -> Iterator[Open311Client]:
    from ivr.cli_settings import load_settings

    settings = load_settings()
    with make_http_client(settings) as http:
        client = Open311Client(
            http,
            url,
            format=format_ or settings.open311_format,
            api_key=settings.open311_api_key if api_key is None else api_key,
            jurisdiction_id=(
                settings.open311_jurisdiction_id if jurisdiction is None else jurisdiction
            ),
        )
        try:
            yield client
        except Open311Error as error:
            hint = "a retry may succeed" if error.retryable else "a retry will not help"
            raise click.ClickException(f"{error} ({hint})") from None


@open311.command("services")
@click.argument("url", type=ENDPOINT_URL)
@endpoint_options
def services_command(url: str, format_: str | None, jurisdiction: str | None) -> None:
    """List the services at URL: code, name, group and type."""
    with connected(url, format_, jurisdiction) as client:
        services = client.services()
    rows = [("CODE", "NAME", "GROUP", "TYPE")]
    rows += [(s.service_code, s.service_name, s.group, s.type) for s in services]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*padded, row[-1]]))
    click.echo(f"{len(services)} services")


@open311.command("definition")
@click.argument("url", type=ENDPOINT_URL)
@click.argument("code")
@endpoint_options
def definition_command(url: str, code: str, format_: str | None, jurisdiction: str | None) -> None:
    """Show the attributes service CODE asks for."""
    with connected(url, format_, jurisdiction) as client:
        definition = client.definition(code)
    click.echo(f"service {definition.service_code}: {len(definition.attributes)} attributes")
    for a in definition.attributes:
        flags = ", ".join(
            word for word, on in (("required", a.required), ("informational", not a.variable)) if on
        )
        click.echo(f"- {a.code} [{a.datatype}{', ' + flags if flags else ''}] {a.description}")
        for value in a.values:
            click.echo(f"    {value.key}: {value.name}")


@open311.command("submit")
@click.argument("url", type=ENDPOINT_URL)
@click.option("--service", "service_code", required=True, help="service_code to file under.")
@click.option("--lat", type=float, default=None)
@click.option("--long", "long_", type=float, default=None)
@click.option("--address", default="", help="address_string.")
@click.option("--description", default="")
@click.option(
    "--attribute",
    "attributes",
    multiple=True,
    help="code=value; repeat a code to send several values.",
)
@click.option("--api-key", default=None, help="api_key (sent on this POST only).")
@endpoint_options
def submit_command(
    url: str,
    service_code: str,
    lat: float | None,
    long_: float | None,
    address: str,
    description: str,
    attributes: tuple[str, ...],
    api_key: str | None,
    format_: str | None,
    jurisdiction: str | None,
) -> None:
    """File a service request at URL and print its id, token or notice."""
    if (lat is None) != (long_ is None):
        raise click.UsageError("--lat and --long go together")
    request = NewRequest(
        service_code=service_code,
        lat=lat,
        long=long_,
        address_string=address,
        description=description,
        attributes=parse_attributes(attributes),
    )
    with connected(url, format_, jurisdiction, api_key) as client:
        result = client.submit(request)
    if result.service_request_id is not None:
        click.echo(f"service_request_id: {result.service_request_id}")
    if result.token is not None:
        click.echo(f"token: {result.token}")
    if result.service_notice:
        click.echo(f"service_notice: {result.service_notice}")
    if result.service_request_id is None and result.token is None:
        click.echo("no id or token: the service is blackbox")


@open311.command("status")
@click.argument("service_request_id")
@click.argument("status", type=click.Choice(STATUSES, case_sensitive=False))
@click.option(
    "--notes",
    default=None,
    help=f"status_notes: plain text, at most {NOTES_LIMIT} characters ('' clears them; "
    "without --notes they stay as they are).",
)
def status_command(service_request_id: str, status: str, notes: str | None) -> None:
    """Open or close request SERVICE_REQUEST_ID of the embedded endpoint (its change is
    published at once: open data, servicerequestupdates, status by phone)."""
    from ivr.cli_settings import load_runtime
    from ivr.clock import utc_now

    sessions = load_runtime().sessions
    try:
        with sessions() as session, session.begin():
            changed = change_status(
                session, service_request_id, status=status, notes=notes, now=utc_now()
            )
    except StatusChangeRefused as refused:
        raise click.BadParameter(str(refused), param_hint="--notes") from None
    if not changed:
        raise click.ClickException(
            f"no such request: the embedded endpoint has no request {service_request_id!r}"
        )
    click.echo(f"request {service_request_id} is now {status.lower()}")


def parse_attributes(given: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``("a=1", "b=x", "a=2")`` → ``(("a", ("1", "2")), ("b", ("x",)))``, in first-seen order."""
    values: dict[str, list[str]] = {}
    for item in given:
        code, sep, value = item.partition("=")
        if not sep or not code:
            raise click.BadParameter(f"{item!r} is not code=value", param_hint="--attribute")
        values.setdefault(code, []).append(value)
    return tuple((code, tuple(found)) for code, found in values.items())
