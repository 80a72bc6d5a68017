"""One bench measurement in its own process, so that its peak memory is its own.

``python -m evals.bench.worker TASK ARGS.json RESULT.json`` runs ``TASK`` (one of
:data:`TASKS`) with the arguments in ``ARGS.json`` and writes a JSON result.
:func:`evals.bench.spawn.run_worker` starts these processes one after the other; they are not
meant to be run by hand, but can be, to repeat one measurement. How memory is read:
:mod:`evals.bench.process`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path

from evals.bench.process import PROCESS_START, peak_mb  # first: the process's start time
from evals.bench.tasks_ingest import task_ingest, task_reingest, task_tune
from evals.bench.tasks_query import task_peer, task_query
from evals.bench.tasks_scale import task_build_scale

TASKS = {
    "tune": task_tune,
    "ingest": task_ingest,
    "reingest": task_reingest,
    "query": task_query,
    "peer": task_peer,
    "build_scale": task_build_scale,
}


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    task, args_path, out_path = argv
    args = json.loads(Path(args_path).read_text(encoding="utf-8"))
    profiler = None
    if args.get("profile_dir"):  # assistant bench --profile: a pyinstrument profile of the whole measurement
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    with contextlib.redirect_stdout(sys.stderr):  # llama-index notices
        result = TASKS[task](args)
    if profiler is not None:
        profiler.stop()
        folder = Path(args["profile_dir"])
        folder.mkdir(parents=True, exist_ok=True)
        name = args.get("profile_name") or task
        (folder / f"{name}.txt").write_text(profiler.output_text(unicode=True), encoding="utf-8")
        (folder / f"{name}.html").write_text(profiler.output_html(), encoding="utf-8")
    result["process_peak_rss_mb"] = peak_mb()
    result["process_wall_s"] = round(time.time() - PROCESS_START, 2)
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
