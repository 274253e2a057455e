"""What stands in front of every staff page: the session, its limits, CSRF and the headers.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure when the gateway's public
URL is https). It holds the account id, the log-in time and the time of the last page the
person asked for: a session ends ``staff_session_minutes`` after the last page (idle limit) and
``staff_session_hours`` after log-in (absolute limit). Pages that refresh themselves
(``PASSIVE`` endpoints) do not count as activity. The account is read from the store on every
request, so disabling it or changing its role applies at once.

CSRF: a random token per session (``secrets.token_urlsafe``), put in every form as
``csrf_token`` and compared in constant time on every POST, log-in included. Hand-written
rather than flask-wtf: the forms here are a few buttons, and it keeps one dependency out.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import abort, g, session

from ivr.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
USER_KEY = "staff_user"
LOGIN_AT_KEY = "staff_login_at"
SEEN_AT_KEY = "staff_seen_at"
CSRF_KEY = "staff_csrf"


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionLimits:
        return cls(
            idle=timedelta(minutes=settings.staff_session_minutes),
            absolute=timedelta(hours=settings.staff_session_hours),
        )


def start_session(user_id: int, now: datetime) -> None:
    """A fresh session for a person who has just logged in (nothing of the old one is kept)."""
    session.clear()
    session[USER_KEY] = user_id
    session[LOGIN_AT_KEY] = now.timestamp()
    session[SEEN_AT_KEY] = now.timestamp()
    session[CSRF_KEY] = secrets.token_urlsafe(32)


def end_session() -> None:
    session.clear()


def session_user(limits: SessionLimits, now: datetime, *, active: bool) -> int | None:
    """The account id of a live session; None (and the session cleared) when there is none or
    it has run past a limit. ``active`` marks the session as used now."""
    user_id = session.get(USER_KEY)
    login_at = session.get(LOGIN_AT_KEY)
    seen_at = session.get(SEEN_AT_KEY)
    if not isinstance(user_id, int) or not isinstance(login_at, float | int):
        return None
    if not isinstance(seen_at, float | int):
        return None
    stamp = now.timestamp()
    if stamp - login_at > limits.absolute.total_seconds():
        end_session()
        return None
    if stamp - seen_at > limits.idle.total_seconds():
        end_session()
        return None
    if active:
        session[SEEN_AT_KEY] = stamp
    return user_id


def csrf_token() -> str:
    """This session's token (made on first use, so the log-in form has one too)."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def csrf_ok(sent: str | None) -> bool:
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or not sent:
        return False
    return hmac.compare_digest(token.encode(), sent.encode())


def content_security_policy(settings: Settings, *, inline_styles: bool = False) -> str:
    """Scripts only from the gateway itself (no inline script anywhere); images also from the
    map's tile server. ``inline_styles`` lets Mermaid put its <style> into the diagrams."""
    tiles = tile_origin(settings.map_tile_url)
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {styles}",
            f"img-src 'self' data: {tiles}".strip(),
            "media-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def tile_origin(template: str) -> str:
    """The origin of a Leaflet tile URL template, subdomain placeholder as a wildcard."""
    parts = urlsplit(template.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def cookie_config(settings: Settings) -> dict[str, object]:
    """Flask settings for the session cookie."""
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.public_base_url.startswith("https://"),
        "SESSION_COOKIE_NAME": "voice311_staff",
    }


def require_admin() -> None:
    """Refuse (403) a page that only admins may see, when the person is an agent."""
    if not g.staff.is_admin:
        abort(403, "this page is for admins")
