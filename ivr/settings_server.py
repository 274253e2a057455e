"""The server's settings: its store, where it listens and the URL Twilio reaches it by, Twilio's
credentials and REST API, the proxy it trusts, the key of staff sessions, its logs and metrics.

A group of :class:`ivr.settings.Settings`, which inherits these fields; they are read, checked
and documented there with every other setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.settings_field import setting


@dataclass(frozen=True)
class ServerSettings:
    """The store, where it listens, Twilio, the proxy, staff sessions' key, logs and metrics."""

    database_url: str = setting(
        "sqlite:///voice311.db",
        "SQLAlchemy URL of the store. A SQLite file under the working directory by default; "
        "`postgresql+psycopg://user:pass@host/db` for PostgreSQL (`postgres://` and "
        "`postgresql://` URLs are read as `postgresql+psycopg://`).",
    )
    host: str = setting("127.0.0.1", "Address `ivr serve` listens on.")
    port: int = setting(8311, "Port `ivr serve` listens on.")
    public_base_url: str = setting(
        "",
        "The URL Twilio uses to reach the gateway, scheme included (e.g. "
        "`https://311.example.gov`). Set it behind "
        "a proxy: webhook signatures are computed over this URL. Empty: the request's own URL.",
    )
    twilio_auth_token: str = setting(
        "",
        "Twilio auth token: every webhook must carry an `X-Twilio-Signature` made with it, and "
        "`ivr call` signs with it. Empty: webhooks are refused unless "
        "`IVR_DEV_ALLOW_UNSIGNED_WEBHOOKS` is set.",
    )
    twilio_account_sid: str = setting(
        "",
        "Twilio account SID (`AC…`): the account for Twilio's REST API (text messages, handing "
        "a live call back into a flow), and the one `ivr call` sends. Empty: no REST calls; "
        "`ivr call` makes a random one per call.",
    )
    twilio_api_base_url: str = setting(
        "https://api.twilio.com",
        "Where Twilio's REST API is reached. Change it only to point at a test double or a "
        "regional edge.",
    )
    twilio_timeout: float = setting(10.0, "Seconds allowed for one request to Twilio's REST API.")
    trust_proxy_headers: bool = setting(
        False,
        "Trust `X-Forwarded-Proto` and `X-Forwarded-Host` when rebuilding the URL a webhook "
        "signature covers (ignored when `IVR_PUBLIC_BASE_URL` is set), and the last "
        "`X-Forwarded-For` entry as the client's address when counting failed staff log-ins. "
        "Set only behind a proxy that sets them.",
    )
    dev_allow_unsigned_webhooks: bool = setting(
        False,
        "Development only: accept webhooks without a signature when no Twilio auth token is set. "
        "Never set it on a gateway reachable from the internet.",
    )
    secret_key: str = setting(
        "",
        "Key that signs staff sessions. Empty: a random key per process (sessions end on restart).",
    )
    log_level: str = setting("INFO", "Log level: DEBUG, INFO, WARNING or ERROR.")
    access_log: bool = setting(
        True,
        "Log one JSON line per HTTP request (method, path without the query string, status, "
        "duration, bytes, request id); answered `/healthz`, `/readyz` and `/metrics` probes "
        "at DEBUG.",
    )
    metrics_token: str = setting(
        "",
        "Bearer token `/metrics` requires (`Authorization: Bearer <token>`). Empty: `/metrics` "
        "is open; then block it at the proxy if the gateway faces the internet.",
    )
