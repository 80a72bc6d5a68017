"""``assistant bench --quick``: it completes and writes well-formed outputs (never asserts timings).

Plus fast checks of the pieces the bench relies on: the synthetic corpus
generator (deterministic, varied, no repeated chunk), the composed embeddings
of the scale indexes, and the query-embedding cache of ``index.embeddings``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- the smoke run ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def quick_bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "ui.cli", "bench", "--quick", "--out", str(out), "--llm-questions", "1"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, (
        f"bench failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    )
    return out, proc


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


# The module fixture runs the whole quick bench (a local LLM answer included) during the first
# test's setup: ~6 min on an idle 2-core machine, over 15 min when other test runs share it, so
# these two tests get more than the project's 900 s default (the run itself is capped at 1,500 s).
@pytest.mark.timeout(1700)
def test_quick_bench_writes_json_with_every_section(quick_bench):
    out, proc = quick_bench
    data = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    meta = data["meta"]
    assert meta["quick"] is True and meta["command"].startswith("assistant bench")
    assert meta["machine"]["cores"] >= 1 and meta["machine"]["cpu_model"] and meta["date"]

    ing = data["ingest"]
    assert ing["chunks"] > 0 and ing["documents"] > 0 and ing["pages"] > 0
    assert set(ing["phases_s"]) >= {"load_split", "embed", "store"}
    for key in ("seconds", "chunks_per_s", "pages_per_s", "peak_rss_mb", "index_mb", "model_load_s"):
        assert _number(ing[key]), key
    assert ing["raw_embed"]["chunks"] == ing["chunks"] and _number(ing["raw_embed"]["chunks_per_s"])
    assert _number(ing["ratio_to_raw_embedding"])

    re_ = data["reingest"]
    assert re_["chunks_written"] == 0 and re_["skipped"] == re_["files"] > 0
    assert _number(re_["seconds_in_process"])

    q = data["query"]
    assert q["questions"] >= 10 and q["chunks"] == ing["chunks"]
    for mode in ("bm25", "dense", "hybrid"):
        row = q["retrieval"][mode]
        assert (
            row["n"] == q["questions"]
            and _number(row["p50"])
            and _number(row["p95"])
            and row["p95"] >= row["p50"]
        )
        assert 0 <= row["evidence@5"] <= 1
    assert q["retrieval"]["hybrid_cached_query"]["cache"]["hits"] >= q["questions"]
    ext = q["answers"]["extractive"]
    assert (
        ext["n"] == q["questions"]
        and _number(ext["total_ms"]["p95"])
        and _number(ext["first_text_ms"]["p50"])
    )
    read = q["answers"]["extractive_reader"]  # measured, or says which script makes the weights
    assert ("train_reader.py" in read["missing"]) if "missing" in read else read["n"] == q["questions"]
    local = q["answers"]["local"]
    assert local.get("skipped") or (
        local["n"] >= 1 and _number(local["first_token_ms"]["p50"]) and _number(local["total_ms"]["p50"])
    )
    for key in ("idle_rss_mb", "peak_rss_answering_mb", "startup_s"):
        assert _number(q[key]) and q[key] > 0, key

    peer = data["peer"]
    assert peer["chunks"] > 0 and _number(peer["build_s"])
    assert _number(peer["ratios"]["ingest_time"]) and _number(peer["ratios"]["query_p50_vs_hybrid"])

    scale = data["scale"]
    assert len(scale) >= 2
    assert [p["chunks"] for p in scale] == sorted(p["chunks"] for p in scale) and scale[-1]["chunks"] > scale[
        0
    ]["chunks"]
    synthetic = scale[-1]
    assert synthetic["synthetic"] and synthetic["build"]["increment"]["duplicate_chunks"] == 0
    assert synthetic["build"]["increment"]["embedding"]["composed"] > 0
    assert 0 < synthetic["build"]["increment"]["fidelity"]["mean_cosine"] <= 1.0001
    for point in scale:
        assert _number(point["retrieval_ms"]["hybrid"]["p95"]) and _number(point["idle_rss_mb"])
        assert _number(point["index_mb_per_1000_chunks"])

    assert len(data["targets"]) == 7 and all(set(t) >= {"target", "value", "met"} for t in data["targets"])
    assert "bench.json" in proc.stdout and "bench.md" in proc.stdout


@pytest.mark.timeout(1700)
def test_quick_bench_writes_markdown_and_plots(quick_bench):
    out, _ = quick_bench
    md = (out / "bench.md").read_text(encoding="utf-8")
    for heading in ("## Targets", "## Ingestion", "## Query latency", "## Memory", "## Peer", "## Scale"):
        assert heading in md
    assert md.count("\n|") > 30  # the tables are there
    assert "retrieval hybrid" in md and "No-change re-ingest" in md
    for name in ("latency_vs_size.png", "memory_vs_size.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, name


# -- pieces, no model needed -------------------------------------------------------------
def test_synthetic_corpus_is_deterministic_varied_and_never_repeats_a_chunk(tmp_path):
    from evals.bench.synthetic import Generator, chunk_stats, write_corpus

    a = write_corpus(tmp_path / "a", 12, generator=Generator(seed=1, pool_size=300))
    b = write_corpus(tmp_path / "b", 12, generator=Generator(seed=1, pool_size=300))
    c = write_corpus(tmp_path / "c", 3, generator=Generator(seed=2, pool_size=300))
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes() != c[0].read_bytes()
    stats = chunk_stats(a)
    assert stats["chunks"] > 100 and stats["duplicate_chunks"] == 0
    text = "\n".join(p.read_text(encoding="utf-8") for p in a)
    assert text.count("kind: ") == 12
    assert " à le " not in text and " de les " not in text


def test_composed_embedding_is_the_weighted_mean_of_known_sentences():
    from evals.bench.composed import ComposedEmbedding

    pool = ["Le contrat de ville est signé.", "Les habitants participent aux ateliers du quartier."]
    vecs = np.eye(2, 4, dtype=np.float32)

    class Real:
        def get_text_embedding(self, text):
            return [0.0, 0.0, 0.0, 1.0]

        def get_query_embedding(self, text):
            return [0.0, 0.0, 1.0, 0.0]

    model = ComposedEmbedding(Real(), pool, vecs, known={"déjà vu": [0.5, 0.5, 0.5, 0.5]})
    v = np.asarray(model.get_text_embedding(" ".join(pool)))
    w = np.array([len(pool[0]), len(pool[1])], dtype=np.float32)
    expected = np.concatenate([w, [0, 0]]) / np.linalg.norm(w)
    assert np.allclose(v, expected, atol=1e-5)
    assert model.get_text_embedding("déjà vu") == [0.5, 0.5, 0.5, 0.5]
    assert model.get_text_embedding("Un texte inconnu.") == [0.0, 0.0, 0.0, 1.0]
    assert model.get_query_embedding("question") == [0.0, 0.0, 1.0, 0.0]
    assert model.stats == {"known": 1, "composed": 1, "fallbacks": 1, "uncovered_chars": 1}


def test_query_cache_is_a_bounded_lru_with_counts():
    from index.embeddings import QueryCache

    cache = QueryCache(maxsize=2)
    assert cache.get("a") is None
    cache.put("a", [1.0])
    cache.put("b", [2.0])
    assert cache.get("a") == [1.0]  # "a" becomes the most recent
    cache.put("c", [3.0])  # evicts "b"
    assert cache.get("b") is None and cache.get("c") == [3.0]
    assert cache.info() == {"size": 2, "maxsize": 2, "hits": 2, "misses": 2}
    cache.clear()
    assert cache.info()["size"] == 0
    off = QueryCache(maxsize=0)
    off.put("a", [1.0])
    assert off.get("a") is None
