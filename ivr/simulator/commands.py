"""``ivr call URL --script FILE``: place a simulated phone call to a gateway and print it."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import click
import httpx

from ivr.simulator.call import CallOptions, CallResult, place_call
from ivr.simulator.media import MediaServer
from ivr.simulator.script import ScriptError, load_script

FAILED_ENDINGS = ("error", "step-limit", "script")


@click.command("call")
@click.argument("url")
@click.option(
    "--script",
    "script_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file of the caller's steps.",
)
@click.option("--from", "from_number", default=None, help="Caller's number [+16175550123].")
@click.option("--to", "to_number", default=None, help="Number called [+16175550311].")
@click.option("--auth-token", default=None, help="Signs requests; overrides IVR_TWILIO_AUTH_TOKEN.")
@click.option("--account-sid", default=None, help="Overrides IVR_TWILIO_ACCOUNT_SID.")
@click.option(
    "--public-url",
    default=None,
    help="The voice URL as configured at Twilio, which signatures cover. Default: "
    "IVR_PUBLIC_BASE_URL followed by URL's path, or URL itself.",
)
@click.option("--method", type=click.Choice(["POST", "GET"]), default="POST", show_default=True)
@click.option("--status-callback", default="", help="URL that receives the call's status.")
@click.option(
    "--pace",
    type=float,
    default=1.0,
    show_default=True,
    help="Real seconds waited per second of <Pause>; 0 never waits.",
)
@click.option("--max-requests", type=click.IntRange(1, 10_000), default=100, show_default=True)
@click.option(
    "--keep-media",
    type=click.FloatRange(0, 3600),
    default=0.0,
    help="Seconds to keep serving recordings after the call ends.",
)
@click.option(
    "--media-port",
    type=click.IntRange(0, 65535),
    default=8312,
    show_default=True,
    help="Port on 127.0.0.1 where recordings are served, as Twilio's media host would; list "
    "it in the gateway's IVR_RECORDING_HOSTS (0: any free port).",
)
@click.option("--verbose", is_flag=True, help="Also list every request made.")
def call(
    url: str,
    script_path: Path,
    from_number: str | None,
    to_number: str | None,
    auth_token: str | None,
    account_sid: str | None,
    public_url: str | None,
    method: str,
    status_callback: str,
    pace: float,
    max_requests: int,
    keep_media: float,
    media_port: int,
    verbose: bool,
) -> None:
    """Call the gateway's voice webhook at URL as Twilio would, with a scripted caller."""
    from ivr.cli_settings import load_settings

    settings = load_settings()
    try:
        script = load_script(script_path)
    except ScriptError as error:
        raise click.ClickException(str(error)) from None
    if public_url is None and settings.public_base_url:
        parts = urlsplit(url)
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        public_url = settings.public_base_url.rstrip("/") + tail
    token = settings.twilio_auth_token if auth_token is None else auth_token
    if not token:
        click.echo("note: no auth token; requests are not signed", err=True)
    options = CallOptions(
        voice_url=public_url or url,
        voice_method=method,
        transport_url=url if public_url else "",
        from_number=from_number or script.caller or CallOptions.from_number,
        to_number=to_number or script.called or CallOptions.to_number,
        account_sid=account_sid or settings.twilio_account_sid,
        auth_token=token,
        status_callback=status_callback,
        max_requests=max_requests,
        pause_pace=pace,
    )
    with MediaServer(media_port) as media, httpx.Client() as client:
        result = place_call(client, options, script, media=media)
        _print(result, verbose)
        if keep_media > 0 and result.recordings:
            click.echo(f"serving recordings for {keep_media:g} s more", err=True)
            time.sleep(keep_media)
    if result.ended_by in FAILED_ENDINGS:
        raise SystemExit(1)


def _print(result: CallResult, verbose: bool) -> None:
    click.echo(result.transcript.render())
    click.echo(
        f"-- {result.call_sid}: {result.call_status}, {result.duration} s, "
        f"{len(result.exchanges)} requests",
        err=True,
    )
    if verbose:
        for exchange in result.exchanges:
            outcome = exchange.status if exchange.status is not None else "no answer"
            code = f" error {exchange.error_code}" if exchange.error_code else ""
            click.echo(
                f"   {exchange.purpose}: {exchange.method} {exchange.url} → {outcome}{code}",
                err=True,
            )
