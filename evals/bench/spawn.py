"""One measurement in a fresh Python process (:mod:`evals.bench.worker`), its log in ``<out>/logs``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from core.settings import PROJECT_ROOT
from evals.bench.config import BenchConfig

WORKER = "evals.bench.worker"


class BenchError(RuntimeError):
    """A measurement failed; the message is for the user."""


def say(cfg: BenchConfig, message: str) -> None:
    if cfg.progress:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_worker(cfg: BenchConfig, task: str, args: dict, name: str | None = None) -> dict:
    """Run one measurement in a fresh Python process; its log goes to ``<out>/logs/NAME.log``."""
    name = name or task
    work = cfg.out / "work"
    logs = cfg.out / "logs"
    work.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    args = {"threads": cfg.threads, **args, "spawned_at": time.time()}
    if cfg.profile:
        args.update(profile_dir=str(cfg.out / "profiles"), profile_name=name)
    args_path, result_path = work / f"{name}.args.json", work / f"{name}.result.json"
    args_path.write_text(json.dumps(args, ensure_ascii=False, default=str), encoding="utf-8")
    result_path.unlink(missing_ok=True)
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    started = time.perf_counter()
    with (logs / f"{name}.log").open("w", encoding="utf-8") as log:
        proc = subprocess.run(
            [sys.executable, "-m", WORKER, task, str(args_path), str(result_path)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not result_path.exists():
        tail = (logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")[-2000:]
        raise BenchError(
            f"la mesure « {name} » a échoué (code {proc.returncode}) ; journal : "
            f"{logs / (name + '.log')}\n{tail}"
        )
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["parent_wall_s"] = round(wall, 2)
    return result
