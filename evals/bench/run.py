"""``assistant bench``: ingest throughput, query latency, memory and scale, on this machine, in one run.

:func:`run_bench` runs each measurement in its own process (:mod:`evals.bench.worker`, through
:func:`evals.bench.spawn.run_worker`) one after the other, so that each peak memory figure is that
measurement's own and no model stays loaded between them:

1. ``ingest``: a full ingest of the bench corpus into an empty index, the model
   loaded beforehand (its load time is reported apart), split into
   load+clean+split / embed / store; then the model alone on exactly the same
   chunk texts (the practical limit) in the same process;
2. ``reingest``: the same corpus again, in a new process: nothing changed;
3. ``query``: start-up, idle memory, BM25 / dense / hybrid retrieval and
   extractive answers over every question, then the local LLM on a few;
4. ``peer``: the llama-index default pipeline (``evals.peer``) on the same files
   and questions, for the ratios;
5. ``scale``: the same query measurements (without the LLM) over indexes grown
   with synthetic documents to each size of the ladder (:mod:`evals.bench.scale`).
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from evals.bench.config import BenchConfig
from evals.bench.figures import peer_ratios, ratio, scale_point, targets
from evals.bench.machine import code_version, machine_info
from evals.bench.scale import ensure_scale_indexes
from evals.bench.spawn import BenchError, run_worker, say


def run_bench(cfg: BenchConfig, command: str | None = None) -> dict:
    started = time.perf_counter()
    cfg.out.mkdir(parents=True, exist_ok=True)
    work = cfg.out / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for path in cfg.corpus + cfg.questions:
        if not Path(path).exists():
            raise BenchError(f"introuvable : {path}")
    result: dict = {
        "meta": {
            "command": command,
            "quick": cfg.quick,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "git": code_version(),
            "config": cfg.to_json(),
        },
    }
    base_index = work / "base_index"
    corpus = [str(Path(p).resolve()) for p in cfg.corpus]
    questions = [str(Path(p).resolve()) for p in cfg.questions]

    say(cfg, f"ingestion complète de {', '.join(Path(p).name for p in corpus)}")
    ingest = run_worker(
        cfg, "ingest", {"index_dir": str(base_index), "paths": corpus, "known_out": str(work / "known.npz")}
    )
    ingest["ratio_to_raw_embedding"] = ratio(ingest["chunks_per_s"], ingest["raw_embed"]["chunks_per_s"])
    ingest["embed_phase_ratio_to_raw"] = ratio(
        ingest["embed_phase_chunks_per_s"], ingest["raw_embed"]["chunks_per_s"]
    )
    result["ingest"] = ingest

    if cfg.tune:
        say(cfg, "réglage : threads x taille de lot du modèle seul")
        result["tune"] = run_worker(
            cfg, "tune", {"index_dir": str(base_index), "known": str(work / "known.npz")}
        )

    say(cfg, "ré-ingestion sans changement")
    result["reingest"] = run_worker(cfg, "reingest", {"index_dir": str(base_index), "paths": corpus})

    say(
        cfg,
        f"latence des requêtes et réponses ({ingest['chunks']} passages ; LLM local : "
        f"{cfg.llm_questions} question(s) au plus)",
    )
    query = run_worker(
        cfg,
        "query",
        {
            "index_dir": str(base_index),
            "questions": questions,
            "limit": cfg.limit,
            "llm_questions": cfg.llm_questions,
            "llm_budget_s": cfg.llm_budget_s,
        },
    )
    result["query"] = query

    say(cfg, "pipeline llama-index par défaut (pair)")
    peer = run_worker(
        cfg,
        "peer",
        {"index_dir": str(work / "peer_unused"), "paths": corpus, "questions": questions, "limit": cfg.limit},
    )
    result["peer"] = {**peer, "ratios": peer_ratios(ingest, query, peer)}

    points = [scale_point(ingest["chunks"], query, None, ingest["chunks"])]
    if cfg.scales:
        ladder = ensure_scale_indexes(cfg, base_index, ingest["chunks"], work / "known.npz")
        for step in ladder:
            say(cfg, f"latence à l'échelle ~{step['target']} passages")
            q = run_worker(
                cfg,
                "query",
                {
                    "index_dir": str(step["index_dir"]),
                    "questions": questions,
                    "limit": cfg.limit,
                    "llm_questions": 0,
                },
                name=f"query_{step['target']}",
            )
            points.append(scale_point(q["chunks"], q, step["build"], ingest["chunks"]))
    result["scale"] = points
    result["targets"] = targets(result)
    result["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    return result
