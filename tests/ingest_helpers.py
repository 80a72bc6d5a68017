"""Helpers shared by the ingestion and reliability tests: run the real CLI, read the real index.

Nothing here is a mock: ``run_assistant`` starts the installed ``assistant`` command
in a subprocess (which inherits the loopback-only network guard of the conftest),
and ``index_records`` opens the Chroma index the way the program does.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def assistant_command(*args) -> list[str]:
    """``assistant ARGS...``: the console script next to this Python, else ``python -m ui.cli``."""
    script = Path(sys.executable).with_name("assistant")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "ui.cli"]
    return head + [str(a) for a in args]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float  # of this subprocess alone (its VmHWM, polled every 50 ms), in MB


def run_assistant(*args, env: dict | None = None, timeout: float = 600, cwd: Path = ROOT) -> Run:
    """Run ``assistant ARGS`` to completion; output in files (no pipe deadlock), rusage of this child only."""
    full_env = {**os.environ, **(env or {})}
    full_env = {k: v for k, v in full_env.items() if v is not None}
    out_dir = Path(os.environ.get("TMPDIR", "/tmp"))
    started = time.perf_counter()
    with (
        open(out_dir / f"assistant-{os.getpid()}-{time.monotonic_ns()}.out", "w+", encoding="utf-8") as out,
        open(out_dir / f"assistant-{os.getpid()}-{time.monotonic_ns()}.err", "w+", encoding="utf-8") as err,
    ):
        proc = subprocess.Popen(assistant_command(*args), stdout=out, stderr=err, env=full_env, cwd=cwd)
        deadline = time.monotonic() + timeout
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    for handle in (out, err):
        os.remove(handle.name)
    # ru_maxrss (kilobytes) is only a fallback: a vfork'ed child's counts the parent's memory
    return Run(proc.returncode, stdout, stderr, seconds, (peak_kb or usage.ru_maxrss) / 1024)


def _vm_hwm_kb(pid: int) -> int:
    """Peak resident memory of the program now running in ``pid`` (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def ingest(
    *paths,
    index_dir: Path,
    report: Path | None = None,
    prune: bool = False,
    env: dict | None = None,
    timeout: float = 600,
) -> tuple[Run, dict | None]:
    args = ["ingest", *paths, "--index-dir", index_dir, "--quiet"]
    if report is not None:
        args += ["--report", report]
    if prune:
        args.append("--prune")
    run = run_assistant(*args, env=env, timeout=timeout)
    data = json.loads(report.read_text(encoding="utf-8")) if report is not None and report.exists() else None
    return run, data


def ask_json(
    question: str, index_dir: Path | None = None, env: dict | None = None, llm: str = "extractive"
) -> dict:
    """``assistant ask --json``: the answer object (the last JSON line of stdout)."""
    args = ["ask", question, "--json", "--llm", llm]
    if index_dir is not None:
        args += ["--index-dir", index_dir]
    run = run_assistant(*args, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, run.stdout[-2000:]
    return json.loads(lines[-1])


def open_store(index_dir: Path | None = None, **overrides):
    """The program's own ChunkStore over ``index_dir`` (or the Chroma server named in overrides)."""
    from core.settings import get_settings
    from index.store import ChunkStore

    return ChunkStore(get_settings(index_dir=index_dir, **overrides))


def release_store(store) -> None:
    """Let another process open the same embedded index (Chroma keeps one system per path per process)."""
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # pragma: no cover - best effort
        pass
    del store


def index_records(store) -> list[dict]:
    """Every chunk: ``{"id", "text", **metadata}``."""
    records = []
    for got in store.iter_records(include=("documents", "metadatas")):
        for id_, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            records.append({"id": id_, "text": text, **meta})
    return records


def by_source(records: list[dict]) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for record in records:
        grouped[record["source"]].append(record)
    for chunks in grouped.values():
        chunks.sort(key=lambda r: r["chunk_index"])
    return dict(grouped)


def peak_rss_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# The limits a developer may have set in the environment (ASSISTANT_MAX_*, ASSISTANT_FILE_*): a test
# that measures the defaults runs without them.
LIMIT_PREFIXES = ("ASSISTANT_MAX", "ASSISTANT_FILE")

LOAD_AND_SPLIT = (
    "import json, re, sys, time; from pathlib import Path\n"
    "from core.settings import get_settings\n"
    "from ingest.loaders import LoadError, load, max_text_bytes\n"
    "from ingest.split import split_document\n"
    "t = time.perf_counter()\n"
    "try:\n"
    "    doc = load(Path(sys.argv[1]))\n"
    "    out = {'passages': len(split_document(doc)), 'bytes': len(doc.text.encode()), 'warnings': doc.warnings}\n"
    "except LoadError as exc:\n"
    "    out = {'error': str(exc)}\n"
    "out['seconds'] = round(time.perf_counter() - t, 2)\n"
    "out['cap'] = max_text_bytes(get_settings())\n"
    "out['rss_mb'] = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024\n"
    "print(json.dumps(out))\n"
)


def load_and_split_alone(path: Path, what: str) -> dict:
    """Load and split ``path`` in a fresh process with the default limits: the outcome, passages, text
    bytes, warnings, the text cap, seconds, and the peak memory of that process (VmHWM: ``ru_maxrss``
    survives exec and, the child being started by vfork, counts the memory of the pytest process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(LIMIT_PREFIXES)}
    proc = subprocess.run(
        [sys.executable, "-c", LOAD_AND_SPLIT, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n{path.name} ({path.stat().st_size:,} bytes, {what}): {result}")
    return result


def make_passage(text: str, **fields):
    """A :class:`core.types.Passage` of one document for the answer-level tests (``fields`` override)."""
    from core.types import Passage

    values = {
        "node_id": text[:8],
        "source": "doc.md",
        "title": "Document",
        "kind": "guide",
        "date": "",
        "page": None,
        "heading": "",
        "text": text,
        "start": 0,
        "end": len(text),
        "doc_id": "d",
    }
    return Passage(**{**values, **fields})
