"""The scale ladder's indexes: the real corpus grown with synthetic documents, cached between runs.

Each index is the previous one (the real corpus' index first) plus enough synthetic documents
(:mod:`evals.bench.synthetic`) to reach its size, built by the ``build_scale`` measurement
(:mod:`evals.bench.tasks_scale`) with composed embeddings (:mod:`evals.bench.composed`). The cache,
under ``<out>/cache``, is keyed by generator version, seed, pool size, model, chunking, real corpus
content and size; a cached index keeps the build figures of the run that built it (``cached: true``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from evals.bench.config import BenchConfig
from evals.bench.spawn import run_worker, say


def corpus_digest(paths: list[Path]) -> str:
    """A short fingerprint of the files an ingest of ``paths`` reads: their paths and contents."""
    from ingest.pipeline import IngestReport, collect_files, file_hash

    digest = hashlib.sha1()
    for path in sorted(collect_files(paths, IngestReport()), key=str):
        digest.update(f"{path}:{file_hash(path)}\n".encode())
    return digest.hexdigest()[:10]


def ensure_scale_indexes(cfg: BenchConfig, base_index: Path, base_chunks: int, known: Path) -> list[dict]:
    """Cached index folders for every size of the ladder, built (grown from the previous one) when missing."""
    from core.settings import get_settings
    from evals.bench.composed import model_tag
    from evals.bench.synthetic import Generator, corpus_key, write_chunks
    from index.embeddings import resolve_embed_model

    settings = get_settings()
    key = corpus_key(cfg.seed, cfg.pool_size)
    cache = cfg.out / "cache"
    docs_dir = cache / key / "docs"
    generator = None
    tag = "-".join(
        [
            key,
            model_tag(resolve_embed_model(settings)),
            corpus_digest(cfg.corpus),
            f"c{settings.chunk_size}o{settings.chunk_overlap}",
        ]
    )
    previous, prev_docs, prev_build = base_index, 0, 0.0
    ladder = []
    for target in sorted(cfg.scales):
        index_dir = cache / "indexes" / f"{tag}-t{target}"
        meta_path = index_dir / "bench_build.json"
        if meta_path.exists():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            meta["cached"] = True
            say(cfg, f"index de {target} passages : en cache ({index_dir.name})")
        else:
            generator = generator or Generator(cfg.seed, cfg.pool_size)
            t = time.perf_counter()
            paths, synthetic = write_chunks(docs_dir, max(target - base_chunks, 1), generator, settings)
            generate_s = time.perf_counter() - t
            say(
                cfg,
                f"construction de l'index de {target} passages ({len(paths)} documents synthétiques, "
                f"{synthetic} passages synthétiques)",
            )
            if index_dir.exists():
                shutil.rmtree(index_dir)
            shutil.copytree(previous, index_dir, ignore=shutil.ignore_patterns("bench_build.json"))
            result = run_worker(
                cfg,
                "build_scale",
                {
                    "index_dir": str(index_dir),
                    "paths": [str(p) for p in paths[prev_docs:]],
                    "seed": cfg.seed,
                    "pool_size": cfg.pool_size,
                    "cache_dir": str(cache / "pool"),
                    "known": str(known),
                },
                name=f"build_{target}",
            )
            meta = {
                "target_chunks": target,
                "synthetic_docs": len(paths),
                "synthetic_chunks": synthetic,
                "grown_from_docs": prev_docs,
                "generate_s": round(generate_s, 2),
                "increment": result,
                "build_s_cumulative": round(prev_build + result["seconds"], 2),
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "cached": False,
            }
            meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        ladder.append({"target": target, "index_dir": index_dir, "build": meta})
        previous, prev_docs, prev_build = index_dir, meta["synthetic_docs"], meta["build_s_cumulative"]
    return ladder
