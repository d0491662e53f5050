import socket

import pytest

from sanitizer import netguard


@pytest.fixture(autouse=True)
def forget_deliberate_attempts():
    """These tests make attempts on purpose; do not let them fail the session guard."""
    before = list(netguard.blocked_attempts)
    yield
    netguard.blocked_attempts[:] = before


def test_guard_is_installed_for_the_whole_suite():
    assert netguard.installed()


def test_tcp_connect_is_refused():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(netguard.NetworkBlocked):
            s.connect(("127.0.0.1", 9))
    finally:
        s.close()


def test_name_lookup_is_refused():
    with pytest.raises(netguard.NetworkBlocked):
        socket.getaddrinfo("example.org", 443)


def test_create_connection_is_refused():
    with pytest.raises(netguard.NetworkBlocked):
        socket.create_connection(("127.0.0.1", 80), timeout=1)


def test_local_socketpair_still_works():
    a, b = socket.socketpair()
    a.sendall(b"x")
    assert b.recv(1) == b"x"
    a.close()
    b.close()


def test_attempts_are_recorded_even_when_swallowed():
    n = len(netguard.blocked_attempts)
    try:
        socket.gethostbyname("example.org")
    except Exception:
        pass
    assert netguard.blocked_attempts[n:] == ["gethostbyname"]
