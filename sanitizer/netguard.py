"""Network guard: refuse every socket connection and name lookup in this process.

Installed first in every entry point (CLI, GUI, worker processes, tests) because the
product promise is that photos never leave the machine and nothing is downloaded at
run time: a library that quietly phones home (model hubs, telemetry, update checks)
must fail loudly instead of leaking. Local socketpair()/AF_UNIX use by Qt and
multiprocessing is still allowed; only internet-family connects and DNS are refused.
"""
from __future__ import annotations

import socket

_installed = False


class NetworkBlocked(RuntimeError):
    pass


def _refuse(*_args, **_kwargs):
    raise NetworkBlocked("network access is disabled in this application")


_INET = {socket.AF_INET, socket.AF_INET6}


def install() -> None:
    global _installed
    if _installed:
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guarded_connect(self, address):
        if self.family in _INET:
            _refuse()
        return original_connect(self, address)

    def guarded_connect_ex(self, address):
        if self.family in _INET:
            _refuse()
        return original_connect_ex(self, address)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    socket.create_connection = _refuse  # type: ignore[assignment]
    socket.getaddrinfo = _refuse  # type: ignore[assignment]
    socket.gethostbyname = _refuse  # type: ignore[assignment]
    socket.gethostbyname_ex = _refuse  # type: ignore[assignment]
    socket.gethostbyaddr = _refuse  # type: ignore[assignment]
    _installed = True


def installed() -> bool:
    return _installed
