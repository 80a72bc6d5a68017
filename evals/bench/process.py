"""The measurement process itself: when it started, its memory, its torch threads, its settings.

Memory figures come from ``/proc/self/status`` (``VmRSS``, and ``VmHWM`` for the
peak), reset between phases through ``/proc/self/clear_refs`` where the kernel
allows it; elsewhere the peak comes from ``getrusage`` and is never reset
(``peak_resettable`` says which).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

PROCESS_START = time.time()  # imported first by evals.bench.worker: the process's own start, near enough


def _status() -> dict:
    try:
        fields = {}
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024  # kB -> MiB
        return fields
    except OSError:
        return {}


def rss_mb() -> float:
    status = _status()
    if "VmRSS" in status:
        return round(status["VmRSS"], 1)
    return peak_mb()


def peak_mb() -> float:
    status = _status()
    if "VmHWM" in status:
        return round(status["VmHWM"], 1)
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def reset_peak() -> bool:
    """Reset the kernel's peak RSS to the current RSS (Linux >= 4.0); False where impossible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def since_start(args: dict) -> float:
    """Seconds since the parent spawned this process (``spawned_at``), else since this module was imported."""
    return round(time.time() - float(args.get("spawned_at", PROCESS_START)), 3)


def settings(index_dir: str, **extra):
    from core.settings import get_settings

    return get_settings(index_dir=Path(index_dir), **extra)


def set_threads(args: dict) -> int:
    """Apply ``args["threads"]`` to torch (when given); the number of threads torch uses."""
    import torch

    if args.get("threads"):
        torch.set_num_threads(int(args["threads"]))
    return torch.get_num_threads()


def dir_size_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
    return round(total / (1024 * 1024), 2)


def share(flags: list[bool]) -> float | None:
    """The share of true flags, rounded to 0.001 (None when empty)."""
    return round(sum(flags) / len(flags), 3) if flags else None
