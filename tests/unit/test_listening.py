"""``ivr serve`` asks whether it can listen before anything starts: a port another program
holds and an address this machine does not have are named, with the setting to change."""

from __future__ import annotations

import socket

from ivr.listening import listening_problem


def test_a_free_port_on_this_machine_can_be_listened_on() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
    assert listening_problem("127.0.0.1", port) is None
    assert listening_problem("localhost", port) is None


def test_a_port_another_program_listens_on_is_named_with_the_setting() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        problem = listening_problem("127.0.0.1", port)
    assert problem == (
        f"cannot listen on 127.0.0.1:{port}: another program is listening on port {port} "
        "(IVR_PORT); stop it, or choose another port"
    )


def test_an_address_this_machine_does_not_have_is_named_with_the_setting() -> None:
    problem = listening_problem("192.0.2.77", 8000)  # TEST-NET-1: no machine's own address
    assert problem is not None
    assert problem.startswith("cannot listen on 192.0.2.77:8000: 192.0.2.77 is not an address")
    assert "(IVR_HOST)" in problem


def test_an_address_that_is_no_address_is_named_before_any_bind() -> None:
    for host in ("999.1.1.1", "no such host.invalid"):
        problem = listening_problem(host, 8000)
        assert problem is not None
        assert problem.startswith(f"IVR_HOST {host!r} is neither an address nor a name")
