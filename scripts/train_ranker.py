"""Fit the sentence ranker (assistant/ranker_weights.json) on the questions the project wrote itself.

    .venv/bin/python scripts/train_ranker.py [--out assistant/ranker_weights.json]

The candidates are those the reader is trained on (:mod:`evals.training.candidates`: each generated
question asked of the training index as the assistant asks it, its source sentence positive, hard
negatives from the same passages), with the features of ``assistant.scoring.sentence_features``.
A logistic regression (scikit-learn, class weights balanced, deterministic) is fitted on the
training split's answerable questions; ``C`` is chosen on the validation split (sentence hit@1);
the test split is reported, never chosen on. No gold set is read.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.ranker import FEATURES, WEIGHTS_FILE, Ranker
from assistant.scoring import rule_score
from core.settings import get_settings
from evals.training.candidates import CACHE, WRITTEN_ID, build_candidates

ROOT = Path(__file__).resolve().parents[1]
CS = (0.01, 0.1, 1.0, 10.0)


def fit(rows: list[dict], c: float, exclude: tuple[str, ...] = ()) -> Ranker:
    """Features and the rules' score in, the weights shrunk towards 0 (``C``): a feature the data
    rarely exercises leaves the rules' score in charge of it. A feature in ``exclude`` gets weight
    0 (read as 0 while fitting)."""
    from sklearn.linear_model import LogisticRegression

    off = {FEATURES.index(name) for name in exclude}
    x = [
        [*(0.0 if i in off else v for i, v in enumerate(cand["features"])), cand["rules"]]
        for row in rows
        for cand in row["candidates"]
    ]
    y = [cand["label"] for row in rows for cand in row["candidates"]]
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(x, y)
    *weights, prior = (float(w) for w in model.coef_[0])
    return Ranker(tuple(weights), float(model.intercept_[0]), prior)


def hit_at_1(rows: list[dict], score) -> float:
    """Share of the questions whose best sentence under ``score`` (features, rules' score) is
    their source sentence."""
    if not rows:
        return 0.0
    best = (max(r["candidates"], key=lambda c: score(c["features"], c["rules"])) for r in rows)
    return sum(c["label"] for c in best) / len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "evals/training/data")
    parser.add_argument("--index-dir", type=Path, default=ROOT / "data/train_index")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument(
        "--exclude",
        default="",
        help="features left out of the fit, comma-separated (e.g. passage_rank: every kept question "
        "retrieves its passage, so the data overstates the first passage)",
    )
    args = parser.parse_args()
    exclude = tuple(name for name in args.exclude.split(",") if name)
    unknown = [name for name in exclude if name not in FEATURES]
    if unknown:
        parser.error(f"caractéristiques inconnues : {', '.join(unknown)} (connues : {', '.join(FEATURES)})")
    settings = get_settings()
    rows = [
        r
        for r in build_candidates(args.data, args.index_dir, args.cache)
        if r["answerable"] and any(c["label"] for c in r["candidates"])
    ]
    split = {name: [r for r in rows if r["split"] == name] for name in ("train", "validation", "test")}
    fitted = {c: fit(split["train"], c, exclude) for c in CS}
    chosen = max(CS, key=lambda c: (hit_at_1(split["validation"], fitted[c].probability), -abs(c - 1.0)))
    final = fitted[chosen]
    rules = lambda f, _rules: rule_score(f, settings)  # noqa: E731
    figures = {
        f"{name}{origin}": {
            "questions": len(group),
            "hit@1_learned": round(hit_at_1(group, final.probability), 3),
            "hit@1_rules": round(hit_at_1(group, rules), 3),
        }
        for name, rows_of in split.items()
        for origin, group in (
            ("", rows_of),
            (" written", [r for r in rows_of if r["id"].startswith(WRITTEN_ID)]),  # no round trip
        )
    }
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python scripts/train_ranker.py" + (f" --exclude {','.join(exclude)}" if exclude else ""),
        "excluded": list(exclude),
        "data": str(args.data.relative_to(ROOT)),
        "C": chosen,
        "validation_hit@1_per_C": {
            str(c): round(hit_at_1(split["validation"], fitted[c].probability), 3) for c in CS
        },
        "figures": figures,
        "features": list(FEATURES),
        "weights": {
            **{name: round(w, 6) for name, w in zip(FEATURES, final.weights, strict=True)},
            "rules": round(final.prior, 6),
        },
        "bias": round(final.bias, 6),
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("C", "validation_hit@1_per_C", "figures")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
