"""A call as staff see it: read from the store, shaped for the pages.

Everything here is personal data shown to staff only (what the caller said, where, their
voice); the caller's number is never shown whole: ``mask_number`` keeps its last four digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from ivr.dialog.staff import IN_FLOW, StaffLink
from ivr.dialog.state import CallState, Location, StepRecord
from ivr.store.call_tables import CallRecord, OutboxRecord, ReportRecord
from ivr.store.job_tables import JobRecord

IN_PROGRESS = "in-progress"
RECENT = timedelta(hours=12)


def mask_number(number: str | None) -> str:
    """``+16175550123`` → ``•••••••0123``; too short or empty → ``hidden`` / ``—``."""
    if not number:
        return "—"
    digits = [c for c in number if c.isdigit()]
    if len(digits) < 7:
        return "hidden"
    return "•" * (len(digits) - 4) + "".join(digits[-4:])


def aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time in the store is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CallSummary:
    """One line of the live calls list."""

    call_sid: str
    flow: str
    status: str
    service: str
    current: str
    language: str
    started_at: datetime
    seconds: int
    caller: str  # masked
    staff: str  # where the call stands with staff, in words; empty: never with staff

    @property
    def live(self) -> bool:
        return self.status == IN_PROGRESS

    def to_json(self) -> dict[str, Any]:
        return {
            "call_sid": self.call_sid,
            "flow": self.flow,
            "status": self.status,
            "service": self.service,
            "current": self.current,
            "language": self.language,
            "started_at": self.started_at.isoformat(),
            "seconds": self.seconds,
            "caller": self.caller,
            "staff": self.staff,
        }


def summarise(row: CallRecord, now: datetime) -> CallSummary:
    state = CallState.from_dict(row.state)
    started = aware(row.started_at)
    until = aware(row.ended_at) if row.ended_at is not None else now
    return CallSummary(
        call_sid=row.call_sid,
        flow=row.flow,
        status=row.status,
        service=state.service_name or (state.service_code or ""),
        current="" if state.ended else state.current,
        language=state.language,
        started_at=started,
        seconds=max(0, int((until - started).total_seconds())),
        caller=mask_number(row.caller_number),
        staff=staff_words(state.staff),
    )


def staff_words(link: StaffLink | None) -> str:
    """``with staff``; ``in flow: ask_location (ann)``; ``with staff, back from ask_location
    (ann)`` once the part staff asked for is done."""
    if link is None:
        return ""
    by = f" ({link.agent})" if link.agent else ""
    if link.status == IN_FLOW:
        return f"{IN_FLOW}: {link.target}{by}"
    if link.part_done and link.target:
        return f"{link.status}, back from {link.target}{by}"
    return link.status


def live_calls(session: Session, now: datetime, *, limit: int = 50) -> list[CallSummary]:
    """Calls in progress first (newest first), then those that ended in the last hours."""
    live_first = case((CallRecord.status == IN_PROGRESS, 0), else_=1)
    query = (
        select(CallRecord)
        .where((CallRecord.status == IN_PROGRESS) | (CallRecord.updated_at >= now - RECENT))
        .order_by(live_first, CallRecord.started_at.desc())
        .limit(limit)
    )
    return [summarise(row, now) for row in session.scalars(query)]


@dataclass(frozen=True)
class JobLine:
    name: str
    status: str
    attempts: int
    result: tuple[tuple[str, str], ...]
    error: str


@dataclass(frozen=True)
class RecordingLine:
    number: int  # its index in the call's recordings, for the audio route
    status: str
    duration: str
    playable: bool


@dataclass(frozen=True)
class CallReport:
    """The report the call produced and where its outbox row stands."""

    report_id: int
    service_code: str
    address: str
    description: str
    outbox_id: int | None
    status: str
    attempts: int
    last_error: str
    city_id: str
    place_unconfirmed: bool = False  # filed with the caller's words: staff must place it


@dataclass(frozen=True)
class CallDetail:
    summary: CallSummary
    timeline: tuple[StepRecord, ...]
    slots: tuple[tuple[str, str], ...]
    attributes: tuple[tuple[str, str], ...]
    location: Location | None
    jobs: tuple[JobLine, ...]
    recordings: tuple[RecordingLine, ...]
    delivery: CallReport | None
    end_reason: str
    service_code: str


def call_detail(session: Session, call_sid: str, now: datetime) -> CallDetail | None:
    row = session.get(CallRecord, call_sid)
    if row is None:
        return None
    state = CallState.from_dict(row.state)
    jobs = session.scalars(
        select(JobRecord).where(JobRecord.call_sid == call_sid).order_by(JobRecord.id)
    )
    return CallDetail(
        summary=summarise(row, now),
        timeline=state.history,
        slots=tuple(sorted(state.slots.items())),
        attributes=tuple((code, ", ".join(values)) for code, values in state.attributes.items()),
        location=state.location,
        jobs=tuple(_job_line(job) for job in jobs),
        recordings=tuple(_recording_line(n, r) for n, r in enumerate(row.recordings or [])),
        delivery=_delivery(
            session, call_sid, unconfirmed=bool(state.location and state.location.unconfirmed)
        ),
        end_reason=state.end_reason,
        service_code=state.service_code or "",
    )


def recording_url(session: Session, call_sid: str, number: int) -> str | None:
    """The URL Twilio gave for the call's ``number``-th recording, if it is complete."""
    row = session.get(CallRecord, call_sid)
    recordings = (row.recordings or []) if row is not None else []
    if not 0 <= number < len(recordings):
        return None
    entry = recordings[number]
    url = entry.get("url") if isinstance(entry, dict) else None
    return str(url) if url and entry.get("status") == "completed" else None


def _job_line(job: JobRecord) -> JobLine:
    result = tuple((str(k), _text(v)) for k, v in (job.result or {}).items())
    return JobLine(job.name, job.status, job.attempts, result, job.last_error)


def _recording_line(number: int, raw: Any) -> RecordingLine:
    entry = raw if isinstance(raw, dict) else {}
    status = str(entry.get("status") or "")
    duration = str(entry.get("duration") or "")
    return RecordingLine(number, status, duration, status == "completed" and bool(entry.get("url")))


def _delivery(session: Session, call_sid: str, *, unconfirmed: bool) -> CallReport | None:
    report = session.scalars(select(ReportRecord).where(ReportRecord.call_sid == call_sid)).first()
    if report is None:
        return None
    outbox = session.scalars(
        select(OutboxRecord).where(OutboxRecord.report_id == report.id)
    ).first()
    return CallReport(
        report_id=report.id,
        service_code=report.service_code,
        address=report.address_string,
        description=report.description,
        outbox_id=outbox.id if outbox else None,
        status=outbox.status if outbox else "not queued",
        attempts=outbox.attempts if outbox else 0,
        last_error=outbox.last_error if outbox else "",
        city_id=city_side(outbox) if outbox else "",
        place_unconfirmed=unconfirmed and report.lat is None,
    )


def city_side(row: OutboxRecord) -> str:
    """What the city gave back: its id, a token awaiting an id, or nothing yet."""
    if row.service_request_id:
        return row.service_request_id
    if row.token:
        return f"token {row.token}"
    return ""


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)
