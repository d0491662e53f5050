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
# Every refused attempt, by API name, so a test run can fail even when a library
# swallowed the exception and carried on.
blocked_attempts: list[str] = []


class NetworkBlocked(RuntimeError):
    pass


def _refuse(api: str = "socket"):
    blocked_attempts.append(api)
    raise NetworkBlocked("network access is disabled in this application")


def _refuser(api: str):
    def refuse(*_args, **_kwargs):
        _refuse(api)
    return refuse


_INET = {socket.AF_INET, socket.AF_INET6}


def install() -> None:
    global _installed
    if _installed:
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guarded_connect(self, address):
        if self.family in _INET:
            _refuse("connect")
        return original_connect(self, address)

    def guarded_connect_ex(self, address):
        if self.family in _INET:
            _refuse("connect_ex")
        return original_connect_ex(self, address)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, name, _refuser(name))
    _installed = True


def installed() -> bool:
    return _installed
