"""Jobs and outbox rows by state and age, read from the database when ``/metrics`` is scraped.

These are facts of the store, not of a process: every web process would count the same rows,
so they are computed at scrape time (never written to the multiprocess directory), by one
grouped query per table. Ages are reported for the states that wait (a job pending or
running; a report pending, being sent, or parked for a person): how long the oldest such row
has waited since it was made. A scrape whose query fails still answers, with
``voice311_store_scrape_ok 0``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ivr.clock import utc_now
from ivr.jobs import queue as jobs
from ivr.outbox import queue as outbox
from ivr.store.call_tables import OutboxRecord
from ivr.store.job_tables import JobRecord

log = logging.getLogger(__name__)

WAITING_JOBS = (jobs.PENDING, jobs.RUNNING)
WAITING_REPORTS = (outbox.PENDING, outbox.SENDING, outbox.PARKED)


class StoreCollector(Collector):
    """The jobs and outbox gauges of the store behind ``sessions``."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def describe(self) -> Iterator[Metric]:
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        job_rows, job_ages, report_rows, report_ages, scrape_ok = _families()
        try:
            with self._sessions() as session:
                by_job = session.execute(
                    select(
                        JobRecord.name,
                        JobRecord.status,
                        func.count(),
                        func.min(JobRecord.created_at),
                    ).group_by(JobRecord.name, JobRecord.status)
                ).all()
                by_state = session.execute(
                    select(
                        OutboxRecord.status, func.count(), func.min(OutboxRecord.created_at)
                    ).group_by(OutboxRecord.status)
                ).all()
        except Exception as error:  # the database is down: say so, answer the rest
            log.warning("store metrics unavailable", extra={"error": type(error).__name__})
            scrape_ok.add_metric([], 0.0)
            yield scrape_ok
            return
        now = self._clock()
        for name, status, count, oldest in by_job:
            job_rows.add_metric([name, status], float(count))
            if status in WAITING_JOBS and oldest is not None:
                job_ages.add_metric([name, status], _age(now, oldest))
        for status, count, oldest in by_state:
            report_rows.add_metric([status], float(count))
            if status in WAITING_REPORTS and oldest is not None:
                report_ages.add_metric([status], _age(now, oldest))
        scrape_ok.add_metric([], 1.0)
        yield from (job_rows, job_ages, report_rows, report_ages, scrape_ok)


def _families() -> tuple[
    GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily
]:
    return (
        GaugeMetricFamily(
            "voice311_jobs", "Jobs in the store, by job name and state.", labels=["job", "state"]
        ),
        GaugeMetricFamily(
            "voice311_jobs_oldest_age_seconds",
            "Seconds since the oldest pending or running job of each name was queued.",
            labels=["job", "state"],
        ),
        GaugeMetricFamily(
            "voice311_outbox_rows", "Reports in the outbox, by state.", labels=["state"]
        ),
        GaugeMetricFamily(
            "voice311_outbox_oldest_age_seconds",
            "Seconds since the oldest pending, sending or parked report was committed.",
            labels=["state"],
        ),
        GaugeMetricFamily(
            "voice311_store_scrape_ok",
            "1 when the jobs and outbox gauges could be read from the store, else 0.",
        ),
    )


def _age(now: datetime, then: datetime) -> float:
    if then.tzinfo is None:  # SQLite gives back naive datetimes, stored in UTC
        then = then.replace(tzinfo=UTC)
    return max(0.0, (now - then).total_seconds())
