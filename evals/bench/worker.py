"""One bench measurement in its own process, so that its peak memory is its own.

``python -m evals.bench_worker TASK ARGS.json RESULT.json`` runs ``TASK`` (one of
:data:`TASKS`) with the arguments in ``ARGS.json`` and writes a JSON result.
:mod:`evals.bench` starts these processes one after the other; they are not
meant to be run by hand, but can be, to repeat one measurement.

Memory figures come from ``/proc/self/status`` (``VmRSS``, and ``VmHWM`` for the
peak), reset between phases through ``/proc/self/clear_refs`` where the kernel
allows it; elsewhere the peak comes from ``getrusage`` and is never reset
(``peak_resettable`` says which).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

_T0 = time.time()

import assistant  # noqa: E402,F401  (offline environment first)


# -- memory --------------------------------------------------------------------------
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


# -- helpers -----------------------------------------------------------------------
def _settings(index_dir: str, **extra):
    from assistant.config import get_settings

    return get_settings(index_dir=Path(index_dir), **extra)


def _threads(args: dict) -> int:
    import torch

    if args.get("threads"):
        torch.set_num_threads(int(args["threads"]))
    return torch.get_num_threads()


def stats(values: list[float]) -> dict:
    """n, median, p95, mean and max of a list of milliseconds (None when empty)."""
    from evals.metrics import percentile

    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0, "p50": None, "p95": None, "mean": None, "max": None}
    return {"n": len(values), "p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
            "mean": round(sum(values) / len(values), 2), "max": round(max(values), 2)}


def dir_size_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
    return round(total / (1024 * 1024), 2)


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
    return {"documents": docs, "pages": pdf_pages + text_pages, "pdf_pages": pdf_pages,
            "text_pages_3000_chars": text_pages, "characters": chars}


def _passages(passages) -> list[dict]:
    return [{"source": p.source, "text": p.text} for p in passages]


# -- tasks ---------------------------------------------------------------------------
def task_ingest(args: dict) -> dict:
    """Full ingest of ``paths`` into an empty index (model preloaded), then the model alone on the same chunks."""
    from index.embeddings import make_embed_model
    from ingest.pipeline import IngestReport, Ingestor, collect_files

    threads = _threads(args)
    settings = _settings(args["index_dir"])
    t = time.perf_counter()
    model = make_embed_model(settings)
    model.get_text_embedding_batch(["passage de chauffe", "deuxième passage de chauffe"])
    load_s = time.perf_counter() - t
    rss_model = rss_mb()
    reset_peak()
    ingestor = Ingestor(settings, embed_model=model)
    paths = [Path(p) for p in args["paths"]]
    report = ingestor.run(paths, prune=False, progress=False)
    ingest_peak = peak_mb()
    files = collect_files(paths, IngestReport())
    pages = _pages(files)

    # the model alone on exactly the chunk texts the ingest embedded, same batch size and threads
    texts, known = [], {}
    for got in ingestor.store.iter_records(include=("documents", "embeddings")):
        for text, vector in zip(got["documents"], got["embeddings"]):
            texts.append(text)
            known[text] = vector
    st = model._model
    t = time.perf_counter()
    st.encode(texts, batch_size=model.embed_batch_size, prompt_name="text", normalize_embeddings=True)
    raw_s = time.perf_counter() - t
    if args.get("known_out"):
        import numpy as np

        np.savez(args["known_out"], texts=np.asarray(list(known), dtype=object),
                 vectors=np.asarray(list(known.values()), dtype=np.float32))
    n = report.chunks_written
    timings = report.timings
    return {
        "threads": threads, "embed_batch_size": model.embed_batch_size, "model_load_s": round(load_s, 2),
        "rss_after_model_mb": rss_model, "peak_rss_mb": ingest_peak,
        "files": len(report.files), "failed": [f.path for f in report.by_status("failed")],
        "chunks": n, **pages, "seconds": round(report.seconds, 3),
        "phases_s": {k: round(v, 3) for k, v in timings.items()},
        "other_s": round(report.seconds - sum(timings.values()), 3),
        "chunks_per_s": round(n / report.seconds, 2) if report.seconds else None,
        "pages_per_s": round(pages["pages"] / report.seconds, 2) if report.seconds else None,
        "embed_phase_chunks_per_s": round(n / timings["embed"], 2) if timings["embed"] else None,
        "raw_embed": {"chunks": len(texts), "seconds": round(raw_s, 3),
                      "chunks_per_s": round(len(texts) / raw_s, 2) if raw_s else None},
        "index_mb": dir_size_mb(Path(args["index_dir"])),
    }


def task_reingest(args: dict) -> dict:
    """Ingest the same paths again into the same index: nothing changed, nothing embedded."""
    from ingest.pipeline import Ingestor

    settings = _settings(args["index_dir"])
    t = time.perf_counter()
    report = Ingestor(settings).run([Path(p) for p in args["paths"]], prune=True, progress=False)
    seconds = time.perf_counter() - t
    return {"seconds_in_process": round(seconds, 3), "files": len(report.files),
            "skipped": len(report.by_status("skipped")), "chunks_written": report.chunks_written,
            "process_start_to_done_s": round(time.time() - float(args.get("spawned_at", _T0)), 3),
            "model_loaded": "index.embeddings" in sys.modules and _model_loaded(),
            "peak_rss_mb": peak_mb()}


def _model_loaded() -> bool:
    from index.embeddings import _load

    return _load.cache_info().currsize > 0


def _load_questions(files: list[str], limit: int | None) -> list[dict]:
    items = []
    for name in files:
        path = Path(name)
        if path.is_file():
            items += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return items[:limit] if limit else items


def task_query(args: dict) -> dict:
    """Start-up, idle memory, retrieval and answer latency over an existing index; optionally the local LLM."""
    from assistant.api import Assistant
    from evals import metrics as m
    from index.embeddings import clear_query_cache, query_cache_info

    threads = _threads(args)
    items = _load_questions(args["questions"], args.get("limit"))
    settings = _settings(args["index_dir"], llm="extractive")
    t = time.perf_counter()
    bot = Assistant(settings)
    _ = bot.embed_model
    retriever = bot.retriever
    _ = bot.vocabulary
    bot.ask("Quelles sont les priorités du contrat de ville ?", llm="extractive")  # warm-up, untimed
    startup_s = time.perf_counter() - t
    out: dict = {
        "threads": threads, "chunks": len(retriever.nodes), "questions": len(items),
        "startup_s": round(startup_s, 3),
        "process_start_to_ready_s": round(time.time() - float(args.get("spawned_at", _T0)), 3),
        "idle_rss_mb": rss_mb(), "peak_resettable": reset_peak(), "retrieval": {}, "answers": {},
        "index_mb": dir_size_mb(Path(args["index_dir"])),
    }
    answerable = [it for it in items if it.get("answerable")]
    for mode in args.get("modes", ["bm25", "dense", "hybrid"]):
        clear_query_cache(bot.embed_model)
        times, ev5, hit5 = [], [], []
        for it in items:
            t = time.perf_counter()
            passages = bot.retrieve(it["question"], k=10, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
            if it.get("answerable"):
                ranked = _passages(passages)
                ev5.append(m.evidence_at(it, ranked, 5))
                hit5.append(m.doc_hit(it, ranked, 5))
        out["retrieval"][mode] = {**stats(times), "evidence@5": _ratio(ev5), "doc_hit@5": _ratio(hit5),
                                  "answerable": len(answerable)}
    if "hybrid" in out["retrieval"]:  # the same questions again: query embeddings come from the cache
        times = []
        for it in items:
            t = time.perf_counter()
            bot.retrieve(it["question"], k=10, mode="hybrid")
            times.append((time.perf_counter() - t) * 1000)
        out["retrieval"]["hybrid_cached_query"] = {**stats(times), "cache": query_cache_info(bot.embed_model)}

    clear_query_cache(bot.embed_model)
    answered = []
    if args.get("extractive", True):
        ttft, total, abstained = [], [], 0
        for it in items:
            first, answer, t = None, None, time.perf_counter()
            for kind, value in bot.stream(it["question"], llm="extractive"):
                if kind == "delta" and first is None:
                    first = time.perf_counter() - t
                elif kind == "answer":
                    answer = value
            elapsed = time.perf_counter() - t
            total.append(elapsed * 1000)
            ttft.append((first if first is not None else elapsed) * 1000)
            abstained += bool(answer.abstained)
            if it.get("answerable") and not answer.abstained:
                answered.append(it)
        out["answers"]["extractive"] = {"total_ms": stats(total), "first_text_ms": stats(ttft),
                                        "abstained": abstained, "n": len(items)}
    out["peak_rss_answering_mb"] = peak_mb()

    n_llm = int(args.get("llm_questions") or 0)
    if n_llm:
        out["answers"]["local"] = _local_llm(bot, answered or answerable, n_llm, float(args.get("llm_budget_s", 300)))
        out["peak_rss_answering_local_mb"] = peak_mb()
    return out


def _ratio(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def _local_llm(bot, items: list[dict], n: int, budget_s: float) -> dict:
    """Time to first token and total time of the local backend on up to ``n`` questions within ``budget_s``."""
    from assistant.compose import build_messages
    from assistant.llm.base import BackendUnavailable

    t = time.perf_counter()
    try:
        backend = bot.backend("local")
    except BackendUnavailable as exc:
        return {"skipped": f"{type(exc).__name__}: {exc}"}
    load_s = time.perf_counter() - t
    rss_loaded = rss_mb()
    t = time.perf_counter()
    for _ in backend.stream(build_messages("Bonjour", []), max_tokens=1):  # loads the weights, caches the system prompt
        pass
    warm_s = time.perf_counter() - t
    reset_peak()
    rows, started = [], time.perf_counter()
    for it in items[:n]:
        if rows and time.perf_counter() - started > budget_s:
            break
        first, deltas, answer, t = None, 0, None, time.perf_counter()
        for kind, value in bot.stream(it["question"], llm="local"):
            if kind == "delta":
                deltas += 1
                if first is None:
                    first = time.perf_counter() - t
            elif kind == "answer":
                answer = value
        total = time.perf_counter() - t
        gen = total - (first or total)
        rows.append({"id": it.get("id"), "first_token_s": round(first, 2) if first is not None else None,
                     "total_s": round(total, 2), "deltas": deltas,
                     "deltas_per_s": round(deltas / gen, 2) if gen > 0 and deltas > 1 else None,
                     "abstained": bool(answer.abstained), "timings_ms": answer.timings_ms})
    first_ms = [r["first_token_s"] * 1000 for r in rows if r["first_token_s"] is not None]
    return {"n": len(rows), "asked_for": n, "budget_s": budget_s, "load_s": round(load_s, 2),
            "warmup_s": round(warm_s, 2), "rss_with_llm_mb": rss_loaded,
            "first_token_ms": stats(first_ms), "total_ms": stats([r["total_s"] * 1000 for r in rows]),
            "questions": rows}


def task_peer(args: dict) -> dict:
    """The llama-index default pipeline on the same files and questions (model preloaded, as for ours)."""
    from evals import metrics as m
    from evals.peer import LlamaIndexDefaultRetriever, peer_assistant
    from index.embeddings import clear_query_cache, make_embed_model
    from ingest.pipeline import IngestReport, collect_files

    threads = _threads(args)
    settings = _settings(args["index_dir"], llm="extractive")
    model = make_embed_model(settings)
    model.get_text_embedding_batch(["passage de chauffe", "deuxième passage de chauffe"])
    reset_peak()
    files = collect_files([Path(p) for p in args["paths"]], IngestReport())
    peer = LlamaIndexDefaultRetriever(files, model)
    out = {"threads": threads, "chunks": len(peer.nodes), "chunk_size": peer.chunk_size,
           "chunk_overlap": peer.chunk_overlap, "build_s": round(peer.build_seconds, 3),
           "build_peak_rss_mb": peak_mb()}
    items = _load_questions(args["questions"], args.get("limit"))
    bot = peer_assistant(settings, peer, model)
    bot.ask("Quelles sont les priorités du contrat de ville ?", llm="extractive")
    clear_query_cache(model)
    times, ev5 = [], []
    for it in items:
        t = time.perf_counter()
        hits = peer.retrieve(it["question"], k=10)
        times.append((time.perf_counter() - t) * 1000)
        if it.get("answerable"):
            ev5.append(m.evidence_at(it, [{"source": h.node.metadata.get("source", ""), "text": h.node.get_content()}
                                          for h in hits], 5))
    out["retrieval_dense"] = {**stats(times), "evidence@5": _ratio(ev5)}
    clear_query_cache(model)
    total = []
    for it in items:
        t = time.perf_counter()
        bot.ask(it["question"], llm="extractive", mode="dense")
        total.append((time.perf_counter() - t) * 1000)
    out["answers_extractive_ms"] = stats(total)
    out["idle_rss_mb"] = rss_mb()
    out["peak_rss_mb"] = peak_mb()
    return out


def task_build_scale(args: dict) -> dict:
    """Add synthetic files to an index that already holds the real corpus, in bulk, with composed embeddings.

    The pipeline's own loader, splitter and node builder (``Ingestor.build_nodes``)
    make the chunks; they are written 1,000 at a time and the index version is
    bumped once at the end. The per-file path of ``Ingestor.run`` (one Chroma
    write and two version writes per document) is what the real-corpus ingest
    measures; here it would only make the cached indexes slower to build.
    """
    import hashlib

    import numpy as np

    from evals.bench_embed import ComposedEmbedding, calibrate, pool_vectors
    from ingest.split import split_document
    from evals.synthetic import Generator
    from index.embeddings import make_embed_model
    from ingest import pipeline
    from ingest.loaders import load

    threads = _threads(args)
    settings = _settings(args["index_dir"])
    real = make_embed_model(settings)
    gen = Generator(int(args["seed"]), int(args["pool_size"]))
    vecs, pool_meta = pool_vectors(gen.pool, real, Path(args["cache_dir"]))
    known = {}
    if args.get("known") and Path(args["known"]).exists():
        data = np.load(args["known"], allow_pickle=True)
        known = dict(zip(data["texts"].tolist(), data["vectors"]))
    composed = ComposedEmbedding(real, gen.pool, vecs, known)
    sample = []  # chunks from 8 files across the increment, embedded for real to calibrate and check
    for name in args["paths"][:: max(1, len(args["paths"]) // 8)][:8]:
        chunks = split_document(load(Path(name)), settings.chunk_size, settings.chunk_overlap)
        sample += [c.text for c in chunks[1:4]]
    fit = calibrate(composed, real, sample[:24])
    hash_of = getattr(pipeline, "document_hash", None) or pipeline.file_hash
    ingestor = pipeline.Ingestor(settings, embed_model=composed)
    store = ingestor.store
    before = store.count()
    reset_peak()
    timings = {"load_split": 0.0, "embed": 0.0, "store": 0.0}
    pending, digests, written = [], set(), 0
    started = time.perf_counter()

    def flush():
        t = time.perf_counter()
        for i in range(0, len(pending), 1000):
            store.vector_store.add(pending[i:i + 1000])
        timings["store"] += time.perf_counter() - t
        pending.clear()

    for name in args["paths"]:
        path = Path(name)
        t0 = time.perf_counter()
        nodes, texts = ingestor.build_nodes(load(path), hash_of(path))
        t1 = time.perf_counter()
        vectors = composed.get_text_embedding_batch(texts)
        timings["load_split"] += t1 - t0
        timings["embed"] += time.perf_counter() - t1
        for node, vector in zip(nodes, vectors):
            node.embedding = vector
        digests.update(hashlib.sha1(t.encode("utf-8")).digest() for t in texts)
        written += len(nodes)
        pending.extend(nodes)
        if len(pending) >= 1000:
            flush()
    flush()
    store.version.bump()
    seconds = time.perf_counter() - started
    out = {"threads": threads, "pool": pool_meta, "files": len(args["paths"]), "chunks_written": written,
           "duplicate_chunks": written - len(digests), "chunks_before": before, "chunks_after": store.count(),
           "seconds": round(seconds, 2), "phases_s": {k: round(v, 2) for k, v in timings.items()},
           "chunks_per_s": round(written / seconds, 1) if seconds else None,
           "embedding": composed.stats, "peak_rss_mb": peak_mb(), "fidelity": fit}
    return out


def task_tune(args: dict) -> dict:
    """Passage throughput of the model alone for each (torch threads, batch size), on the same chunk texts."""
    import numpy as np
    import torch

    from index.embeddings import make_embed_model

    settings = _settings(args["index_dir"])
    model = make_embed_model(settings)
    st = model._model
    data = np.load(args["known"], allow_pickle=True)
    texts = data["texts"].tolist()[: int(args.get("n", 48))]
    st.encode(texts[:4], batch_size=4, prompt_name="text")
    rows = []
    for threads in args.get("thread_grid", [1, 2]):
        torch.set_num_threads(int(threads))
        for batch in args.get("batch_grid", [8, 16, 32, 64]):
            t = time.perf_counter()
            st.encode(texts, batch_size=int(batch), prompt_name="text", normalize_embeddings=True)
            seconds = time.perf_counter() - t
            rows.append({"threads": threads, "batch_size": batch, "chunks": len(texts),
                         "chunks_per_s": round(len(texts) / seconds, 2)})
    best = max(rows, key=lambda r: r["chunks_per_s"])
    return {"grid": rows, "best": best}


TASKS = {"tune": task_tune, "ingest": task_ingest, "reingest": task_reingest, "query": task_query, "peer": task_peer,
         "build_scale": task_build_scale}


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    task, args_path, out_path = argv
    args = json.loads(Path(args_path).read_text(encoding="utf-8"))
    import contextlib

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
    result["process_wall_s"] = round(time.time() - _T0, 2)
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
