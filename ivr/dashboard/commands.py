"""``ivr staff add | list | disable | enable | sessions | logout``: the dashboard's accounts and
their open sessions from the command line."""

from __future__ import annotations

import os

import click
from sqlalchemy.orm import Session, sessionmaker

from ivr.clock import utc_now
from ivr.dashboard.accounts import (
    ROLES,
    AccountError,
    add_user,
    end_sessions,
    list_users,
    set_disabled,
)
from ivr.dashboard.staff_sessions import SessionLimits, open_sessions

PASSWORD_ENV = "IVR_STAFF_PASSWORD"


def _sessions() -> sessionmaker[Session]:
    from ivr.cli_settings import load_runtime

    return load_runtime().sessions


@click.group("staff")
def staff() -> None:
    """Staff accounts of the dashboard (/staff)."""


@staff.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
def staff_add(username: str, role: str) -> None:
    """Add an account. The password is asked for, or read from IVR_STAFF_PASSWORD (scripts)."""
    password = os.environ.get(PASSWORD_ENV) or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = add_user(_sessions(), username, password, role, now=utc_now())
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"added {user.username} ({user.role})")


@staff.command("list")
def staff_list() -> None:
    """Every account, its role, whether it is disabled, and its last log-in."""
    users = list_users(_sessions())
    if not users:
        click.echo("no staff accounts: add one with `ivr staff add NAME --role admin`")
        return
    click.echo(f"{'username':<24} {'role':<6} {'state':<9} last log-in")
    for user in users:
        last = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never"
        state = "disabled" if user.disabled else "active"
        click.echo(f"{user.username:<24} {user.role:<6} {state:<9} {last}")


@staff.command("disable")
@click.argument("username")
def staff_disable(username: str) -> None:
    """Refuse the account's log-ins and end its open sessions now."""
    _set(username, True)


@staff.command("enable")
@click.argument("username")
def staff_enable(username: str) -> None:
    """Let a disabled account log in again."""
    _set(username, False)


@staff.command("sessions")
def staff_sessions() -> None:
    """The sessions open now: who, since when, last seen, until when at most, and browser."""
    from ivr.cli_settings import load_runtime

    rt = load_runtime()
    now = utc_now()
    listed = open_sessions(rt.sessions, SessionLimits.from_settings(rt.settings), now)
    if not listed:
        click.echo("no open sessions")
        return
    click.echo(f"{'username':<24} {'logged in':<16} {'last seen':<16} {'ends by':<16} browser")
    for one in listed:
        click.echo(
            f"{one.username:<24} {one.created_at:%Y-%m-%d %H:%M} "
            f"{one.last_seen_at:%Y-%m-%d %H:%M} {one.expires_at:%Y-%m-%d %H:%M} "
            f"{one.user_agent[:40]}"
        )


@staff.command("logout")
@click.argument("username")
def staff_logout(username: str) -> None:
    """End every open session of the account now, without disabling it (a lost laptop)."""
    try:
        ended = end_sessions(_sessions(), username, now=utc_now())
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{username}: {ended} session{'s' if ended != 1 else ''} ended")


def _set(username: str, disabled: bool) -> None:
    try:
        user = set_disabled(_sessions(), username, disabled)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{user.username} is {'disabled' if disabled else 'enabled'}")
