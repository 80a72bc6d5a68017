"""Evaluation sets: a questions file and the corpus it is asked over, named.

A set is given as
* a folder holding ``questions.jsonl`` and ``corpus/`` (``../shared/evals/dev2``);
* ``QUESTIONS.jsonl:CORPUS`` (``evals/sample_gold.jsonl:sample_corpus``);
* ``public``: the three public sets (seeds dev, dev2, the project's own sample set).

``run_sets`` evaluates every set under the same configurations (one e5 model for all) and writes
each set's outputs in its own folder, plus ``summary.md`` / ``summary.json``: every answer metric
per set and configuration, and their macro mean (each set weighs the same).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.settings import SHARED_DIR
from evals.quality.aggregate import METRICS
from evals.quality.run import EvalError

PROJECT_DIR = Path(__file__).resolve().parents[2]
SUMMARY_KEYS = [
    "accuracy",
    "acc400",
    "median_chars",
    "cut",
    "dup",
    "title",
    "correct_refusals",
    "false_refusals",
    "citation_precision",
    "page_ok",
    "evidence@5",
    "passage_mrr@10",
    "context_chars@5",
]
RETRIEVAL_SUMMARY_KEYS = ["evidence@1", "evidence@5", "passage_mrr@10", "context_chars@5"]


@dataclass(frozen=True)
class EvalSet:
    name: str
    questions: Path
    corpus: Path


def public_sets() -> list[EvalSet]:
    """The public sets every change is measured on (``../shared`` beside the project)."""
    return [
        EvalSet("seeds_dev", SHARED_DIR / "evals" / "seeds_dev.jsonl", SHARED_DIR / "seeds"),
        EvalSet(
            "dev2",
            SHARED_DIR / "evals" / "dev2" / "questions.jsonl",
            SHARED_DIR / "evals" / "dev2" / "corpus",
        ),
        EvalSet("sample_gold", PROJECT_DIR / "evals" / "sample_gold.jsonl", PROJECT_DIR / "sample_corpus"),
    ]


def parse_set(spec: str) -> list[EvalSet]:
    """One ``--set`` value as sets (``public`` gives three); EvalError in French when it is unusable."""
    spec = spec.strip()
    if spec == "public":
        sets = public_sets()
    elif Path(spec).is_dir():
        folder = Path(spec)
        sets = [EvalSet(folder.name, folder / "questions.jsonl", folder / "corpus")]
    else:
        questions, sep, corpus = spec.rpartition(":")
        if not sep or not questions:
            raise EvalError(
                f"jeu d'évaluation « {spec} » : indiquez un dossier (questions.jsonl et corpus/), "
                "QUESTIONS.jsonl:CORPUS ou public"
            )
        sets = [EvalSet(Path(questions).stem, Path(questions), Path(corpus))]
    for s in sets:
        if not s.questions.is_file():
            raise EvalError(f"jeu « {s.name} » : fichier de questions introuvable : {s.questions}")
        if not s.corpus.is_dir():
            raise EvalError(f"jeu « {s.name} » : dossier du corpus introuvable : {s.corpus}")
    return sets


def unique(sets: list[EvalSet]) -> list[EvalSet]:
    """Sets in order, one per name (a second set of the same name gets a suffix)."""
    out, names = [], set()
    for s in sets:
        name, n = s.name, 2
        while name in names:
            name, n = f"{s.name}-{n}", n + 1
        names.add(name)
        out.append(EvalSet(name, s.questions, s.corpus))
    return out


def run_sets(sets: list[EvalSet], out_dir: Path, run_one) -> dict:
    """Evaluate each set with ``run_one(set, out_dir_of_set)`` (``run_eval`` bound to the run's
    options), then write the summary. Returns ``{"sets": {name: results}, "summary": {...}}``."""
    out_dir = Path(out_dir)
    results = {s.name: run_one(s, out_dir / s.name) for s in unique(sets)}
    summary = summarize_sets(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (out_dir / "summary.md").write_text("\n".join(summary_markdown(summary)) + "\n", encoding="utf-8")
    return {"sets": results, "summary": summary}


def summarize_sets(results: dict[str, dict]) -> dict:
    """``{"sets": [names], "configs": {config: {set: {metric: value}, "mean": {...}}}, "meta": ...}``."""
    table: dict[str, dict] = {}
    for name, res in results.items():
        for config, c in res["configs"].items():
            if not c.get("overall"):
                continue
            keys = SUMMARY_KEYS if c["kind"] == "answer" else RETRIEVAL_SUMMARY_KEYS
            table.setdefault(config, {"kind": c["kind"]})[name] = {k: c["overall"].get(k) for k in keys}
    for row in table.values():
        keys = SUMMARY_KEYS if row["kind"] == "answer" else RETRIEVAL_SUMMARY_KEYS
        per_set = [row[n] for n in results if n in row]
        row["mean"] = {
            k: (sum(v[k] for v in per_set) / len(per_set) if all(v[k] is not None for v in per_set) else None)
            for k in keys
        }
    meta = {
        name: {
            "questions": res["meta"]["questions"],
            "corpus": res["meta"]["corpus"],
            "n_questions": res["meta"]["n_questions"],
            "date": res["meta"]["date"],
            "git": res["meta"]["git"],
        }
        for name, res in results.items()
    }
    return {"sets": list(results), "configs": table, "meta": meta}


def summary_markdown(summary: dict) -> list[str]:
    """One table per configuration: a row per set and the macro mean."""
    lines = ["# Évaluation sur plusieurs jeux", ""]
    for name, m in summary["meta"].items():
        lines.append(f"- `{name}` : {m['n_questions']} questions, `{m['questions']}` sur `{m['corpus']}`")
    for config, row in summary["configs"].items():
        keys = SUMMARY_KEYS if row["kind"] == "answer" else RETRIEVAL_SUMMARY_KEYS
        lines += ["", f"## `{config}`", ""]
        lines.append("| set | " + " | ".join(METRICS[k].label for k in keys) + " |")
        lines.append("|---|" + "---:|" * len(keys))
        for name in [*summary["sets"], "mean"]:
            if name in row:
                label = "**moyenne**" if name == "mean" else f"`{name}`"
                lines.append(
                    f"| {label} | " + " | ".join(METRICS[k].format(row[name][k]) for k in keys) + " |"
                )
    return lines
