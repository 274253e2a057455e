"""The outbox for admins: every report on its way to the city, failures first, and a button
that sends a parked or waiting report again at once. Nested in the ``staff`` blueprint, whose
guard runs first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import case, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from ivr.dashboard.call_view import aware, city_side
from ivr.dashboard.guard import require_admin
from ivr.outbox.queue import PARKED, PENDING, RetryRefused, mark_for_retry
from ivr.runtime import current_runtime
from ivr.store.call_tables import OutboxRecord, ReportRecord

LIMIT = 200

bp = Blueprint("outbox", __name__)


@dataclass(frozen=True)
class OutboxLine:
    id: int
    status: str
    attempts: int
    last_error: str
    service_code: str
    call_sid: str | None
    city_id: str
    next_attempt_at: datetime
    updated_at: datetime

    @property
    def failing(self) -> bool:
        return self.status == PARKED or (self.status == PENDING and self.attempts > 0)

    @property
    def can_retry(self) -> bool:
        return self.status in (PARKED, PENDING)


def outbox_lines(session: Session, limit: int = LIMIT) -> list[OutboxLine]:
    """Parked rows first, then rows waiting to retry, then the rest; newest first in each."""
    order = case(
        (OutboxRecord.status == PARKED, 0),
        ((OutboxRecord.status == PENDING) & (OutboxRecord.attempts > 0), 1),
        else_=2,
    )
    query = (
        select(OutboxRecord, ReportRecord.service_code, ReportRecord.call_sid)
        .join(ReportRecord, ReportRecord.id == OutboxRecord.report_id)
        .order_by(order, OutboxRecord.id.desc())
        .limit(limit)
    )
    return [
        OutboxLine(
            id=row.id,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            service_code=service_code,
            call_sid=call_sid,
            city_id=city_side(row),
            next_attempt_at=aware(row.next_attempt_at),
            updated_at=aware(row.updated_at),
        )
        for row, service_code, call_sid in session.execute(query)
    ]


@bp.get("/outbox")
def index() -> str:
    require_admin()
    with current_runtime().sessions() as session:
        lines = outbox_lines(session)
    return render_template("staff/outbox.html", lines=lines)


@bp.post("/outbox/<int:outbox_id>/retry")
def retry(outbox_id: int) -> BaseResponse:
    require_admin()
    rt = current_runtime()
    try:
        with rt.sessions() as session, session.begin():
            mark_for_retry(session, outbox_id, rt.clock())
    except RetryRefused as error:
        flash(str(error), "error")
    else:
        flash(f"Report {outbox_id} will be sent again now.", "info")
    return redirect(url_for("staff.outbox.index"))
