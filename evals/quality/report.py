"""The outputs of an evaluation: Markdown report, JSON results, PNG chart.

``write_outputs(results, out_dir)`` writes ``report.md``, ``results.json`` and
``chart.png``; ``markdown(results)`` and ``chart(results, path)`` are usable alone.
"""

from __future__ import annotations

import json
from pathlib import Path

from evals.quality.aggregate import ANSWER_KEYS, METRICS, PEER, RETRIEVAL_KEYS, TIME_KEYS

CHART_RETRIEVAL = ["doc_hit@1", "evidence@1", "evidence@3", "evidence@5", "evidence@10", "passage_mrr@10"]
CHART_ANSWER = [
    "accuracy",
    "citation_precision",
    "correct_cited_gold",
    "correct_refusals",
    "false_refusals",
    "overall",
]


def write_outputs(results: dict, out_dir) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"report": out / "report.md", "json": out / "results.json", "chart": out / "chart.png"}
    paths["json"].write_text(
        json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    chart(results, paths["chart"])
    paths["report"].write_text(markdown(results, chart_name=paths["chart"].name), encoding="utf-8")
    return paths


# -- Markdown ------------------------------------------------------------------------
def _table(header: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """A Markdown table; the first ``left`` columns are text (left-aligned), the others numbers."""
    rule = "|".join("---" if i < left else "---:" for i in range(len(header)))
    lines = ["| " + " | ".join(header) + " |", "|" + rule + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _cell(value, key: str, name: str, wins: dict) -> str:
    text = METRICS[key].format(value)
    if value is not None and name in wins.get(key, {}).get("winners", []) and len(wins.get("_names", [])) > 1:
        return f"**{text}**"
    return text


def _configs(results: dict, kind: str) -> dict[str, dict]:
    return {n: c for n, c in results["configs"].items() if c["kind"] == kind and c.get("overall")}


def _winners(results: dict, kind: str) -> dict:
    wins = dict(results["winners"].get(kind, {}))
    wins["_names"] = list(_configs(results, kind))
    return wins


def retrieval_table(results: dict) -> list[str]:
    configs, wins = _configs(results, "retrieval"), _winners(results, "retrieval")
    keys = RETRIEVAL_KEYS + ["context_chars@5"] + TIME_KEYS
    header = ["configuration", "chunks"] + [METRICS[k].label for k in keys]
    rows = [
        [f"`{name}`", str(c["chunks"])] + [_cell(c["overall"].get(k), k, name, wins) for k in keys]
        for name, c in configs.items()
    ]
    return _table(header, rows)


def answer_table(results: dict) -> list[str]:
    configs, wins = _configs(results, "answer"), _winners(results, "answer")
    keys = ANSWER_KEYS + TIME_KEYS
    header = ["configuration", "context"] + [METRICS[k].label for k in keys]
    rows = [
        [f"`{name}`", f"top {c['context_k']}"] + [_cell(c["overall"].get(k), k, name, wins) for k in keys]
        for name, c in configs.items()
    ]
    return _table(header, rows)


def winners_table(results: dict) -> list[str]:
    rows = []
    for kind in ("retrieval", "answer"):
        for key, w in results["winners"].get(kind, {}).items():
            runner = w.get("runner_up")
            runner_text = f"`{runner[0]}` {METRICS[key].format(runner[1])}" if runner else "—"
            label = METRICS[key].label + (" (answers)" if kind == "answer" and key in TIME_KEYS else "")
            if kind == "retrieval" and key in TIME_KEYS:
                label += " (retrieval)"
            rows.append(
                [
                    label,
                    ", ".join(f"`{n}`" for n in w["winners"]),
                    METRICS[key].format(w["value"]),
                    runner_text,
                ]
            )
    return _table(["metric", "winner", "value", "runner-up"], rows, left=2)


def by_type_table(results: dict, kind: str, key: str, unanswerable_key: str | None = None) -> list[str]:
    configs = _configs(results, kind)
    if not configs:
        return []
    types = sorted({t for c in configs.values() for t in c["by_type"]})
    header = ["type", "n"] + [f"`{n}`" for n in configs]
    rows = []
    for t in types:
        first = next(iter(configs.values()))["by_type"].get(t, {})
        use = unanswerable_key if (unanswerable_key and first.get("n_answerable") == 0) else key
        if not first.get("n_answerable") and not unanswerable_key:
            continue
        label = t + (f" ({METRICS[use].label})" if use != key else "")
        rows.append(
            [label, str(first.get("n", 0))]
            + [METRICS[use].format(c["by_type"].get(t, {}).get(use)) for c in configs.values()]
        )
    overall = next(iter(configs.values()))["overall"]
    overall_row = ["**all answerable**", str(overall["n_answerable"])]
    overall_row += [METRICS[key].format(c["overall"].get(key)) for c in configs.values()]
    return _table(header, rows + [overall_row])


def verdict(results: dict) -> list[str]:
    """Plain sentences on hybrid against each other pipeline, whatever the outcome."""
    lines = []
    by_other: dict[str, list[dict]] = {}
    for c in results.get("comparisons", []):
        by_other.setdefault(c["other"], []).append(c)
    for other, items in by_other.items():
        ours = items[0]["ours"]
        parts = [
            f"{METRICS[c['metric']].label} {METRICS[c['metric']].format(c['ours_value'])} vs "
            f"{METRICS[c['metric']].format(c['other_value'])} ({c['verdict']})"
            for c in items
        ]
        headline = {c["metric"]: c["verdict"] for c in items}
        if ours == "hybrid":
            keys = ("evidence@5", "passage_mrr@10")
            key_verdicts = [headline.get(k) for k in keys]
            if "beats" in key_verdicts:
                ahead = [METRICS[k].label for k in keys if headline.get(k) == "beats"]
                behind = [METRICS[k].label for k in keys if headline.get(k) == "loses to"]
                summary = "ahead on " + " and ".join(ahead)
                if behind:
                    summary += f", behind on {' and '.join(behind)}"
            elif all(v == "ties" for v in key_verdicts if v):
                summary = "**NOT ahead**: tied on evidence@5 and passage MRR@10"
            else:
                summary = "**NOT ahead**: behind or tied on both evidence@5 and passage MRR@10"
        else:
            acc = headline.get("accuracy")
            summary = {
                "beats": "more accurate",
                "ties": "**same accuracy**",
                "loses to": "**less accurate**",
            }.get(acc, "")
        note = ""
        chars = {
            n: (results["configs"].get(n, {}).get("overall") or {}).get("context_chars@5")
            for n in (ours, other)
        }
        if ours == "hybrid" and chars[ours] and chars[other] and chars[other] > 1.5 * chars[ours]:
            note = (
                f" Note: its top 5 holds {chars[other] / chars[ours]:.1f}× more text "
                f"({chars[other]:.0f} vs {chars[ours]:.0f} characters), which favours evidence@k."
            )
        lines.append(f"- `{ours}` vs `{other}`: {summary}. " + "; ".join(parts) + "." + note)
    return lines


def failures_section(results: dict) -> list[str]:
    lines = []
    rows = results["questions"]
    for name, c in _configs(results, "answer").items():
        failed = [r for r in rows if r["config"] == name and r.get("failure")]
        lines += ["", f"### `{name}`: {len(failed)} failure(s) of {c['overall']['n']}", ""]
        if failed:
            table_rows = []
            for r in failed:
                answer = " ".join((r.get("answer") or "").split())
                answer = (answer[:110] + "…") if len(answer) > 110 else answer
                table_rows.append([r["id"], r["type"], r["failure"]["why"], answer.replace("|", "\\|")])
            lines += _table(["id", "type", "why", "answer (start)"], table_rows, left=4)
    misses = []
    for name in _configs(results, "retrieval"):
        ids = [
            r["id"]
            for r in rows
            if r["config"] == name and r["answerable"] and not r.get("scores", {}).get("evidence@5")
        ]
        misses.append(f"- `{name}` ({len(ids)}): {', '.join(ids) or '—'}")
    if misses:
        lines += ["", "### Retrieval: evidence missing from the top 5", ""] + misses
    return lines


def markdown(results: dict, chart_name: str | None = "chart.png") -> str:
    meta = results["meta"]
    types = ", ".join(f"{t} {n}" for t, n in meta["types"].items())
    s = meta["settings"]
    lines = [f"# Evaluation: `{Path(meta['questions']).name}` over `{meta['corpus']}`", ""]
    if meta.get("command"):
        lines += ["Command:", "", "```", meta["command"], "```", ""]
    lines += [
        f"- Date: {meta['date']} — run time {meta['seconds']} s (torch threads: {meta.get('torch_threads')})",
        f"- Questions: {meta['n_questions']} ({meta['n_answerable']} answerable; {types})",
        f"- Index: {meta['documents']} documents, {meta['chunks']} chunks (chunk_size {s.get('chunk_size')}, "
        f"overlap {s.get('chunk_overlap')}, embed model `{s.get('embed_model')}`); "
        f"ranking top {meta['ranking_k']}, answer context top {s.get('context_k')}",
    ]
    if meta.get("peer"):
        p = meta["peer"]
        lines.append(
            f"- `{PEER}`: llama-index `VectorStoreIndex` in memory, `SentenceSplitter()` "
            f"({p['chunk_size']}/{p['chunk_overlap']}), same e5 model, {p['chunks']} chunks, "
            f"default top-k {p['top_k']} (its answer context); its retrieval metrics use a "
            f"top-{meta['ranking_k']} ranking"
        )
    git = meta.get("git")
    if git:
        dirty = f", with uncommitted changes in {', '.join(git['modified'])}" if git.get("modified") else ""
        lines.append(f"- Code: commit {git['commit']}{dirty}")
    warnings = []
    if meta.get("gold_validation_errors"):
        warnings.append(
            f"the gold set has {len(meta['gold_validation_errors'])} validation error(s), first: "
            f"{meta['gold_validation_errors'][0]}"
        )
    ing = meta.get("ingest", {})
    if ing.get("failed"):
        warnings.append(f"files that failed ingestion: {', '.join(ing['failed'])}")
    if ing.get("foreign_documents"):
        warnings.append(f"the index holds {len(ing['foreign_documents'])} document(s) outside the corpus")
    if ing.get("gold_files_not_indexed"):
        warnings.append(f"gold source files not indexed: {', '.join(ing['gold_files_not_indexed'])}")
    for name, c in results["configs"].items():
        if c.get("skipped"):
            warnings.append(f"`{name}` skipped: {c['skipped']}")
        elif c.get("overall") and c["overall"].get("errors"):
            warnings.append(
                f"`{name}`: {c['overall']['errors']} question(s) raised an error (counted as wrong)"
            )
    lines += [f"- **Warning**: {w}" for w in warnings]

    if results.get("comparisons"):
        lines += ["", "## Verdict", ""] + verdict(results)
    if _configs(results, "retrieval"):
        n = next(iter(_configs(results, "retrieval").values()))["overall"]["n_answerable"]
        lines += [
            "",
            f"## Retrieval ({n} answerable questions)",
            "",
            "Document level: a gold file has a passage at rank ≤ k (multi-hop: any of its files; "
            "recall@10 needs every file). Passage level: evidence@k = the top-k passages together "
            "contain every `must_contain` string (normalised); passage MRR@10 = 1/(smallest such k). "
            "Best value per column in bold.",
            "",
        ]
        lines += retrieval_table(results)
    if _configs(results, "answer"):
        c0 = next(iter(_configs(results, "answer").values()))["overall"]
        lines += [
            "",
            f"## Answers ({c0['n']} questions: {c0['n_answerable']} answerable, "
            f"{c0['n_unanswerable']} unanswerable)",
            "",
            "Accuracy and false refusals over answerable questions; correct refusals over unanswerable "
            'ones; citation precision over answers that cite; "correct & cites gold" over correct '
            "answers; overall = (correct answers + correct refusals) / all. Time is the whole `ask()` "
            "call.",
            "",
        ]
        lines += answer_table(results)
    lines += ["", "## Winner per metric", ""] + winners_table(results)
    lines += ["", "## By question type"]
    for title, kind, key, un in (
        ("evidence@5", "retrieval", "evidence@5", None),
        ("passage MRR@10", "retrieval", "passage_mrr@10", None),
        ("answer accuracy (unanswerable: correct refusals)", "answer", "accuracy", "correct_refusals"),
    ):
        table = by_type_table(results, kind, key, un)
        if table:
            lines += ["", f"### {title}", ""] + table
    lines += ["", "## Failures"] + failures_section(results)
    if chart_name:
        lines += ["", "## Chart", "", f"![configurations compared]({chart_name})"]
    lines += [
        "",
        "Every per-question result (answer, citations, retrieved passages, scores, timings) is in "
        "`results.json`; definitions in `docs/evaluation.md`.",
        "",
    ]
    return "\n".join(lines)


# -- chart ---------------------------------------------------------------------------
def chart(results: dict, path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        (kind, keys, title)
        for kind, keys, title in (
            ("retrieval", CHART_RETRIEVAL, "Retrieval (answerable questions)"),
            ("answer", CHART_ANSWER, "Answers"),
        )
        if _configs(results, kind)
    ]
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(7.5 * max(1, len(panels)), 4.8), squeeze=False)
    for ax, (kind, keys, title) in zip(axes[0], panels, strict=False):  # one empty axis without panels
        configs = _configs(results, kind)
        width = 0.8 / max(1, len(configs))
        for i, (name, c) in enumerate(configs.items()):
            values = [c["overall"].get(k) or 0.0 for k in keys]
            xs = [x + (i - (len(configs) - 1) / 2) * width for x in range(len(keys))]
            bars = ax.bar(xs, values, width, label=name)
            ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=6, rotation=90, padding=2)
        ax.set_xticks(range(len(keys)))
        ax.set_xticklabels(
            [METRICS[k].label + ("" if METRICS[k].higher_is_better else " (lower is better)") for k in keys],
            rotation=20,
            ha="right",
            fontsize=8,
        )
        ax.set_ylim(0, 1.3)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_title(title)
        ax.legend(fontsize=7, loc="upper center", ncol=len(configs))
        ax.grid(axis="y", alpha=0.3)
    if not panels:
        axes[0][0].text(0.5, 0.5, "no results", ha="center")
    fig.suptitle(f"{Path(results['meta']['questions']).name} — {results['meta']['n_questions']} questions")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
