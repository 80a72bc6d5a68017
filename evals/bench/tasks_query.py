"""Query measurements: start-up, retrieval and answer latency over an index (the local LLM on a few
questions), and the same on the llama-index default pipeline (the peer)."""

from __future__ import annotations

import time
from pathlib import Path

from evals.bench.process import (
    dir_size_mb,
    peak_mb,
    reset_peak,
    rss_mb,
    set_threads,
    settings,
    share,
    since_start,
)
from evals.stats import summary

WARM_UP = "Quelles sont les priorités du contrat de ville ?"


def _questions(files: list[str], limit: int | None) -> list[dict]:
    """The gold questions of every file, in order, the first ``limit`` of them."""
    from evals.quality.run import load_questions

    items = [item for name in files for item in load_questions(name)]
    return items[:limit] if limit else items


def _ranking(passages) -> list[dict]:
    return [{"source": p.source, "text": p.text} for p in passages]


def task_query(args: dict) -> dict:
    """Start-up, idle memory, retrieval and answer latency over an existing index; optionally the local
    LLM."""
    from assistant.pipeline import Assistant
    from evals.quality import metrics as m
    from index.embeddings import clear_query_cache, query_cache_info

    threads = set_threads(args)
    items = _questions(args["questions"], args.get("limit"))
    t = time.perf_counter()
    bot = Assistant(settings(args["index_dir"], llm="extractive"))
    _ = bot.embed_model
    retriever = bot.retriever
    _ = bot.vocabulary
    bot.ask(WARM_UP, llm="extractive")  # warm-up, untimed
    startup_s = time.perf_counter() - t
    out: dict = {
        "threads": threads,
        "chunks": len(retriever.nodes),
        "questions": len(items),
        "startup_s": round(startup_s, 3),
        "process_start_to_ready_s": since_start(args),
        "idle_rss_mb": rss_mb(),
        "peak_resettable": reset_peak(),
        "retrieval": {},
        "answers": {},
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
                ranked = _ranking(passages)
                ev5.append(m.evidence_at(it, ranked, 5))
                hit5.append(m.doc_hit(it, ranked, 5))
        out["retrieval"][mode] = {
            **summary(times),
            "evidence@5": share(ev5),
            "doc_hit@5": share(hit5),
            "answerable": len(answerable),
        }
    if "hybrid" in out["retrieval"]:  # the same questions again: query embeddings come from the cache
        times = []
        for it in items:
            t = time.perf_counter()
            bot.retrieve(it["question"], k=10, mode="hybrid")
            times.append((time.perf_counter() - t) * 1000)
        out["retrieval"]["hybrid_cached_query"] = {
            **summary(times),
            "cache": query_cache_info(bot.embed_model),
        }

    clear_query_cache(bot.embed_model)
    answered = []
    if args.get("extractive", True):
        out["answers"]["extractive"] = _extractive(bot, items, answered)
        out["answers"]["extractive_reader"] = _with_reader(bot, items)
    out["peak_rss_answering_mb"] = peak_mb()

    n_llm = int(args.get("llm_questions") or 0)
    if n_llm:
        budget_s = float(args.get("llm_budget_s", 300))
        out["answers"]["local"] = _local_llm(bot, answered or answerable, n_llm, budget_s)
        out["peak_rss_answering_local_mb"] = peak_mb()
    return out


def _extractive(bot, items: list[dict], answered: list[dict] | None = None) -> dict:
    """Extractive answers to every question, streamed as the chat does: total and first-text times."""
    from assistant.pipeline import Delta, Done

    ttft, total, abstained = [], [], 0
    for it in items:
        first, answer, t = None, None, time.perf_counter()
        for event in bot.stream(it["question"], llm="extractive"):
            if isinstance(event, Delta) and first is None:
                first = time.perf_counter() - t
            elif isinstance(event, Done):
                answer = event.answer
        elapsed = time.perf_counter() - t
        total.append(elapsed * 1000)
        ttft.append((first if first is not None else elapsed) * 1000)
        abstained += bool(answer.abstained)
        if answered is not None and it.get("answerable") and not answer.abstained:
            answered.append(it)
    return {
        "total_ms": summary(total),
        "first_text_ms": summary(ttft),
        "abstained": abstained,
        "n": len(items),
    }


def _with_reader(bot, items: list[dict]) -> dict:
    """The same answers with the trained reader choosing the sentences (``sentence_ranker=reader``),
    after one untimed warm-up that loads it; what it adds is read against ``extractive``."""
    from assistant.reader import DELTA_FILE

    if not DELTA_FILE.exists():
        return {"missing": f"{DELTA_FILE} absent : lancer scripts/train_reader.py"}
    default = bot.settings
    bot.settings = default.model_copy(update={"sentence_ranker": "reader"})
    try:
        bot.ask(WARM_UP, llm="extractive")
        return _extractive(bot, items)
    finally:
        bot.settings = default


def _local_llm(bot, items: list[dict], n: int, budget_s: float) -> dict:
    """Time to first token and total time of the local backend on up to ``n`` questions within
    ``budget_s``."""
    from assistant.llm.base import BackendUnavailable
    from assistant.pipeline import Delta, Done
    from assistant.prompting import answer_messages

    t = time.perf_counter()
    try:
        backend = bot.backend("local")
    except BackendUnavailable as exc:
        return {"skipped": f"{type(exc).__name__}: {exc}"}
    load_s = time.perf_counter() - t
    rss_loaded = rss_mb()
    t = time.perf_counter()
    # loads the weights, caches the system prompt
    for _ in backend.stream(answer_messages("Bonjour", []), max_tokens=1):
        pass
    warm_s = time.perf_counter() - t
    reset_peak()
    rows, started = [], time.perf_counter()
    for it in items[:n]:
        if rows and time.perf_counter() - started > budget_s:
            break
        first, deltas, answer, t = None, 0, None, time.perf_counter()
        for event in bot.stream(it["question"], llm="local"):
            if isinstance(event, Delta):
                deltas += 1
                if first is None:
                    first = time.perf_counter() - t
            elif isinstance(event, Done):
                answer = event.answer
        total = time.perf_counter() - t
        gen = total - (first or total)
        rows.append(
            {
                "id": it.get("id"),
                "first_token_s": round(first, 2) if first is not None else None,
                "total_s": round(total, 2),
                "deltas": deltas,
                "deltas_per_s": round(deltas / gen, 2) if gen > 0 and deltas > 1 else None,
                "abstained": bool(answer.abstained),
                "timings_ms": answer.timings_ms,
            }
        )
    first_ms = [r["first_token_s"] * 1000 for r in rows if r["first_token_s"] is not None]
    return {
        "n": len(rows),
        "asked_for": n,
        "budget_s": budget_s,
        "load_s": round(load_s, 2),
        "warmup_s": round(warm_s, 2),
        "rss_with_llm_mb": rss_loaded,
        "first_token_ms": summary(first_ms),
        "total_ms": summary([r["total_s"] * 1000 for r in rows]),
        "questions": rows,
    }


def task_peer(args: dict) -> dict:
    """The llama-index default pipeline on the same files and questions (model preloaded, as for ours)."""
    from core.types import Passage
    from evals.peer import LlamaIndexDefaultRetriever, peer_assistant
    from evals.quality import metrics as m
    from index.embeddings import clear_query_cache, make_embed_model
    from ingest.pipeline import IngestReport, collect_files

    threads = set_threads(args)
    cfg = settings(args["index_dir"], llm="extractive")
    model = make_embed_model(cfg)
    model.get_text_embedding_batch(["passage de chauffe", "deuxième passage de chauffe"])
    reset_peak()
    files = collect_files([Path(p) for p in args["paths"]], IngestReport())
    peer = LlamaIndexDefaultRetriever(files, model)
    out = {
        "threads": threads,
        "chunks": len(peer.nodes),
        "chunk_size": peer.chunk_size,
        "chunk_overlap": peer.chunk_overlap,
        "build_s": round(peer.build_seconds, 3),
        "build_peak_rss_mb": peak_mb(),
    }
    items = _questions(args["questions"], args.get("limit"))
    bot = peer_assistant(cfg, peer, model)
    bot.ask(WARM_UP, llm="extractive")
    clear_query_cache(model)
    times, ev5 = [], []
    for it in items:
        t = time.perf_counter()
        hits = peer.retrieve(it["question"], k=10)
        times.append((time.perf_counter() - t) * 1000)
        if it.get("answerable"):
            ev5.append(m.evidence_at(it, _ranking(Passage.from_node(h) for h in hits), 5))
    out["retrieval_dense"] = {**summary(times), "evidence@5": share(ev5)}
    clear_query_cache(model)
    total = []
    for it in items:
        t = time.perf_counter()
        bot.ask(it["question"], llm="extractive", mode="dense")
        total.append((time.perf_counter() - t) * 1000)
    out["answers_extractive_ms"] = summary(total)
    out["idle_rss_mb"] = rss_mb()
    out["peak_rss_mb"] = peak_mb()
    return out
