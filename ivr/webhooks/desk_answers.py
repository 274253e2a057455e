"""What :class:`~ivr.webhooks.calls.CallDesk` answers a webhook (a step's :class:`Answer`, a
call's :class:`Ending`), and the step it plans before writing it (:class:`Planned`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ivr.dialog.actions import Action, Job
from ivr.dialog.engine import Outcome
from ivr.outbox.queue import Delivery
from ivr.webhooks.call_rows import StepRow


@dataclass(frozen=True)
class Answer:
    """What one webhook answers: the actions to render, the call's language, and whether a
    report was enqueued by this step (the caller then waits for its reference number)."""

    actions: tuple[Action, ...]
    language: str
    filed: bool = False
    known: bool = True  # False: no such call (an event for a call never started here)
    queued: tuple[str, ...] = ()  # the names of the jobs this step queued (to wake a worker)
    service_code: str = ""  # the service of the report filed (for the log)
    awaiting: tuple[str, ...] = ()  # the jobs whose results the call now waits on (a hold's)


@dataclass(frozen=True)
class Ending:
    """Where a call stands at its end: its closing words and the report's delivery."""

    last_actions: tuple[Action, ...]
    language: str
    delivery: Delivery | None


def files_report(outcome: Outcome) -> bool:  # the step files the call's report
    return any(job.with_step for job in outcome.jobs)


def ends_now(row: StepRow, outcome: Outcome) -> bool:  # the step ends a call not ended yet
    return outcome.state.ended and row.ended_at is None


def submitted_service(jobs: tuple[Job, ...]) -> str:
    """The service code of the step's ``submit`` job (for the log)."""
    return next(
        (str(job.data.get("service_code") or "") for job in jobs if job.name == "submit"), ""
    )


class Planned(NamedTuple):
    """A step computed on the call's row as read, to be written."""

    row: StepRow
    outcome: Outcome
