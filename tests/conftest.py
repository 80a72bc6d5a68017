"""Shared fixtures. A guard fails any test that opens a socket outside 127.0.0.0/8 / ::1."""
from __future__ import annotations

import ipaddress
import os
import socket
import shutil
from pathlib import Path

import pytest

import assistant  # noqa: F401  (sets the offline environment first)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
SEEDS_DEV = SHARED / "evals" / "seeds_dev.jsonl"
SAMPLE = ROOT / "sample_corpus"


class NetworkGuardError(RuntimeError):
    pass


def _is_loopback(address) -> bool:
    if isinstance(address, tuple):
        host = address[0]
    elif isinstance(address, (str, bytes)):
        return True  # AF_UNIX path
    else:
        return False
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name: resolving it is already leaving the machine


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkGuardError(f"connexion réseau interdite hors de la machine : {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkGuardError(f"connexion réseau interdite hors de la machine : {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host not in (None, "localhost", "") and not _is_loopback((host if isinstance(host, str) else host.decode(),)):
        raise NetworkGuardError(f"résolution DNS interdite : {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds absent")
    return SEEDS


@pytest.fixture(scope="session")
def settings_factory(tmp_path_factory):
    from assistant.config import get_settings

    def make(name: str, **overrides):
        return get_settings(index_dir=tmp_path_factory.mktemp(name), **overrides)

    return make


@pytest.fixture(scope="session")
def seeds_assistant(seeds_dir, settings_factory):
    """An assistant over the ingested seeds (extractive unless told otherwise)."""
    from assistant.api import Assistant

    settings = settings_factory("seeds_index", llm="extractive")
    assistant_ = Assistant(settings)
    report = assistant_.ingest([seeds_dir])
    assert report.usable == 5, report.summary()
    return assistant_


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("chromium absent : `make test` l'installe (scripts/install_browser.py)")
    return path
