"""What stands in front of every staff page: the session cookie, CSRF, the client's address
and the headers.

The session itself is a row in the store (:mod:`ivr.dashboard.staff_sessions`); the browser's
cookie (Flask's signed cookie ``voice311_staff``: HttpOnly, SameSite=Lax, Secure when the
gateway's public URL is https) carries only its random token. Before log-in the cookie carries
the log-in form's CSRF token instead; after log-in every form carries the session's CSRF token,
compared in constant time on every POST. Hand-written rather than flask-wtf: the forms here
are a few buttons, and it keeps one dependency out.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, Request, abort, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from ivr.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_KEY = "staff_session"
LOGIN_CSRF_KEY = "staff_login_csrf"


def cookie_token() -> str | None:
    """The session token the browser sent, if any."""
    token = session.get(TOKEN_KEY)
    return token if isinstance(token, str) and token else None


def keep_token(token: str) -> None:
    """Put a new session's token in the cookie; nothing of the cookie before is kept."""
    session.clear()
    session[TOKEN_KEY] = token


def forget_cookie() -> None:
    session.clear()


def login_csrf_token() -> str:
    """The log-in form's CSRF token, kept in the cookie (made on first use)."""
    token = session.get(LOGIN_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[LOGIN_CSRF_KEY] = token
    return token


def sent_csrf(req: Request) -> str:
    return req.form.get(CSRF_FIELD) or req.headers.get(CSRF_HEADER) or ""


def csrf_ok(expected: str, sent: str) -> bool:
    if not expected or not sent:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode())


def client_address(req: Request, settings: Settings) -> str:
    """The address log-in failures are counted against: the peer's, or behind a proxy that
    is trusted (``IVR_TRUST_PROXY_HEADERS``), the last ``X-Forwarded-For`` entry (the one
    the proxy itself added)."""
    if settings.trust_proxy_headers:
        forwarded = req.headers.get("X-Forwarded-For", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return req.remote_addr or "?"


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


class StaffCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a request without the cookie (every Twilio
    webhook, every open data request) gets an empty session without building the cookie's
    signer first: Flask builds one for every request, a tenth of a millisecond of a webhook's
    CPU spent on a cookie that is not there. A request with the cookie is read as Flask reads
    it; an empty session that is never changed sets no cookie, as in Flask."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def require_admin() -> None:
    """Refuse (403) a page that only admins may see, when the person is an agent."""
    if not g.staff.is_admin:
        abort(403, "this page is for admins")
