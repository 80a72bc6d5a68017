"""Shared fixtures. A guard fails any test that opens a socket outside 127.0.0.0/8 / ::1.

The guard (tests/netguard/_netguard.py) is installed here for the pytest process
and, through ``sitecustomize`` on ``PYTHONPATH``, in every Python subprocess a test
starts (``assistant ingest``, ``chroma run``...). A refused connection raises
:class:`NetworkGuardError`; it is also recorded, and the autouse fixture
``_no_network_violation`` fails the test even if some library caught the error.
"""
from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

NETGUARD_DIR = Path(__file__).resolve().parent / "netguard"
sys.path.insert(0, str(NETGUARD_DIR))
import _netguard  # noqa: E402

_netguard.install()
NetworkGuardError = _netguard.NetworkGuardError
_is_loopback = _netguard.is_loopback

# every subprocess started by a test inherits the guard and reports to the same log
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(NETGUARD_DIR), os.environ.get("PYTHONPATH", "")) if p)
if not os.environ.get(_netguard.LOG_ENV):
    _fd, _log = tempfile.mkstemp(prefix="netguard-", suffix=".log")
    os.close(_fd)
    os.environ[_netguard.LOG_ENV] = _log
    atexit.register(lambda: os.path.exists(_log) and os.remove(_log))

import assistant  # noqa: E402,F401  (sets the offline environment first)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
SEEDS_DEV = SHARED / "evals" / "seeds_dev.jsonl"
SAMPLE = ROOT / "sample_corpus"


class _Expected:
    """``with netguard.expected():`` — refusals inside the block are the point of the test."""

    def __init__(self):
        self.refused: list[str] = []

    @contextmanager
    def expected(self):
        before_mem, before_log = len(_netguard.VIOLATIONS), len(_netguard.read_log())
        try:
            yield self
        finally:
            self.refused += _netguard.VIOLATIONS[before_mem:]
            del _netguard.VIOLATIONS[before_mem:]
            log = _netguard.read_log()
            if len(log) > before_log:
                self.refused += log[before_log:]
                with open(os.environ[_netguard.LOG_ENV], "w", encoding="utf-8") as handle:
                    handle.writelines(line + "\n" for line in log[:before_log])


@pytest.fixture
def netguard() -> _Expected:
    return _Expected()


@pytest.fixture(autouse=True)
def _no_network_violation():
    before_mem, before_log = len(_netguard.VIOLATIONS), len(_netguard.read_log())
    yield
    # a refusal in this process is both in memory and in the shared log: list it once
    new = list(dict.fromkeys(_netguard.VIOLATIONS[before_mem:] + _netguard.read_log()[before_log:]))
    if new:
        pytest.fail("accès réseau hors de la machine pendant le test :\n" + "\n".join(new[:10]), pytrace=False)


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


@pytest.fixture(scope="session")
def openai_server():
    """An OpenAI-compatible endpoint on 127.0.0.1 with an API key: xllamacpp's HTTP server over the
    packaged model (its own instance), started once (about 5 s) for the three files that use it.
    Yields (address, key)."""
    import secrets
    from urllib.parse import urlparse

    import xllamacpp as xlc

    from assistant.config import PROJECT_ROOT
    from assistant.llm.local_model import ensure_gguf

    key = secrets.token_urlsafe(16)
    params = xlc.CommonParams()
    params.model.path = str(ensure_gguf(PROJECT_ROOT / "data" / "models"))
    params.n_ctx = 4096
    params.n_parallel = 1
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.api_keys = [key]
    params.verbosity = 0
    server = xlc.Server(params)
    assert urlparse(server.listening_address).hostname == "127.0.0.1"
    yield server.listening_address, key
    del server


@pytest.fixture(scope="module")
def local_assistant(seeds_assistant):
    """The seeds assistant answering with the local model, in process."""
    from assistant.api import Assistant
    from assistant.llm.local_model import ensure_gguf

    try:
        ensure_gguf(seeds_assistant.settings.models_dir)
    except Exception as exc:  # the extra is part of the README's commands: its absence is a failure
        pytest.fail(f"modèle local indisponible : {exc}")
    settings = seeds_assistant.settings.model_copy(update={"llm": "local"})
    return Assistant(settings, store=seeds_assistant.store, embed_model=seeds_assistant.embed_model)


@pytest.fixture(scope="module")
def openai_assistant(seeds_assistant, openai_server):
    """The seeds assistant answering through the ``openai`` backend, against ``openai_server``."""
    from assistant.api import Assistant

    address, key = openai_server
    settings = seeds_assistant.settings.model_copy(update={
        "llm": "openai", "openai_base_url": f"{address}/v1", "openai_model": "qwen2.5-coder-1.5b-instruct",
        "openai_api_key": key})
    return Assistant(settings, store=seeds_assistant.store, embed_model=seeds_assistant.embed_model)
