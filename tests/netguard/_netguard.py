"""Loopback-only networking for the test suite, in the pytest process and in every subprocess.

``install()`` replaces the Python socket entry points (connect, connect_ex, sendto,
getaddrinfo, gethostbyname, gethostbyname_ex, gethostbyaddr) with versions that
refuse any address outside 127.0.0.0/8 and ::1 and any DNS lookup of a host name
other than "localhost". Each refusal raises :class:`NetworkGuardError` *and* is
recorded (in ``VIOLATIONS`` and, when ``TESTS_NETGUARD_LOG`` names a file, in that
file), so that a library that catches the error and carries on offline still gets
the test failed by the fixture in ``tests/conftest.py``.

Subprocesses get the same guard through ``sitecustomize.py`` in this folder, which
the conftest puts on ``PYTHONPATH``. Code outside Python (Rust or C networking in
a compiled extension) is not covered: for those the program's own settings
(telemetry off, offline mode) are what keeps data on the machine.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import sys
import threading

LOG_ENV = "TESTS_NETGUARD_LOG"
VIOLATIONS: list[str] = []
_lock = threading.Lock()
_installed = False


class NetworkGuardError(RuntimeError):
    """A test (or a program it started) tried to reach something outside this machine."""


def is_loopback(address) -> bool:
    if isinstance(address, tuple):
        host = address[0]
    elif isinstance(address, (str, bytes)):
        return True  # AF_UNIX path
    else:
        return False
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name: resolving it is already leaving the machine


def _refuse(message: str):
    record = f"{message} [pid {os.getpid()} : {' '.join(sys.argv)[:200]}]"
    with _lock:
        VIOLATIONS.append(record)
    log = os.environ.get(LOG_ENV)
    if log:
        try:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(record.replace("\n", " ") + "\n")
        except OSError:
            pass
    raise NetworkGuardError(message)


_real = {
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
    "sendto": socket.socket.sendto,
    "getaddrinfo": socket.getaddrinfo,
    "gethostbyname": socket.gethostbyname,
    "gethostbyname_ex": socket.gethostbyname_ex,
    "gethostbyaddr": socket.gethostbyaddr,
}


def _inet(sock) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6)


def _guarded_connect(self, address):
    if _inet(self) and not is_loopback(address):
        _refuse(f"connexion réseau interdite hors de la machine : {address!r}")
    return _real["connect"](self, address)


def _guarded_connect_ex(self, address):
    if _inet(self) and not is_loopback(address):
        _refuse(f"connexion réseau interdite hors de la machine : {address!r}")
    return _real["connect_ex"](self, address)


def _guarded_sendto(self, data, *args):
    address = args[-1] if args else None
    if _inet(self) and address is not None and not is_loopback(address):
        _refuse(f"envoi réseau interdit hors de la machine : {address!r}")
    return _real["sendto"](self, data, *args)


def _host_ok(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return is_loopback((host,))


def _what(host) -> str:
    """An IP literal is an address outside the machine; anything else would be a DNS query."""
    try:
        ipaddress.ip_address(str(host.decode() if isinstance(host, bytes) else host).split("%")[0])
        return "adresse hors de la machine"
    except ValueError:
        return "résolution DNS interdite"


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _host_ok(host):
        _refuse(f"{_what(host)} : {host!r}")
    return _real["getaddrinfo"](host, *args, **kwargs)


def _guarded_gethostbyname(host):
    if not _host_ok(host):
        _refuse(f"{_what(host)} : {host!r}")
    return _real["gethostbyname"](host)


def _guarded_gethostbyname_ex(host):
    if not _host_ok(host):
        _refuse(f"{_what(host)} : {host!r}")
    return _real["gethostbyname_ex"](host)


def _guarded_gethostbyaddr(host):
    # the machine's own name (socket.getfqdn) is answered by /etc/hosts; an outside address is a DNS query
    try:
        outside = not ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        outside = False
    if outside:
        _refuse(f"résolution DNS inverse interdite : {host!r}")
    return _real["gethostbyaddr"](host)


def install() -> None:
    global _installed
    if _installed:
        return
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    socket.socket.sendto = _guarded_sendto
    socket.getaddrinfo = _guarded_getaddrinfo
    socket.gethostbyname = _guarded_gethostbyname
    socket.gethostbyname_ex = _guarded_gethostbyname_ex
    socket.gethostbyaddr = _guarded_gethostbyaddr
    _installed = True


def read_log(path: str | None = None) -> list[str]:
    path = path or os.environ.get(LOG_ENV)
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle if line.strip()]
