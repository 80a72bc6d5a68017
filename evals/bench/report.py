"""Outputs of ``assistant bench``: ``bench.json``, ``bench.md`` and PNG plots versus corpus size."""

from __future__ import annotations

import json
from pathlib import Path

from evals.bench.figures import IDLE_RSS_MB, RETRIEVAL_P95_MS

PLOTS = {"latency": "latency_vs_size.png", "memory": "memory_vs_size.png"}


def _f(value, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (int, float)):
        text = f"{value:,.{digits}f}".replace(",", " ")
        return f"{text}{unit}"
    return str(value)


def write_outputs(result: dict, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "bench.json", "markdown": out / "bench.md"}
    paths.update(write_plots(result, out))
    result["outputs"] = {k: str(v) for k, v in paths.items()}
    paths["json"].write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    paths["markdown"].write_text(markdown(result), encoding="utf-8")
    return paths


def _s(value, digits: int = 2) -> str:
    return _f(value, digits, " s")


def _ms(value, digits: int = 1) -> str:
    return _f(value, digits, " ms")


def _mb(value, digits: int = 0) -> str:
    return _f(value, digits, " MB")


def markdown(result: dict) -> str:
    lines = ["# Bench: ingestion, latency, memory, scale", ""]
    lines += _head(result) + _ingestion(result) + _queries(result) + _memory(result) + _peer(result)
    lines += _scale(result)
    lines += ["", "Plots: " + ", ".join(f"`{name}`" for name in PLOTS.values()), ""]
    return "\n".join(lines)


def _head(result: dict) -> list[str]:
    meta, machine = result["meta"], result["meta"]["machine"]
    quick = " (quick mode: smoke figures)" if meta["quick"] else ""
    lines = [
        f"- Command: `{meta.get('command') or 'assistant bench'}`" + quick,
        f"- Date (UTC): {meta['date']}; duration {_f(meta.get('seconds'), 0, ' s')}; "
        f"code {meta.get('git') or '?'}",
        f"- Machine: {machine['cores']} cores, {machine['cpu_model']}, "
        f"{_f(machine['memory_gb'], 0, ' GB')} RAM; "
        f"load average at start {machine.get('load_average_at_start')}; "
        f"torch threads {result['ingest'].get('threads')}",
        "",
        "## Targets",
        "",
        "| Target | Measured | Limit | Met |",
        "|---|---|---|---|",
    ]
    for row in result.get("targets", []):
        value = row["value"]
        digits = 3 if isinstance(value, float) and value < 10 else 0
        lines.append(f"| {row['target']} | {_f(value, digits)} | {row['limit']} | {_f(row['met'])} |")
    return lines


def _ingestion(result: dict) -> list[str]:
    ing, re_ = result["ingest"], result["reingest"]
    raw, ph = ing["raw_embed"], ing["phases_s"]
    per_1000 = ing["index_mb"] * 1000 / max(ing["chunks"], 1)
    lines = [
        "",
        "## Ingestion",
        "",
        f"Corpus: {ing['documents']} documents, {ing['pages']} pages (PDF pages, other formats one page per "
        f"3,000 characters), {ing['chunks']} chunks; embedding model loaded beforehand in "
        f"{_s(ing['model_load_s'], 1)}; batch size {ing['embed_batch_size']}.",
        "",
        "| Measure | Value |",
        "|---|---|",
        f"| Full ingest | {_s(ing['seconds'])} — {_f(ing['chunks_per_s'], 1)} chunks/s, "
        f"{_f(ing['pages_per_s'], 2)} pages/s |",
        f"| load + clean + split | {_s(ph.get('load_split'))} |",
        f"| embed | {_s(ph.get('embed'))} ({_f(ing['embed_phase_chunks_per_s'], 1)} chunks/s) |",
        f"| store (Chroma) | {_s(ph.get('store'))} |",
        f"| other (file listing, hashing, version) | {_s(ing.get('other_s'))} |",
        f"| Model alone on the same chunks | {_s(raw['seconds'])} — {_f(raw['chunks_per_s'], 1)} chunks/s |",
        f"| Ingest / raw embedding throughput | {_f(ing['ratio_to_raw_embedding'], 2)} "
        f"(embed phase alone: {_f(ing['embed_phase_ratio_to_raw'], 2)}) |",
        f"| No-change re-ingest | {_s(re_['seconds_in_process'])} in process; "
        f"{_s(re_['process_start_to_done_s'])} from process start (imports included); "
        f"{re_['skipped']}/{re_['files']} files skipped, model loaded: {_f(re_['model_loaded'])} |",
        f"| Peak memory of the ingest | {_mb(ing['peak_rss_mb'])} |",
        f"| Index size on disk | {_mb(ing['index_mb'], 1)} ({_mb(per_1000, 1)} per 1,000 chunks) |",
    ]
    tune = result.get("tune")
    if tune:
        batches = sorted({r["batch_size"] for r in tune["grid"]})
        lines += [
            "",
            f"Model alone on {tune['grid'][0]['chunks']} of these chunks, chunks/s by torch "
            f"threads (rows) and batch size (columns):",
            "",
            "| threads | " + " | ".join(f"batch {b}" for b in batches) + " |",
            "|---|" + "---|" * len(batches),
        ]
        for threads in sorted({r["threads"] for r in tune["grid"]}):
            cells = sorted(
                (r for r in tune["grid"] if r["threads"] == threads), key=lambda r: r["batch_size"]
            )
            lines.append(f"| {threads} | " + " | ".join(_f(r["chunks_per_s"], 1) for r in cells) + " |")
    return lines


def _local(result: dict) -> dict | None:
    """The local LLM's figures, None when it was not asked or was skipped."""
    loc = result["query"]["answers"].get("local")
    return loc if loc and not loc.get("skipped") else None


def _queries(result: dict) -> list[str]:
    q = result["query"]
    lines = [
        "",
        "## Query latency",
        "",
        f"{q['questions']} questions, index of {q['chunks']} chunks; start-up (model, BM25, vocabulary, "
        f"one warm-up answer) {_s(q['startup_s'])}, {_s(q['process_start_to_ready_s'])} from process start. "
        "Each retrieval pass starts with an empty query-embedding cache.",
        "",
        "| Measure | median | p95 | quality |",
        "|---|---|---|---|",
    ]
    for mode, row in q["retrieval"].items():
        if row.get("evidence@5") is not None:
            quality = f"evidence@5 {_f(row.get('evidence@5'), 2)}, doc hit@5 {_f(row.get('doc_hit@5'), 2)}"
        else:
            quality = "cache " + json.dumps(row.get("cache")) if row.get("cache") else ""
        label = "hybrid, query embedding cached" if mode == "hybrid_cached_query" else f"retrieval {mode}"
        lines.append(f"| {label} | {_ms(row['p50'])} | {_ms(row['p95'])} | {quality} |")
    ext = q["answers"].get("extractive")
    if ext:
        lines.append(
            f"| answer extractive, total | {_ms(ext['total_ms']['p50'])} "
            f"| {_ms(ext['total_ms']['p95'])} | {ext['abstained']}/{ext['n']} refusals |"
        )
        lines.append(
            f"| answer extractive, first text | {_ms(ext['first_text_ms']['p50'])} "
            f"| {_ms(ext['first_text_ms']['p95'])} | |"
        )
    read = q["answers"].get("extractive_reader")
    if ext and read and "total_ms" in read:
        added = read["total_ms"]["p95"] - ext["total_ms"]["p95"]
        lines.append(
            f"| answer extractive with the reader, total | {_ms(read['total_ms']['p50'])} "
            f"| {_ms(read['total_ms']['p95'])} | {read['abstained']}/{read['n']} refusals; "
            f"reader adds {_ms(added)} at p95 |"
        )
    elif read:
        lines.append(f"| answer extractive with the reader | — | — | {read['missing']} |")
    loc = _local(result)
    if loc:
        lines.append(
            f"| answer local LLM, first token | {_ms(loc['first_token_ms']['p50'], 0)} "
            f"| {_ms(loc['first_token_ms']['p95'], 0)} | {loc['n']} questions "
            f"(of {loc['asked_for']} asked, budget {loc['budget_s']:.0f} s) |"
        )
        lines.append(
            f"| answer local LLM, total | {_ms(loc['total_ms']['p50'], 0)} "
            f"| {_ms(loc['total_ms']['p95'], 0)} "
            f"| model load {_s(loc['load_s'], 1)}, warm-up {_s(loc['warmup_s'], 1)} |"
        )
    elif q["answers"].get("local"):
        lines.append(f"| answer local LLM | — | — | skipped: {q['answers']['local']['skipped']} |")
    return lines


def _memory(result: dict) -> list[str]:
    ing, q = result["ingest"], result["query"]
    lines = [
        "",
        "## Memory",
        "",
        "| Process | Resident memory |",
        "|---|---|",
        f"| ingest (peak, model included) | {_mb(ing['peak_rss_mb'])} |",
        f"| server idle: Assistant loaded, no LLM | {_mb(q['idle_rss_mb'])} |",
        f"| while answering, extractive (peak) | {_mb(q['peak_rss_answering_mb'])} |",
    ]
    loc = _local(result)
    if loc:
        lines.append(f"| local LLM loaded | {_mb(loc['rss_with_llm_mb'])} |")
        lines.append(f"| while answering, local LLM (peak) | {_mb(q.get('peak_rss_answering_local_mb'))} |")
    return lines


def _peer(result: dict) -> list[str]:
    ing, q, peer = result["ingest"], result["query"], result["peer"]
    pr, dense, hybrid = peer["ratios"], peer["retrieval_dense"], q["retrieval"].get("hybrid", {})
    ext = q["answers"].get("extractive") or {}
    return [
        "",
        "## Peer: llama-index default pipeline, same files, questions and model, same run",
        "",
        f"VectorStoreIndex in memory, SentenceSplitter {peer['chunk_size']}/{peer['chunk_overlap']}: "
        f"{peer['chunks']} chunks. Ratios are peer / ours (above 1: the peer is slower).",
        "",
        "| Measure | Peer | Ours | Ratio |",
        "|---|---|---|---|",
        f"| ingest time | {_s(peer['build_s'])} | {_s(ing['seconds'])} | {_f(pr['ingest_time'], 2)} |",
        f"| retrieval median (peer dense vs our hybrid) | {_ms(dense['p50'])} "
        f"| {_ms(hybrid.get('p50'))} | {_f(pr['query_p50_vs_hybrid'], 2)} |",
        f"| retrieval p95 (peer dense vs our hybrid) | {_ms(dense['p95'])} "
        f"| {_ms(hybrid.get('p95'))} | {_f(pr['query_p95_vs_hybrid'], 2)} |",
        f"| extractive answer median | {_ms(peer['answers_extractive_ms']['p50'])} "
        f"| {_ms(ext.get('total_ms', {}).get('p50'))} | {_f(pr['extractive_answer_p50'], 2)} |",
        f"| evidence@5 | {_f(pr['evidence@5']['peer_dense'], 2)} "
        f"| {_f(pr['evidence@5']['ours_hybrid'], 2)} | |",
        f"| peak memory (build and queries) | {_mb(peer['peak_rss_mb'])} | {_mb(ing['peak_rss_mb'])} "
        "(ingest) | |",
    ]


def _pair(row: dict | None, unit: str = " ms") -> str:
    row = row or {}
    return f"{_f(row.get('p50'), 1)} / {_f(row.get('p95'), 1)}{unit}"


def _scale(result: dict) -> list[str]:
    lines = [
        "",
        "## Scale",
        "",
        "Synthetic French documents (`evals/bench/synthetic.py`) added to the corpus; the real questions "
        "asked each time. Synthetic chunks carry composed e5 vectors (length-weighted mean of their "
        "sentences' real vectors, calibrated; `fidelity cos` is their mean cosine to the real vectors of a "
        "sample of them), the real chunks their real vectors; queries always use the real model. Latency, "
        "memory and index size are measured as they are; the dense and hybrid quality at synthetic scales "
        "is indicative only (docs/performance.md).",
        "",
        "| Chunks | × real corpus | BM25 p50/p95 | dense p50/p95 | hybrid p50/p95 | extractive p50/p95 "
        "| evidence@5 hybrid | start-up | idle RSS | peak RSS | index MB/1k chunks | build |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in result["scale"]:
        r = p["retrieval_ms"]
        build = p.get("build")
        if build:
            fidelity = build["increment"].get("fidelity", {}).get("mean_cosine")
            cached = " (cached)" if build.get("cached") else ""
            btxt = (
                f"{_f(build['build_s_cumulative'], 0, ' s')} cumulated{cached}; "
                f"fidelity cos {_f(fidelity, 3)}"
            )
        else:
            btxt = "real ingest (above)"
        lines.append(
            f"| {_f(p['chunks'])} | {p['x_base']} | {_pair(r.get('bm25'))} "
            f"| {_pair(r.get('dense'))} | {_pair(r.get('hybrid'))} | {_pair(p['extractive_ms'])} "
            f"| {_f(p['evidence@5'].get('hybrid'), 2)} | {_s(p['startup_s'], 1)} "
            f"| {_mb(p['idle_rss_mb'])} | {_mb(p['peak_rss_answering_mb'])} "
            f"| {_f(p['index_mb_per_1000_chunks'], 1)} | {btxt} |"
        )
    return lines


def write_plots(result: dict, out: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = sorted(result["scale"], key=lambda p: p["chunks"])
    xs = [p["chunks"] for p in points]
    paths = {}

    fig, ax = plt.subplots(figsize=(7, 4.5))
    series = [("bm25", "BM25"), ("dense", "dense"), ("hybrid", "hybrid")]
    for mode, label in series:
        for stat, style in (("p50", "-o"), ("p95", "--x")):
            ys = [(p["retrieval_ms"].get(mode) or {}).get(stat) for p in points]
            if any(y is not None for y in ys):
                ax.plot(xs, ys, style, label=f"{label} {stat}")
    for stat, style in (("p50", "-s"), ("p95", "--s")):
        ys = [p["extractive_ms"].get(stat) for p in points]
        if any(y is not None for y in ys):
            ax.plot(xs, ys, style, label=f"extractive answer {stat}")
    ax.axhline(
        RETRIEVAL_P95_MS, color="grey", lw=0.8, ls=":", label=f"{RETRIEVAL_P95_MS:g} ms (retrieval target)"
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Query latency vs corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    paths["latency_plot"] = out / PLOTS["latency"]
    fig.savefig(paths["latency_plot"], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(xs, [p["idle_rss_mb"] for p in points], "-o", label="server idle (no LLM)")
    ax.plot(
        xs, [p["peak_rss_answering_mb"] for p in points], "--x", label="peak while answering (extractive)"
    )
    builds = [(p["chunks"], (p.get("build") or {}).get("increment", {}).get("peak_rss_mb")) for p in points]
    builds = [(x, y) for x, y in builds if y]
    if builds:
        ax.plot([b[0] for b in builds], [b[1] for b in builds], ":^", label="peak while building the index")
    ax.plot(xs, [p["index_mb"] for p in points], "-.s", label="index on disk")
    ax.axhline(IDLE_RSS_MB, color="grey", lw=0.8, ls=":", label="1.5 GB (idle target)")
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("MB")
    ax.set_title("Memory and index size vs corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths["memory_plot"] = out / PLOTS["memory"]
    fig.savefig(paths["memory_plot"], dpi=110)
    plt.close(fig)
    return paths
