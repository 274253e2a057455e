"""The staff dashboard under ``/staff``: log-in, and the guard in front of every other page.

``bp`` (the ``staff`` blueprint) holds the guard, the log-in and log-out; each page module
(calls, handoff controls, outbox, flows) has a blueprint of its own, nested in ``bp``, so that
the guard runs before every one of their views too. Collaborators come from the runtime
(:func:`ivr.runtime.current_runtime`); what the dashboard keeps per process (the failed log-in
counter, the session limits, the client that fetches recordings) is ``Runtime.staff``.

Roles: an agent sees the calls, listens to them and sends callers into the IVR (or gives a
handoff code); an admin can also see the outbox and send a report again, and see the flows.
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

from ivr.dashboard import call_pages, flow_pages, guard, handoff_controls, outbox_pages
from ivr.dashboard.accounts import active_user, log_in
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


def init_app(app: Flask, settings: Settings) -> None:
    """Configure ``app``'s session cookie for the staff log-in (``bp`` is registered apart)."""
    app.config.update(guard.cookie_config(settings))


@bp.before_request
def check_session() -> BaseResponse | None:
    """CSRF on every POST; a live session, with its account, for every page but the log-in."""
    g.csrf_token = guard.csrf_token()
    if request.method == "POST":
        sent = request.form.get(guard.CSRF_FIELD) or request.headers.get(guard.CSRF_HEADER)
        if not guard.csrf_ok(sent):
            abort(400, "the form had expired; open the page again and resend it")
    if request.endpoint in PUBLIC:
        return None
    rt = current_runtime()
    passive = request.endpoint in PASSIVE
    user_id = guard.session_user(rt.staff.limits, rt.clock(), active=not passive)
    user = active_user(rt.sessions, user_id) if user_id is not None else None
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
    address = request.remote_addr or "?"
    if not rt.staff.throttle.allowed(address):
        return render_template("staff/login.html", next=next_path, message=LOCKED), 429
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    result = log_in(rt.sessions, username, password, now=rt.clock())
    if result.user is None:
        rt.staff.throttle.failed(address)
        message, code = (LOCKED, 429) if result.locked else (LOGIN_FAILED, 401)
        return render_template("staff/login.html", next=next_path, message=message), code
    guard.start_session(result.user.id, rt.clock())
    return redirect(next_path or url_for("staff.calls.index"))


@bp.post("/logout")
def logout() -> BaseResponse:
    guard.end_session()
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
