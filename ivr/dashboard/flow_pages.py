"""The flows for admins: the list, and each one drawn as a Mermaid flowchart.

The diagram's text is made on the server (``flows.graph.mermaid``, as ``ivr flows graph``
prints it) and drawn in the browser by the vendored ``mermaid.min.js``. Mermaid puts a <style>
inside each SVG, so these pages alone allow inline styles in their CSP; scripts stay 'self'.
"""

from __future__ import annotations

import threading

from flask import Blueprint, abort, g, render_template

from flows.graph import mermaid
from ivr.dashboard.blueprint import require_admin
from ivr.dashboard.context import Dashboard
from ivr.dialog.flow_library import FlowLibrary, load_flow_library


def add_flow_pages(bp: Blueprint, dash: Dashboard) -> None:
    loaded: list[FlowLibrary] = []
    lock = threading.Lock()

    def library() -> FlowLibrary:
        with lock:
            if not loaded:
                loaded.append(load_flow_library(dash.rt.settings))
            return loaded[0]

    @bp.get("/flows")
    def flows() -> str:
        require_admin()
        found = library().flows
        items = [(name, len(found[name].states)) for name in sorted(found)]
        return render_template("staff/flows.html", flows=items, default=dash.rt.settings.flow)

    @bp.get("/flows/<name>")
    def flow(name: str) -> str:
        require_admin()
        found = library().flows
        if name not in found:
            abort(404, "no such flow")
        g.inline_styles = True
        return render_template("staff/flow.html", name=name, diagram=mermaid(found[name]))
