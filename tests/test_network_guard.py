"""Issue 7 §7: nothing leaves the machine.

* The test-wide guard (tests/netguard, installed by the conftest in this process and,
  through ``sitecustomize``, in every Python subprocess) refuses any socket to an address
  outside 127.0.0.0/8 and ::1 and any DNS lookup, and a test in which that happens fails
  even when the code under test swallows the error: proven here by running a small pytest
  session with the project's own conftest.
* The program itself switches off the network-facing features of its libraries, without
  the user setting anything: a fresh process with none of the variables set imports an
  entry point of the project and then finds Hugging Face offline (HF_HUB_OFFLINE),
  Gradio analytics off (GRADIO_ANALYTICS_ENABLED=False), Chroma's anonymized telemetry
  off (both its environment default and the client the program opens), and the Gradio
  app built with ``analytics_enabled=False``.

No address used here is contacted: 192.0.2.0/24 and 2001:db8::/32 are documentation
ranges, and the guard refuses before the system call.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from conftest import NETGUARD_DIR, NetworkGuardError, child_pytest

from core.offline import OFFLINE_ENV

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_V4 = ("192.0.2.1", 443)
OUTSIDE_V6 = ("2001:db8::1", 443, 0, 0)


def test_sockets_and_dns_outside_the_machine_are_refused_and_recorded(netguard):
    with netguard.expected() as seen:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            with pytest.raises(NetworkGuardError, match="192.0.2.1"):
                sock.connect(OUTSIDE_V4)
            with pytest.raises(NetworkGuardError):
                sock.connect_ex(OUTSIDE_V4)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            with pytest.raises(NetworkGuardError):
                udp.sendto(b"telemetry", ("8.8.8.8", 53))
        if socket.has_ipv6:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock6:
                with pytest.raises(NetworkGuardError):
                    sock6.connect(OUTSIDE_V6)
        for host in ("huggingface.co", "api.gradio.app", "us.i.posthog.com"):
            with pytest.raises(NetworkGuardError, match="résolution DNS interdite"):
                socket.getaddrinfo(host, 443)
        with pytest.raises(NetworkGuardError):
            socket.gethostbyname("example.org")
        with pytest.raises(NetworkGuardError):  # what urllib, requests and httpx end up calling
            socket.create_connection(("example.org", 80), timeout=1)
    # every refusal was recorded, so that the autouse fixture can fail a test that swallowed it
    assert len(seen.refused) >= 8, seen.refused
    assert any("192.0.2.1" in r for r in seen.refused) and any("huggingface.co" in r for r in seen.refused)


def test_loopback_stays_open():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        got = []

        def accept():
            conn, _ = server.accept()
            with conn:
                got.append(conn.recv(16))

        thread = threading.Thread(target=accept)
        thread.start()
        with socket.create_connection(("localhost", port), timeout=5) as client:
            client.sendall(b"bonjour")
        thread.join(timeout=5)
    assert got == [b"bonjour"]
    assert socket.getaddrinfo("127.0.0.1", 80) and socket.getaddrinfo("localhost", 80)


def test_the_guard_is_active_in_subprocesses(netguard, tmp_path):
    """A program started by a test (as ``assistant ingest`` or ``chroma run`` are) is guarded too,
    and a refusal it swallows still reaches the shared log."""
    code = textwrap.dedent(f"""
        import socket, sys
        try:
            socket.create_connection({OUTSIDE_V4!r}, timeout=1)
        except Exception as exc:  # a library that carries on offline
            print(type(exc).__name__, exc)
        sys.exit(0)
    """)
    assert str(NETGUARD_DIR) in os.environ["PYTHONPATH"].split(os.pathsep)
    with netguard.expected() as seen:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("NetworkGuardError"), done.stdout + done.stderr
    assert any("192.0.2.1" in r and "pid" in r for r in seen.refused), seen.refused


def test_a_test_that_swallows_a_refused_connection_still_fails(tmp_path):
    """The project's conftest, loaded as a plugin in a child pytest: the test that reached
    outside fails with the guard's message, the loopback-only test passes."""
    (tmp_path / "test_child.py").write_text(
        textwrap.dedent(f"""
        import socket, subprocess, sys

        def test_swallowed_in_process():
            try:
                socket.create_connection({OUTSIDE_V4!r}, timeout=1)
            except Exception:
                pass  # the library "handles" it: the guard must still fail the test

        def test_swallowed_in_a_subprocess():
            code = "import socket\\ntry:\\n    socket.getaddrinfo('huggingface.co', 443)\\nexcept Exception:\\n    pass"
            assert subprocess.run([sys.executable, "-c", code]).returncode == 0

        def test_loopback_only():
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
    """),
        encoding="utf-8",
    )
    done = child_pytest(tmp_path, tmp_path / "test_child.py")
    out = done.stdout + done.stderr
    # the guard's fixture fails them at teardown: pytest counts that as an error (exit status 1)
    assert done.returncode == 1, out
    assert "3 passed, 2 errors" in out, out
    assert "ERROR test_child.py::test_swallowed_in_process" in out
    assert "ERROR test_child.py::test_swallowed_in_a_subprocess" in out
    assert "test_loopback_only" not in out
    # once per failing test in the ERRORS section (the short summary repeats it or not,
    # depending on the terminal width, so it is left out of the count)
    errors_section = out.split("short test summary info")[0]
    assert errors_section.count("accès réseau hors de la machine pendant le test") == 2, out
    assert (
        "adresse hors de la machine : '192.0.2.1'" in out
        and "résolution DNS interdite : 'huggingface.co'" in out
    )


OFFLINE_PROBE = r"""
import importlib, json, os, sys
before = {k: os.environ.get(k) for k in sys.argv[2].split(",")}
importlib.import_module(sys.argv[1])  # the entry point, first, as a user would start it
import chromadb.config
import huggingface_hub.constants as hub
from gradio import analytics
from core.settings import get_settings
from index.store import open_client

client = open_client(get_settings(index_dir=sys.argv[3]))
print(json.dumps({
    "before": before,
    "env": {k: os.environ.get(k) for k in sys.argv[2].split(",")},
    "hf_offline": hub.HF_HUB_OFFLINE, "hf_telemetry_off": hub.HF_HUB_DISABLE_TELEMETRY,
    "gradio_analytics": analytics.analytics_enabled(),
    "chroma_default_telemetry": chromadb.config.Settings().anonymized_telemetry,
    "chroma_client_telemetry": client.get_settings().anonymized_telemetry,
}))
"""


@pytest.mark.parametrize("entry", ["ui.cli", "ui.app", "index.store"])
def test_the_program_sets_the_offline_and_telemetry_environment_itself(entry, tmp_path):
    keys = list(OFFLINE_ENV)
    assert {"HF_HUB_OFFLINE", "GRADIO_ANALYTICS_ENABLED", "ANONYMIZED_TELEMETRY"} <= set(keys)
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV and k != "DISABLE_TELEMETRY"}
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_PROBE, entry, ",".join(keys), str(tmp_path / "index")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(v is None for v in got["before"].values()), got["before"]  # nothing set by the caller
    assert got["env"]["HF_HUB_OFFLINE"] == "1"
    assert got["env"]["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert got["env"]["ANONYMIZED_TELEMETRY"] == "False"
    # ... and set early enough: the libraries read them at import time
    assert got["hf_offline"] is True and got["hf_telemetry_off"] is True
    assert got["gradio_analytics"] is False
    assert got["chroma_default_telemetry"] is False and got["chroma_client_telemetry"] is False


def test_the_gradio_app_is_built_without_analytics(seeds_assistant, tmp_path):
    from ui.app import build_app

    demo = build_app(seeds_assistant, feedback_path=tmp_path / "fb.sqlite")
    assert demo.analytics_enabled is False
