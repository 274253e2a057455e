"""``ivr worker`` and ``ivr outbox …``: deliver the outbox, and look at it."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ivr.outbox.queue import FILED, PARKED, PENDING, SENDING, RetryRefused, mark_for_retry
from ivr.settings import Settings
from ivr.store.call_tables import OutboxRecord, ReportRecord


def _settings() -> Settings:
    from ivr.cli_settings import load_settings

    return load_settings()


def _sessions() -> sessionmaker[Session]:
    from ivr.cli_settings import load_runtime

    return load_runtime().sessions


@click.command()
@click.option("--once", is_flag=True, help="Do what is due now, then stop.")
@click.option(
    "--interval",
    type=float,
    default=None,
    help="Most seconds to idle when nothing is due [default: outbox 2, jobs 0.5].",
)
@click.option(
    "--recognition",
    is_flag=True,
    help="Run recognition jobs only, on one thread (the workers `ivr serve` starts).",
)
@click.option(
    "--decode-threads",
    type=click.IntRange(1, 64),
    default=None,
    help="Threads one decode may use [default: up to 2, as the cores allow].",
)
@click.option("--server-pid", type=int, default=None, hidden=True)
def worker(
    once: bool,
    interval: float | None,
    recognition: bool,
    decode_threads: int | None,
    server_pid: int | None,
) -> None:
    """Run every kind of leased work: deliver the outbox to the city, exchange batch tokens,
    send text messages and run jobs (run as many as you like on PostgreSQL)."""
    import signal
    import threading

    from ivr.jobs.processes import become_recognition_worker
    from ivr.logs import configure
    from ivr.serve import CannotServe, worker_runtime

    if server_pid is not None:
        become_recognition_worker(server_pid)
    if decode_threads is not None:
        from speech.engines import set_decode_threads

        set_decode_threads(decode_threads)
    settings = _settings()
    configure(settings.log_level)
    try:
        rt = worker_runtime(settings, recognition=recognition)
    except CannotServe as error:
        from ivr.cli_errors import UnusableSettings

        raise UnusableSettings(str(error)) from None
    if once:
        click.echo(f"work done {rt.work.run_once()}")
        return
    rt.warm_up()  # the first recording need not wait for the model
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # finish the round in hand, then exit
        signal.signal(signum, lambda *_: stop.set())
    rt.work.run_forever(stop, interval=interval)


@click.group()
def outbox() -> None:
    """Reports on their way to the city."""


@outbox.command("list")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
def outbox_list(limit: int) -> None:
    """The newest reports and where each stands."""
    _print_rows(select(OutboxRecord).order_by(OutboxRecord.id.desc()).limit(limit))


@outbox.command("failures")
def outbox_failures() -> None:
    """Reports the city refused (parked for a person), waiting to retry, or filed with a
    token the city never exchanged for an id."""
    query = (
        select(OutboxRecord)
        .where(
            (OutboxRecord.status == PARKED)
            | ((OutboxRecord.status.in_((PENDING, SENDING))) & (OutboxRecord.attempts > 0))
            | (
                (OutboxRecord.status == FILED)
                & OutboxRecord.token.is_not(None)
                & OutboxRecord.service_request_id.is_(None)
                & (OutboxRecord.token_checks >= _settings().outbox_token_checks)
            )
        )
        .order_by(OutboxRecord.id)
    )
    _print_rows(query)


@outbox.command("retry")
@click.argument("outbox_id", type=int)
def outbox_retry(outbox_id: int) -> None:
    """Send a parked or waiting report again at once."""
    from ivr.outbox.worker import utc_now

    sessions = _sessions()
    with sessions() as session, session.begin():
        _require_row(session, outbox_id)
        try:
            row = mark_for_retry(session, outbox_id, utc_now())
        except RetryRefused as error:
            raise click.ClickException(str(error)) from None
        unknown = row.unknown_attempts
    click.echo(f"outbox row {outbox_id} will be sent again")
    if unknown:
        click.echo(f"it is looked up at the city first ({unknown} attempt(s) of unknown outcome)")


@outbox.command("show")
@click.argument("outbox_id", type=int)
def outbox_show(outbox_id: int) -> None:
    """One report's delivery: every attempt, by which worker, and how it ended."""
    from ivr.outbox.attempts import attempts_of

    sessions = _sessions()
    with sessions() as session:
        row = _require_row(session, outbox_id)
        tries = attempts_of(session, outbox_id)
    click.echo(f"outbox row {row.id}: {row.status}, {_city_side(row)}, key {row.key}")
    for attempt in tries:
        ended = f"{attempt.outcome} {attempt.error_kind}".strip()
        click.echo(
            f"  #{attempt.number:<3} {attempt.started_at:%Y-%m-%d %H:%M:%S}  "
            f"{attempt.worker[:30]:<30} {ended}  {attempt.error[:60]}"
        )


# The largest row id a database can hold (a signed 64-bit integer); a larger number given on
# the command line names no report, and asking the database for it would overflow.
LARGEST_ROW_ID = 2**63 - 1


def _require_row(session: Session, outbox_id: int) -> OutboxRecord:
    """The outbox row ``outbox_id``, or a sentence saying there is no such report."""
    row = session.get(OutboxRecord, outbox_id) if 0 < outbox_id <= LARGEST_ROW_ID else None
    if row is None:
        raise click.ClickException(f"no such report: there is no outbox row {outbox_id}")
    return row


def _print_rows(query: object) -> None:
    sessions = _sessions()
    with sessions() as session:
        rows = session.execute(
            query.add_columns(ReportRecord.service_code).join(  # type: ignore[attr-defined]
                ReportRecord, ReportRecord.id == OutboxRecord.report_id
            )
        ).all()
    if not rows:
        click.echo("nothing here")
        return
    click.echo(
        f"{'id':>6}  {'status':<8} {'tries':>5} {'unknown':>7}  {'service':<16} "
        f"{'at the city':<20} error"
    )
    for row, service_code in rows:
        error = f"{row.last_error_kind}: {row.last_error}" if row.last_error_kind else ""
        click.echo(
            f"{row.id:>6}  {row.status:<8} {row.attempts:>5} {row.unknown_attempts:>7}  "
            f"{service_code[:16]:<16} {_city_side(row)[:20]:<20} {error[:60]}"
        )


def _city_side(row: OutboxRecord) -> str:
    """What the city gave: its id, a batch token awaiting an id, or nothing (blackbox)."""
    if row.service_request_id:
        return f"id {row.service_request_id}"
    if row.token:
        return f"token {row.token}"
    return "blackbox: no id" if row.status == FILED else "-"
