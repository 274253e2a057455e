"""A webhook wakes only the loop that has work for it, in its own process, and only once the
caller's answer has been sent: a woken thread takes the GIL for a few milliseconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response

from ivr.runtime import EXTENSION, Runtime
from ivr.settings import Settings
from ivr.webhooks import voice
from ivr.work_roles import WorkRole


class Woken:
    """Stands in for a process's WorkLoops: records which loop each wake was for."""

    def __init__(self) -> None:
        self.loops: list[str] = []

    def wake(self, name: str | None = None) -> None:
        self.loops.append(str(name))


def _runtime(tmp_path: Path, role: WorkRole) -> tuple[Runtime, Woken]:
    rt = Runtime(Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}"), work_role=role)
    woken = Woken()
    rt.__dict__["work"] = woken  # the loops as built, without starting threads
    return rt, woken


@pytest.mark.parametrize(
    ("role", "jobs", "expected"),
    [
        ("web", ("transcribe",), []),  # a recognition worker takes it: no web thread wakes
        ("web", ("find_duplicates",), ["jobs"]),
        ("web", ("transcribe", "request_status"), ["jobs"]),
        ("web", (), []),  # nothing queued
        ("recognition", ("find_duplicates",), []),
        ("recognition", ("transcribe",), ["jobs"]),
        ("all", ("transcribe",), ["jobs"]),  # ivr worker, or Twilio's speech: every kind
    ],
)
def test_a_job_wakes_the_loop_only_where_it_is_taken(
    tmp_path: Path, role: WorkRole, jobs: tuple[str, ...], expected: list[str]
) -> None:
    rt, woken = _runtime(tmp_path, role)
    rt.wake_work("jobs", jobs)
    assert woken.loops == expected
    rt.engine.dispose()


def test_a_filed_report_wakes_the_outbox(tmp_path: Path) -> None:
    rt, woken = _runtime(tmp_path, "web")
    rt.wake_work("outbox")
    assert woken.loops == ["outbox"]
    rt.engine.dispose()


def test_a_process_that_runs_no_loop_builds_none_to_wake(tmp_path: Path) -> None:
    rt = Runtime(Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}"), work_role="web")
    rt.wake_work("jobs", ("find_duplicates",))
    assert "work" not in rt.__dict__
    rt.engine.dispose()


def test_the_wake_waits_until_the_answer_has_been_sent(tmp_path: Path) -> None:
    rt, woken = _runtime(tmp_path, "web")
    app = Flask("wakes")
    app.extensions[EXTENSION] = rt
    sent: list[Any] = []
    with app.test_request_context("/twilio/voice/step/3/gather", method="POST"):
        response = Response("<Response/>")
        voice.wake_once_sent(response, "jobs", ("find_duplicates",))
        assert woken.loops == []  # the answer is still being made
        sent.append(response)
    sent[0].close()  # the server has sent the body
    assert woken.loops == ["jobs"]
    rt.engine.dispose()
