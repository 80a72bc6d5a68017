"""Per-question scores and their aggregation: pure functions, no model, no I/O.

A *row* is the result of one configuration on one question (see ``evals.quality.run``):
``{"config", "id", "type", "answerable", "scores": {...}, "time_ms", ...}``.
``score_question`` fills ``scores``; ``aggregate`` turns rows into the numbers
of the report; ``winners`` names the best configuration per metric.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from core.text.markers import strip as strip_markers
from evals.quality import metrics as m
from evals.quality.shape import SHAPE_KEYS, shape
from evals.stats import percentile

EVIDENCE_KS = (1, 3, 5, 10)
PEER = "llamaindex-default"
HEADLINE = ["evidence@1", "evidence@3", "evidence@5", "evidence@10", "passage_mrr@10", "doc_hit@1"]
DOC_K = 10


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    group: str  # retrieval | answer | time | info
    higher_is_better: bool = True
    fmt: str = "{:.3f}"

    def format(self, value) -> str:
        return "—" if value is None else self.fmt.format(value)


METRICS: dict[str, Metric] = {
    mt.key: mt
    for mt in [
        Metric("doc_hit@1", "doc hit@1", "retrieval"),
        Metric("doc_hit@5", "doc hit@5", "retrieval"),
        Metric("doc_mrr@10", "doc MRR@10", "retrieval"),
        Metric("doc_recall@10", "doc recall@10", "retrieval"),
        *[Metric(f"evidence@{k}", f"evidence@{k}", "retrieval") for k in EVIDENCE_KS],
        Metric("passage_mrr@10", "passage MRR@10", "retrieval"),
        Metric("context_chars@5", "chars in top 5", "info", fmt="{:.0f}"),
        Metric("accuracy", "answer accuracy", "answer"),
        Metric("acc400", "acc400", "answer"),
        Metric("page_ok", "page ok", "answer"),
        Metric("citation_precision", "citation precision", "answer"),
        Metric("correct_cited_gold", "correct & cites gold", "answer"),
        Metric("correct_refusals", "correct refusals", "answer"),
        Metric("false_refusals", "false refusals", "answer", higher_is_better=False),
        Metric("overall", "overall correct", "answer"),
        Metric("median_chars", "median answer chars", "answer", higher_is_better=False, fmt="{:.0f}"),
        Metric("cut", "cut", "answer", higher_is_better=False),
        Metric("dup", "dup", "answer", higher_is_better=False),
        Metric("title", "title", "answer", higher_is_better=False),
        Metric("time_median_ms", "median ms/q", "time", higher_is_better=False, fmt="{:.0f}"),
        Metric("time_p95_ms", "p95 ms/q", "time", higher_is_better=False, fmt="{:.0f}"),
        Metric("time_total_s", "total s", "time", higher_is_better=False, fmt="{:.1f}"),
    ]
}
RETRIEVAL_KEYS = [k for k, mt in METRICS.items() if mt.group == "retrieval"]
ANSWER_KEYS = [k for k, mt in METRICS.items() if mt.group == "answer"]
TIME_KEYS = [k for k, mt in METRICS.items() if mt.group == "time"]


# -- one question --------------------------------------------------------------------
def score_question(item: dict, passages: list[dict], answer: dict | None = None, context_k: int = 5) -> dict:
    """Scores of one configuration on one gold question.

    ``passages``: the ranking (top 10), dicts with ``source`` and ``text``;
    ``answer``: ``Answer.to_dict()``-like dict, or None for a retrieval-only
    configuration; ``context_k``: how many passages the answer backend saw.
    """
    scores: dict = {}
    if item["answerable"]:
        rank = m.passage_rank(item, passages, DOC_K)
        scores.update(
            {
                "doc_hit@1": m.doc_hit(item, passages, 1),
                "doc_hit@5": m.doc_hit(item, passages, 5),
                "doc_rr@10": m.doc_reciprocal_rank(item, passages, DOC_K),
                "doc_recall@10": m.doc_recall(item, passages, DOC_K),
                **{f"evidence@{k}": m.evidence_at(item, passages, k) for k in EVIDENCE_KS},
                "passage_rank": rank,
                "passage_rr": 1.0 / rank if rank else 0.0,
                "context_chars@5": sum(len(p["text"]) for p in passages[:5]),
                "evidence_in_context": m.evidence_at(item, passages, context_k),
                "missing_in_context": [
                    s
                    for s in item["must_contain"]
                    if not m.evidence_at({"must_contain": [s]}, passages, context_k)
                ],
            }
        )
    if answer is not None:
        scores["abstained"] = bool(answer["abstained"])
        scores["answer_chars"] = None if answer["abstained"] else len(strip_markers(answer["answer"] or ""))
        scores["citation_precision"] = m.citation_precision(item, answer)
        if not answer["abstained"]:
            scores["shape"] = shape(answer["answer"] or "")
        if item["answerable"]:
            scores["correct"] = m.answer_correct(item, answer)
            scores["correct400"] = m.answer_correct_within(item, answer, 400)
            scores["page_ok"] = m.page_ok(item, answer)
            scores["missing_in_answer"] = (
                [] if answer["abstained"] else m.missing_strings(answer["answer"], item["must_contain"])
            )
            scores["cites_gold"] = m.cites_gold(item, answer)
            scores["cites_all_gold"] = m.cites_all_gold(item, answer)
        else:
            scores["correct_refusal"] = m.refusal_correct(answer)
    return scores


FAILURES = {
    "evidence_missing": "evidence missing at {k}",
    "wrong_sentences": "evidence in top {k}, wrong sentences chosen",
    "false_refusal": "false refusal (evidence in top {k})",
    "false_refusal_no_evidence": "false refusal (evidence missing at {k})",
    "missed_refusal": "missed refusal (answered an unanswerable question)",
    "refusal_with_citation": "refusal with a citation",
    "error": "error",
}


def classify_failure(row: dict) -> dict | None:
    """Why an answer configuration failed a question, or None when it got it right."""
    s, k = row.get("scores", {}), row.get("context_k", 5)
    if row.get("error"):
        return {"code": "error", "why": f"error: {row['error']}"}
    if "abstained" not in s:
        return None  # retrieval-only configuration
    code = None
    if row["answerable"]:
        if s.get("correct"):
            return None
        if s["abstained"]:
            code = "false_refusal" if s.get("evidence_in_context") else "false_refusal_no_evidence"
        elif not s.get("evidence_in_context"):
            code = "evidence_missing"
        else:
            code = "wrong_sentences"
    elif not s.get("correct_refusal"):
        code = "missed_refusal" if not s["abstained"] else "refusal_with_citation"
    if code is None:
        return None
    why = FAILURES[code].format(k=k)
    if code == "evidence_missing":
        why += f" (absent: {', '.join(s.get('missing_in_context', []))})"
    elif code == "wrong_sentences":
        why += f" (answer lacks: {', '.join(s.get('missing_in_answer', []))})"
    return {"code": code, "why": why}


# -- many questions ------------------------------------------------------------------
def _mean(values) -> float | None:
    values = [float(v) for v in values if v is not None]
    return sum(values) / len(values) if values else None


def aggregate(rows: list[dict], answers: bool) -> dict:
    """Metrics of one configuration over ``rows`` (all its questions, or one type).

    Retrieval metrics and answer accuracy / false refusals are over answerable
    questions; correct refusals over unanswerable ones; citation precision over
    every answer that cites something; "correct & cites gold" over correct
    answers; "overall" over all questions (correct answers + correct refusals).
    A metric without any eligible question is None.
    """
    rows = [r for r in rows if not r.get("skipped")]
    ok = [r for r in rows if r["answerable"]]
    no = [r for r in rows if not r["answerable"]]
    sc = lambda r, key: r.get("scores", {}).get(key)  # noqa: E731
    out: dict = {
        "n": len(rows),
        "n_answerable": len(ok),
        "n_unanswerable": len(no),
        "errors": sum(1 for r in rows if r.get("error")),
    }
    out["doc_hit@1"] = _mean(sc(r, "doc_hit@1") for r in ok)
    out["doc_hit@5"] = _mean(sc(r, "doc_hit@5") for r in ok)
    out["doc_mrr@10"] = _mean(sc(r, "doc_rr@10") for r in ok)
    out["doc_recall@10"] = _mean(sc(r, "doc_recall@10") for r in ok)
    for k in EVIDENCE_KS:
        out[f"evidence@{k}"] = _mean(sc(r, f"evidence@{k}") for r in ok)
    out["passage_mrr@10"] = _mean(sc(r, "passage_rr") for r in ok)
    out["context_chars@5"] = _mean(sc(r, "context_chars@5") for r in ok)
    if answers:
        out["accuracy"] = _mean(bool(sc(r, "correct")) for r in ok)
        out["acc400"] = _mean(bool(sc(r, "correct400")) for r in ok)
        out["page_ok"] = _mean(sc(r, "page_ok") for r in ok)
        chars = [sc(r, "answer_chars") for r in rows if sc(r, "answer_chars") is not None]
        out["median_chars"] = median(chars) if chars else None
        for key in SHAPE_KEYS:  # over every answer given, answerable or not
            out[key] = _mean(sc(r, "shape")[key] for r in rows if sc(r, "shape"))
        out["false_refusals"] = _mean(bool(sc(r, "abstained")) for r in ok)
        out["correct_refusals"] = _mean(bool(sc(r, "correct_refusal")) for r in no)
        out["citation_precision"] = _mean(sc(r, "citation_precision") for r in rows)
        out["correct_cited_gold"] = _mean(bool(sc(r, "cites_gold")) for r in ok if sc(r, "correct"))
        good = sum(bool(sc(r, "correct")) for r in ok) + sum(bool(sc(r, "correct_refusal")) for r in no)
        out["overall"] = good / len(rows) if rows else None
    else:
        for key in ANSWER_KEYS:
            out[key] = None
    times = [r["time_ms"] for r in rows if r.get("time_ms") is not None]
    out["time_median_ms"] = median(times) if times else None
    out["time_p95_ms"] = percentile(times, 95)
    out["time_total_s"] = sum(times) / 1000 if times else None
    return out


def by_type(rows: list[dict], answers: bool) -> dict[str, dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[r["type"]].append(r)
    return {t: aggregate(groups[t], answers) for t in sorted(groups)}


def winners(summaries: dict[str, dict], keys: list[str] | None = None) -> dict[str, dict]:
    """Best configuration(s) per metric among those that have it (ties kept, in config order).

    Returns ``{metric: {"winners": [...], "value": best, "runner_up": (config, value) | None}}``.
    """
    keys = keys or [k for k in METRICS if METRICS[k].group != "info"]
    out = {}
    for key in keys:
        have = [(name, s[key]) for name, s in summaries.items() if s.get(key) is not None]
        if not have:
            continue
        sign = 1 if METRICS[key].higher_is_better else -1
        best = max(sign * round(v, 9) for _, v in have)
        top = [name for name, v in have if sign * round(v, 9) == best]
        rest = sorted(((n, v) for n, v in have if n not in top), key=lambda x: -sign * x[1])
        out[key] = {"winners": top, "value": sign * best, "runner_up": rest[0] if rest else None}
    return out


def compare(summaries: dict[str, dict], ours: str, others: list[str], keys: list[str]) -> list[dict]:
    """``ours`` against each of ``others`` on ``keys``: who is ahead, by how much."""
    out = []
    if ours not in summaries:
        return out
    for other in others:
        if other not in summaries:
            continue
        for key in keys:
            a, b = summaries[ours].get(key), summaries[other].get(key)
            if a is None or b is None:
                continue
            sign = 1 if METRICS[key].higher_is_better else -1
            diff = sign * (a - b)
            verdict = "beats" if diff > 1e-9 else "ties" if abs(diff) <= 1e-9 else "loses to"
            out.append(
                {
                    "ours": ours,
                    "other": other,
                    "metric": key,
                    "ours_value": a,
                    "other_value": b,
                    "verdict": verdict,
                }
            )
    return out


def summarize(rows: list[dict], configs: dict[str, dict]) -> dict:
    """Everything the report needs from the rows: per-config aggregates, winners, comparisons.

    ``configs``: ``{name: {"kind": "retrieval" | "answer", ...}}`` in run order
    (other keys are copied through). Winners and times are ranked within a kind:
    a retrieval time and a whole ``ask()`` are not comparable.
    """
    out: dict[str, dict] = {}
    for name, info in configs.items():
        mine = [r for r in rows if r["config"] == name]
        answers = info["kind"] == "answer"
        out[name] = {
            **info,
            "overall": aggregate(mine, answers) if mine else None,
            "by_type": by_type(mine, answers) if mine else {},
        }
    retr = {n: c["overall"] for n, c in out.items() if c["overall"] and c["kind"] == "retrieval"}
    ans = {n: c["overall"] for n, c in out.items() if c["overall"] and c["kind"] == "answer"}
    comparisons = compare(retr, "hybrid", ["bm25", "dense", PEER], HEADLINE)
    comparisons += compare(ans, "hybrid+extractive", [f"{PEER}+extractive"], ANSWER_KEYS)
    return {
        "configs": out,
        "winners": {
            "retrieval": winners(retr, RETRIEVAL_KEYS + TIME_KEYS),
            "answer": winners(ans, ANSWER_KEYS + TIME_KEYS),
        },
        "comparisons": comparisons,
    }
