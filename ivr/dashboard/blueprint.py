"""The staff dashboard under ``/staff``: log-in, and the guard in front of every other page.

Roles: an agent sees the calls, listens to them and sends callers into the IVR (or gives a
handoff code); an admin can also see the outbox and send a report again, and see the flows.
Every page is checked on the server; the links a role cannot use are not shown either.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ivr.app import Runtime
from ivr.dashboard import guard
from ivr.dashboard.accounts import active_user, log_in, utc_now
from ivr.dashboard.context import Dashboard
from ivr.dashboard.login_throttle import AddressThrottle

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PREFIX = "/staff"
PUBLIC = {"staff.login"}
# Pages that refresh themselves: they need a session but do not keep it alive.
PASSIVE = {"staff.calls_json", "staff.call_live"}
LOGIN_FAILED = "Wrong user name or password."
LOCKED = "Too many failed log-ins. Wait a few minutes, then try again."


def install_dashboard(
    app: Flask,
    rt: Runtime,
    *,
    clock: Callable[[], datetime] = utc_now,
    http: httpx.Client | None = None,
) -> Dashboard:
    """Register the staff pages on ``app`` and configure its session cookie. ``http`` fetches
    recordings; it must not follow redirects (``fetch_recording`` checks each host itself)."""
    from ivr.dashboard.call_pages import add_call_pages
    from ivr.dashboard.flow_pages import add_flow_pages
    from ivr.dashboard.handoff_controls import add_handoff_controls
    from ivr.dashboard.outbox_pages import add_outbox_pages

    app.config.update(guard.cookie_config(rt.settings))
    dash = Dashboard(
        rt=rt,
        clock=clock,
        http=http or httpx.Client(timeout=rt.settings.twilio_timeout),
        limits=guard.SessionLimits.from_settings(rt.settings),
        throttle=AddressThrottle(clock),
    )
    bp = Blueprint("staff", __name__, template_folder=str(TEMPLATES))
    _add_guard(bp, dash)
    _add_login(bp, dash)
    add_call_pages(bp, dash)
    add_handoff_controls(bp, dash)
    add_outbox_pages(bp, dash)
    add_flow_pages(bp, dash)
    app.register_blueprint(bp, url_prefix=PREFIX)
    return dash


def require_admin() -> None:
    if not g.staff.is_admin:
        abort(403, "this page is for admins")


def _add_guard(bp: Blueprint, dash: Dashboard) -> None:
    @bp.before_request
    def check_session() -> BaseResponse | None:
        g.csrf_token = guard.csrf_token()
        if request.method == "POST":
            sent = request.form.get(guard.CSRF_FIELD) or request.headers.get(guard.CSRF_HEADER)
            if not guard.csrf_ok(sent):
                abort(400, "the form had expired; open the page again and resend it")
        if request.endpoint in PUBLIC:
            return None
        passive = request.endpoint in PASSIVE
        user_id = guard.session_user(dash.limits, dash.clock(), active=not passive)
        user = active_user(dash.rt.sessions, user_id) if user_id is not None else None
        if user is None:
            guard.end_session()
            if passive:
                return _json_error(401, "logged out")
            return redirect(url_for("staff.login", next=request.path))
        g.staff = user
        return None

    @bp.after_request
    def headers(response: Response) -> Response:
        inline_styles = bool(g.get("inline_styles"))
        response.headers["Content-Security-Policy"] = guard.content_security_policy(
            dash.rt.settings, inline_styles=inline_styles
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.errorhandler(HTTPException)
    def staff_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        return render_template("staff/error.html", code=code, message=error.description), code


def _json_error(code: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = code
    return response


def _add_login(bp: Blueprint, dash: Dashboard) -> None:
    @bp.route("/login", methods=["GET", "POST"])
    def login() -> BaseResponse | tuple[str, int] | str:
        next_path = _safe_next(request.values.get("next", ""))
        if request.method == "GET":
            return render_template("staff/login.html", next=next_path, message="")
        address = request.remote_addr or "?"
        if not dash.throttle.allowed(address):
            return render_template("staff/login.html", next=next_path, message=LOCKED), 429
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        result = log_in(dash.rt.sessions, username, password, now=dash.clock())
        if result.user is None:
            dash.throttle.failed(address)
            message, code = (LOCKED, 429) if result.locked else (LOGIN_FAILED, 401)
            return render_template("staff/login.html", next=next_path, message=message), code
        guard.start_session(result.user.id, dash.clock())
        return redirect(next_path or url_for("staff.calls"))

    @bp.post("/logout")
    def logout() -> BaseResponse:
        guard.end_session()
        return redirect(url_for("staff.login"))

    @bp.get("/")
    def home() -> BaseResponse:
        return redirect(url_for("staff.calls"))


def _safe_next(path: str) -> str:
    """Only a path inside the dashboard: never another site after log-in."""
    if path.startswith(PREFIX + "/") and not path.startswith("//") and "\\" not in path:
        return path
    return ""
