"""The staff dashboard under ``/staff``: log-in, and the guard in front of every other page.

``bp`` (the ``staff`` blueprint) holds the guard, the log-in and log-out; each page module
(calls, handoff controls, outbox, flows) has a blueprint of its own, nested in ``bp``, so that
the guard runs before every one of their views too. Collaborators come from the runtime
(:func:`ivr.runtime.current_runtime`); what the dashboard keeps per process (the failed log-in
counter, the session limits, the client that fetches recordings) is ``Runtime.staff``.

Roles: an agent sees the calls, listens to them and sends callers into the IVR (or gives a
handoff code); an admin can also see the outbox and send a report again, see the flows, and
read the embedded endpoint's requests as they were filed, and open or close them.
Every page is checked on the server; the links a role cannot use are not shown either.
"""

from __future__ import annotations

from pathlib import Path

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

from ivr.dashboard import (
    call_pages,
    flow_pages,
    guard,
    handoff_controls,
    outbox_pages,
    request_pages,
)
from ivr.dashboard.accounts import log_in
from ivr.dashboard.staff_sessions import live_session, open_session, revoke
from ivr.runtime import current_runtime
from ivr.settings import Settings

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PREFIX = "/staff"
PUBLIC = {"staff.login"}
# Pages that refresh themselves: they need a session but do not keep it alive.
PASSIVE = {"staff.calls.index_json", "staff.calls.live"}
LOGIN_FAILED = "Wrong user name or password."
LOCKED = "Too many failed log-ins. Wait a few minutes, then try again."

bp = Blueprint("staff", __name__, template_folder=str(TEMPLATES))
bp.register_blueprint(call_pages.bp)
bp.register_blueprint(handoff_controls.bp)
bp.register_blueprint(outbox_pages.bp)
bp.register_blueprint(flow_pages.bp)
bp.register_blueprint(request_pages.bp)


def init_app(app: Flask, settings: Settings) -> None:
    """Configure ``app``'s session cookie for the staff log-in (``bp`` is registered apart)."""
    app.config.update(guard.cookie_config(settings))
    app.session_interface = guard.StaffCookieSessions()


@bp.before_request
def check_session() -> BaseResponse | None:
    """A live session, with its account, for every page but the log-in; CSRF on every POST
    (the log-in form's token before log-in, the session's after)."""
    if request.endpoint in PUBLIC:
        g.csrf_token = guard.login_csrf_token()
        _check_csrf(g.csrf_token)
        return None
    rt = current_runtime()
    passive = request.endpoint in PASSIVE
    token = guard.cookie_token()
    live = (
        live_session(rt.sessions, token, rt.staff.limits, rt.clock(), active=not passive)
        if token is not None
        else None
    )
    if live is None:
        guard.forget_cookie()
        if passive:
            return _json_error(401, "logged out")
        next_path = request.path if request.method == "GET" else ""
        return redirect(url_for("staff.login", next=next_path or None))
    g.csrf_token = live.csrf_token
    _check_csrf(live.csrf_token)
    g.staff = live.user
    return None


def _check_csrf(expected: str) -> None:
    if request.method == "POST" and not guard.csrf_ok(expected, guard.sent_csrf(request)):
        abort(400, "the form had expired; open the page again and resend it")


@bp.after_request
def headers(response: Response) -> Response:
    inline_styles = bool(g.get("inline_styles"))
    response.headers["Content-Security-Policy"] = guard.content_security_policy(
        current_runtime().settings, inline_styles=inline_styles
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(HTTPException)
def staff_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return render_template("staff/error.html", code=code, message=error.description), code


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | tuple[str, int] | str:
    next_path = _safe_next(request.values.get("next", ""))
    if request.method == "GET":
        return render_template("staff/login.html", next=next_path, message="")
    rt = current_runtime()
    address = guard.client_address(request, rt.settings)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not rt.staff.throttle.allowed(address, username):
        return render_template("staff/login.html", next=next_path, message=LOCKED), 429
    now = rt.clock()
    result = log_in(rt.sessions, username, password, now=now)
    if result.user is None:
        rt.staff.throttle.failed(address, username)
        locked = result.locked or (result.unknown and rt.staff.unknown_names.refuse(username, now))
        message, code = (LOCKED, 429) if locked else (LOGIN_FAILED, 401)
        return render_template("staff/login.html", next=next_path, message=message), code
    earlier = guard.cookie_token()
    if earlier is not None:  # a log-in over an open session ends that session
        revoke(rt.sessions, earlier, now)
    agent = request.user_agent.string
    token = open_session(rt.sessions, result.user.id, rt.staff.limits, now, user_agent=agent)
    guard.keep_token(token)
    return redirect(next_path or url_for("staff.calls.index"))


@bp.post("/logout")
def logout() -> BaseResponse:
    """End the session in the store (every process refuses its cookie from now on)."""
    token = guard.cookie_token()
    if token is not None:
        rt = current_runtime()
        revoke(rt.sessions, token, rt.clock())
    guard.forget_cookie()
    return redirect(url_for("staff.login"))


@bp.get("/")
def home() -> BaseResponse:
    return redirect(url_for("staff.calls.index"))


def _json_error(code: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = code
    return response


def _safe_next(path: str) -> str:
    """Only a path inside the dashboard: never another site after log-in."""
    if path.startswith(PREFIX + "/") and not path.startswith("//") and "\\" not in path:
        return path
    return ""
