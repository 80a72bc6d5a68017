"""Ingest measurements: a full ingest and the model alone on the same chunks, a no-change re-ingest,
and the model's throughput for each (threads, batch size)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from evals.bench.process import dir_size_mb, peak_mb, reset_peak, rss_mb, set_threads, settings, since_start


def _pages(paths: list[Path]) -> dict:
    """Pages of the corpus: PDF pages, and one page per 3,000 characters for the other formats."""
    from ingest.loaders import LoadError, load

    pdf_pages = text_pages = chars = docs = 0
    for path in paths:
        try:
            doc = load(path)
        except LoadError:
            continue
        docs += 1
        chars += len(doc.text)
        if path.suffix.lower() == ".pdf":
            pdf_pages += len(doc.pages)
        else:
            text_pages += max(1, -(-len(doc.text) // 3000))
    return {
        "documents": docs,
        "pages": pdf_pages + text_pages,
        "pdf_pages": pdf_pages,
        "text_pages_3000_chars": text_pages,
        "characters": chars,
    }


def task_ingest(args: dict) -> dict:
    """Full ingest of ``paths`` into an empty index (model preloaded), then the model alone on the same
    chunks."""
    from evals.bench.composed import encode_passages
    from index.embeddings import make_embed_model
    from index.ingestor import Ingestor
    from ingest.pipeline import IngestReport, collect_files

    threads = set_threads(args)
    cfg = settings(args["index_dir"])
    t = time.perf_counter()
    model = make_embed_model(cfg)
    model.get_text_embedding_batch(["passage de chauffe", "deuxième passage de chauffe"])
    load_s = time.perf_counter() - t
    rss_model = rss_mb()
    reset_peak()
    ingestor = Ingestor(cfg, embed_model=model)
    paths = [Path(p) for p in args["paths"]]
    report = ingestor.run(paths, prune=False, progress=False)
    ingest_peak = peak_mb()
    files = collect_files(paths, IngestReport())
    pages = _pages(files)

    # the model alone on exactly the chunk texts the ingest embedded, same batch size and threads
    texts, known = [], {}
    for got in ingestor.store.iter_records(include=("documents", "embeddings")):
        for text, vector in zip(got["documents"], got["embeddings"], strict=True):
            texts.append(text)
            known[text] = vector
    t = time.perf_counter()
    encode_passages(model, texts)
    raw_s = time.perf_counter() - t
    if args.get("known_out"):
        import numpy as np

        np.savez(
            args["known_out"],
            texts=np.asarray(list(known), dtype=object),
            vectors=np.asarray(list(known.values()), dtype=np.float32),
        )
    n = report.chunks_written
    timings = report.timings
    return {
        "threads": threads,
        "embed_batch_size": model.embed_batch_size,
        "model_load_s": round(load_s, 2),
        "rss_after_model_mb": rss_model,
        "peak_rss_mb": ingest_peak,
        "files": len(report.files),
        "failed": [f.path for f in report.by_status("failed")],
        "chunks": n,
        **pages,
        "seconds": round(report.seconds, 3),
        "phases_s": {k: round(v, 3) for k, v in timings.items()},
        "other_s": round(report.seconds - sum(timings.values()), 3),
        "chunks_per_s": round(n / report.seconds, 2) if report.seconds else None,
        "pages_per_s": round(pages["pages"] / report.seconds, 2) if report.seconds else None,
        "embed_phase_chunks_per_s": round(n / timings["embed"], 2) if timings["embed"] else None,
        "raw_embed": {
            "chunks": len(texts),
            "seconds": round(raw_s, 3),
            "chunks_per_s": round(len(texts) / raw_s, 2) if raw_s else None,
        },
        "index_mb": dir_size_mb(Path(args["index_dir"])),
    }


def task_reingest(args: dict) -> dict:
    """Ingest the same paths again into the same index: nothing changed, nothing embedded."""
    from index.ingestor import Ingestor

    cfg = settings(args["index_dir"])
    t = time.perf_counter()
    report = Ingestor(cfg).run([Path(p) for p in args["paths"]], prune=True, progress=False)
    seconds = time.perf_counter() - t
    return {
        "seconds_in_process": round(seconds, 3),
        "files": len(report.files),
        "skipped": len(report.by_status("skipped")),
        "chunks_written": report.chunks_written,
        "process_start_to_done_s": since_start(args),
        "model_loaded": "index.embeddings" in sys.modules and _model_loaded(),
        "peak_rss_mb": peak_mb(),
    }


def _model_loaded() -> bool:
    from index.embeddings import models_loaded

    return models_loaded() > 0


def task_tune(args: dict) -> dict:
    """Passage throughput of the model alone for each (torch threads, batch size), on the same chunk texts."""
    import numpy as np
    import torch

    from evals.bench.composed import encode_passages
    from index.embeddings import make_embed_model

    model = make_embed_model(settings(args["index_dir"]))
    data = np.load(args["known"], allow_pickle=True)
    texts = data["texts"].tolist()[: int(args.get("n", 48))]
    encode_passages(model, texts[:4], batch_size=4)
    rows = []
    for threads in args.get("thread_grid", [1, 2]):
        torch.set_num_threads(int(threads))
        for batch in args.get("batch_grid", [8, 16, 32, 64]):
            t = time.perf_counter()
            encode_passages(model, texts, batch_size=int(batch))
            seconds = time.perf_counter() - t
            rows.append(
                {
                    "threads": threads,
                    "batch_size": batch,
                    "chunks": len(texts),
                    "chunks_per_s": round(len(texts) / seconds, 2),
                }
            )
    best = max(rows, key=lambda r: r["chunks_per_s"])
    return {"grid": rows, "best": best}
