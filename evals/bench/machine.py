"""The machine a bench ran on: CPU, cores, memory, load, package versions; and the code's git state."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from evals.provenance import git_state

PACKAGES = (
    "torch",
    "sentence-transformers",
    "transformers",
    "chromadb",
    "llama-index-core",
    "bm25s",
    "xllamacpp",
)


def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    versions = {}
    for pkg in PACKAGES:
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:
            pass
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
        "packages": versions,
    }


def code_version() -> str | None:
    """The short commit, with ``+modifications`` when tracked files have uncommitted changes."""
    state = git_state()
    if not state:
        return None
    return state["commit"] + ("+modifications" if state["modified"] else "")
