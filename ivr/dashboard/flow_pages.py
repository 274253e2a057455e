"""The flows for admins: the list, and each one drawn as a Mermaid flowchart. Nested in the
``staff`` blueprint, whose guard runs first.

The flows are the runtime's flow library, the one the call desk runs. The diagram's text is
made on the server (``flows.graph.mermaid``, as ``ivr flows graph`` prints it) and drawn in the
browser by the vendored ``mermaid.min.js``. Mermaid puts a <style> inside each SVG, so these
pages alone allow inline styles in their CSP; scripts stay 'self'. A generated intake flow is
thousands of pixels across, so ``staff/flow.js`` opens the drawing fitted to the page's width
and gives it zoom buttons, Ctrl + wheel zoom and drag to pan (no library: it sizes the SVG).
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from flows.graph import mermaid
from ivr.dashboard.guard import require_admin
from ivr.runtime import current_runtime

bp = Blueprint("flows", __name__)


@bp.get("/flows")
def index() -> str:
    require_admin()
    rt = current_runtime()
    found = rt.flows.flows
    items = [(name, len(found[name].states)) for name in sorted(found)]
    return render_template("staff/flows.html", flows=items, default=rt.settings.flow)


@bp.get("/flows/<name>")
def show(name: str) -> str:
    require_admin()
    found = current_runtime().flows.flows
    if name not in found:
        abort(404, "no such flow")
    g.inline_styles = True
    return render_template("staff/flow.html", name=name, diagram=mermaid(found[name]))
