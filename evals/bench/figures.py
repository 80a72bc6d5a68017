"""Figures derived from the measurements: ratios to the peer, one row per scale, the issue's targets."""

from __future__ import annotations

import re

from evals.bench.config import SEEDS_CHUNKS


def ratio(a, b) -> float | None:
    return round(a / b, 3) if a and b else None


def peer_ratios(ingest: dict, query: dict, peer: dict) -> dict:
    """Peer / ours: above 1 means the llama-index default is slower (or bigger) than the assistant."""
    r = query["retrieval"]
    ours_answer = query["answers"].get("extractive", {}).get("total_ms", {})
    return {
        "ingest_time": ratio(peer["build_s"], ingest["seconds"]),
        "ingest_time_note": "llama-index default build (read + split + embed, in memory) / our full ingest "
        "(model loaded beforehand in both)",
        "query_p50_vs_hybrid": ratio(peer["retrieval_dense"]["p50"], r.get("hybrid", {}).get("p50")),
        "query_p95_vs_hybrid": ratio(peer["retrieval_dense"]["p95"], r.get("hybrid", {}).get("p95")),
        "query_p50_vs_dense": ratio(peer["retrieval_dense"]["p50"], r.get("dense", {}).get("p50")),
        "extractive_answer_p50": ratio(peer["answers_extractive_ms"]["p50"], ours_answer.get("p50")),
        "extractive_answer_p95": ratio(peer["answers_extractive_ms"]["p95"], ours_answer.get("p95")),
        "evidence@5": {
            "peer_dense": peer["retrieval_dense"].get("evidence@5"),
            "ours_hybrid": r.get("hybrid", {}).get("evidence@5"),
        },
    }


def scale_point(chunks: int, q: dict, build: dict | None, base_chunks: int) -> dict:
    """One row of the scale table; ``x_base``: size relative to the real corpus ingested first (1x)."""
    r = q["retrieval"]
    ans = q["answers"].get("extractive", {})
    return {
        "chunks": chunks,
        "x_base": round(chunks / max(base_chunks, 1), 1),
        "x_seeds": round(chunks / SEEDS_CHUNKS, 1),
        "synthetic": build is not None,
        "startup_s": q["startup_s"],
        "process_start_to_ready_s": q["process_start_to_ready_s"],
        "idle_rss_mb": q["idle_rss_mb"],
        "peak_rss_answering_mb": q["peak_rss_answering_mb"],
        "index_mb": q["index_mb"],
        "index_mb_per_1000_chunks": round(q["index_mb"] * 1000 / max(chunks, 1), 2),
        "retrieval_ms": {mode: {k: r[mode][k] for k in ("p50", "p95", "mean", "n")} for mode in r},
        "evidence@5": {mode: r[mode].get("evidence@5") for mode in r if "evidence@5" in r[mode]},
        "extractive_ms": {k: ans.get("total_ms", {}).get(k) for k in ("p50", "p95")},
        "build": build,
    }


RETRIEVAL_P95_MS = 150.0  # hybrid retrieval at the largest scale
IDLE_RSS_MB = 1536.0  # the server idle, without the LLM
TARGETS = [
    ("ingest >= 80 % of the raw embedding throughput", "ingest.ratio_to_raw_embedding", ">=", 0.8),
    ("no-change re-ingest of the corpus < 2 s (in process)", "reingest.seconds_in_process", "<", 2.0),
    (
        "retrieval p95 < 150 ms at the largest scale (hybrid)",
        "scale[-1].retrieval_ms.hybrid.p95",
        "<",
        RETRIEVAL_P95_MS,
    ),
    ("extractive answer p95 < 300 ms", "query.answers.extractive.total_ms.p95", "<", 300.0),
    ("local LLM first token < 8 s (p95)", "query.answers.local.first_token_ms.p95", "<", 8000.0),
    ("local LLM whole answer < 25 s (p95)", "query.answers.local.total_ms.p95", "<", 25000.0),
    ("server idle memory < 1.5 GB without the LLM", "query.idle_rss_mb", "<", IDLE_RSS_MB),
]
_PATH_PART = re.compile(r"[^.\[\]]+|\[-?\d+\]")


def _get(data, path: str):
    for part in _PATH_PART.findall(path):
        if data is None:
            return None
        if part.startswith("["):
            index = int(part[1:-1])
            data = data[index] if isinstance(data, list) and data else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def targets(result: dict) -> list[dict]:
    rows = []
    for label, path, op, limit in TARGETS:
        value = _get(result, path)
        met = None if value is None else (value >= limit if op == ">=" else value < limit)
        rows.append({"target": label, "value": value, "limit": f"{op} {limit:g}", "met": met, "path": path})
    return rows
