"""Scale measurement: synthetic files added in bulk, with composed embeddings, to a real index."""

from __future__ import annotations

import time
from pathlib import Path

from evals.bench.process import peak_mb, reset_peak, set_threads, settings


def task_build_scale(args: dict) -> dict:
    """Add synthetic files to an index that already holds the real corpus, in bulk, with composed embeddings.

    The pipeline's own loader, splitter and node builder (``Ingestor.nodes_for``)
    make the chunks; they are written 1,000 at a time and the index version is
    bumped once at the end. The per-file path of ``Ingestor.run`` (one Chroma
    write and two version writes per document) is what the real-corpus ingest
    measures; here it would only make the cached indexes slower to build.
    """
    import hashlib

    import numpy as np

    from evals.bench.composed import ComposedEmbedding, calibrate, pool_vectors
    from evals.bench.synthetic import Generator
    from index.embeddings import make_embed_model
    from index.ingestor import Ingestor
    from ingest.loaders import load
    from ingest.split import split_document

    threads = set_threads(args)
    cfg = settings(args["index_dir"])
    real = make_embed_model(cfg)
    gen = Generator(int(args["seed"]), int(args["pool_size"]))
    vecs, pool_meta = pool_vectors(gen.pool, real, Path(args["cache_dir"]))
    known = {}
    if args.get("known") and Path(args["known"]).exists():
        data = np.load(args["known"], allow_pickle=True)
        known = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    composed = ComposedEmbedding(real, gen.pool, vecs, known)
    sample = []  # chunks from 8 files across the increment, embedded for real to calibrate and check
    for name in args["paths"][:: max(1, len(args["paths"]) // 8)][:8]:
        chunks = split_document(load(Path(name)), cfg)
        sample += [c.text for c in chunks[1:4]]
    fit = calibrate(composed, real, sample[:24])
    ingestor = Ingestor(cfg, embed_model=composed)
    store = ingestor.store
    before = store.count()
    reset_peak()
    timings = {"load_split": 0.0, "embed": 0.0, "store": 0.0}
    pending, digests, written = [], set(), 0
    started = time.perf_counter()

    def flush():
        t = time.perf_counter()
        store.add(pending, batch_size=1000)
        timings["store"] += time.perf_counter() - t
        pending.clear()

    for name in args["paths"]:
        path = Path(name)
        t0 = time.perf_counter()
        nodes = ingestor.nodes_for(path)
        texts = [node.get_content() for node in nodes]
        t1 = time.perf_counter()
        vectors = composed.get_text_embedding_batch(texts)
        timings["load_split"] += t1 - t0
        timings["embed"] += time.perf_counter() - t1
        for node, vector in zip(nodes, vectors, strict=True):
            node.embedding = vector
        digests.update(hashlib.sha1(t.encode("utf-8")).digest() for t in texts)
        written += len(nodes)
        pending.extend(nodes)
        if len(pending) >= 1000:
            flush()
    flush()
    store.version.bump()
    seconds = time.perf_counter() - started
    return {
        "threads": threads,
        "pool": pool_meta,
        "files": len(args["paths"]),
        "chunks_written": written,
        "duplicate_chunks": written - len(digests),
        "chunks_before": before,
        "chunks_after": store.count(),
        "seconds": round(seconds, 2),
        "phases_s": {k: round(v, 2) for k, v in timings.items()},
        "chunks_per_s": round(written / seconds, 1) if seconds else None,
        "embedding": composed.stats,
        "peak_rss_mb": peak_mb(),
        "fidelity": fit,
    }
