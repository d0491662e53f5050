"""Network guard: refuse every socket connection and name lookup in this process.

Installed first in every entry point (CLI, GUI, worker processes, tests) because the
product promise is that photos never leave the machine and nothing is downloaded at
run time: a library that quietly phones home (model hubs, telemetry, update checks)
must fail loudly instead of leaking. Local socketpair()/AF_UNIX use by Qt and
multiprocessing is still allowed; only internet-family connects and DNS are refused.
"""
from __future__ import annotations

import ipaddress
import socket

_installed = False
# Cluster mode only: the (ip, port) pairs a connection may still go to (see allow_connections_to).
_allowed_peers: set[tuple[str, int]] = set()
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


def allow_connections_to(host: str, port: int) -> None:
    """Cluster mode: let this process connect to exactly one more address, an IP literal and port.

    Used for the Dask scheduler (and, in a worker, its own nanny); every other address stays
    refused. A host name is refused with ValueError rather than looked up: name lookups stay
    blocked, so the address must be an IP. Once any address is allowed, getaddrinfo() of an IP
    literal is let through as pure parsing (AI_NUMERICHOST): Dask does that with its own and
    its peers' addresses, and it never sends anything.
    """
    ip = ipaddress.ip_address(host.strip("[]"))  # ValueError for a name
    _allowed_peers.add((ip.compressed, int(port)))


def _peer_allowed(host: object, port: object) -> bool:
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])
        return (ip.compressed, int(port)) in _allowed_peers  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False


def _is_ip_literal(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
        return True
    except ValueError:
        return False


def _connect_allowed(address: object) -> bool:
    return isinstance(address, tuple) and len(address) >= 2 and _peer_allowed(address[0], address[1])


def install() -> None:
    global _installed
    if _installed:
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guarded_connect(self, address):
        if self.family in _INET and not _connect_allowed(address):
            _refuse("connect")
        return original_connect(self, address)

    def guarded_connect_ex(self, address):
        if self.family in _INET and not _connect_allowed(address):
            _refuse("connect_ex")
        return original_connect_ex(self, address)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    original_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        # Cluster mode only: Dask "resolves" IP literals (its own, its peers'). With
        # AI_NUMERICHOST that is pure parsing and never a lookup; a name, or a reverse
        # lookup for the canonical name, stays refused.
        if not _allowed_peers or not _is_ip_literal(host) or flags & socket.AI_CANONNAME:
            _refuse("getaddrinfo")
        return original_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    socket.getaddrinfo = guarded_getaddrinfo
    for name in ("create_connection", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, name, _refuser(name))
    _installed = True


def installed() -> bool:
    return _installed
