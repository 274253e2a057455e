"""Whether ``ivr serve`` can listen where its settings say, asked before anything starts.

gunicorn binds its socket only after the store is migrated and the gazetteer loaded, and when
it cannot, it logs an error a second for five seconds and exits. Asked first, a port another
program holds or an address this machine does not have is one line naming the setting, and
nothing is created. The probe binds as gunicorn does (``SO_REUSEADDR``: a port left in
``TIME_WAIT`` by a gateway just stopped is not "in use") and closes at once; a program that
takes the port in the moment between is still met by gunicorn's own error.
"""

from __future__ import annotations

import errno
import socket

from ivr.settings_checks import env_name


def listening_problem(host: str, port: int) -> str | None:
    """Why the gateway could not listen on ``host``:``port``, or None when it can."""
    where = f"{host}:{port}"
    try:
        found = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE | socket.AI_NUMERICSERV
        )
    except (socket.gaierror, UnicodeError) as error:
        reason = error.strerror if isinstance(error, socket.gaierror) else "not a host name"
        return (
            f"{env_name('host')} {host!r} is neither an address nor a name this machine can "
            f"resolve ({reason}): set it to one of the machine's addresses, such as 127.0.0.1, "
            "or 0.0.0.0 for every interface"
        )
    family, kind, protocol, _, address = found[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return _bind_problem(error, host, port, where)
    return None


def _bind_problem(error: OSError, host: str, port: int, where: str) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on {where}: another program is listening on port {port} "
            f"({env_name('port')}); stop it, or choose another port"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return (
            f"cannot listen on {where}: {host} is not an address of this machine "
            f"({env_name('host')}); use one of its addresses, or 0.0.0.0 for every interface"
        )
    if error.errno == errno.EACCES:
        return (
            f"cannot listen on {where}: a port below 1024 needs privileges this process does "
            f"not have ({env_name('port')}); choose a port of 1024 or above, behind a proxy"
        )
    return f"cannot listen on {where}: {error.strerror or error}"
