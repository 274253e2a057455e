"""The settings of who does the gateway's work: the web processes and their threads, the
recognition workers, where the outbox is delivered from, and how a delivery is leased and retried.

A group of :class:`ivr.settings.Settings`, which inherits these fields; they are read, checked
and documented there with every other setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.settings_field import setting


@dataclass(frozen=True)
class WorkSettings:
    """Web processes and threads, recognition workers, and the outbox's leases and retries."""

    outbox_worker: str = setting(
        "thread",
        "`thread`: `ivr serve` delivers the outbox and runs the quick jobs (questions to the "
        "city) in threads of each web process, and starts the recognition workers "
        "(`IVR_RECOGNITION_WORKERS`); `off`: leave all of it to separate `ivr worker` "
        "processes.",
    )
    recognition_workers: str = setting(
        "auto",
        "Recognition worker processes `ivr serve` starts beside its web process, fed from the "
        "jobs table: `auto` one per core, a number, or `0` to start none (recordings are then "
        "transcribed by `ivr worker` processes, on this machine or others, on PostgreSQL). A "
        "web process never decodes.",
    )
    web_workers: int = setting(
        1,
        "Web processes (gunicorn workers) of `ivr serve`; `--workers` overrides it. More than "
        "one requires `IVR_SECRET_KEY`, so that every process accepts the others' staff "
        "sessions.",
    )
    web_threads: int = setting(
        32,
        "Threads of each `ivr serve` web process (gunicorn `gthread`). A webhook holding its "
        "answer for a transcript (`IVR_TRANSCRIPT_HOLD`) takes one; at most three quarters of "
        "them hold at once, so the others are always free to answer.",
    )
    outbox_lease: float = setting(
        120.0,
        "Seconds a worker holds a report it is delivering; a report held longer (the worker "
        "died) is taken by another worker, which looks it up at the city before sending it "
        "again. More than three times `IVR_OPEN311_TIMEOUT`.",
    )
    outbox_retry_base: float = setting(
        5.0, "Seconds before the first retry of a failed delivery; each retry waits twice as long."
    )
    outbox_retry_cap: float = setting(900.0, "Most seconds between two delivery attempts.")
    outbox_token_checks: int = setting(
        30,
        "Times a batch service's token is exchanged for a request id (with the same back-off) "
        "before the gateway stops asking.",
    )
