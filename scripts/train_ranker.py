"""Fit the sentence ranker (assistant/ranker_weights.json) on the public gold sets, leave-one-corpus-out.

    .venv/bin/python scripts/train_ranker.py [--out assistant/ranker_weights.json]

For every answerable question of each public set (seeds_dev, dev2, sample_gold), the question goes
through the answer pipeline's reading (follow-ups made standalone, acronyms read in full, hybrid
retrieval, the answer context) and every candidate sentence gets the features of
``assistant.scoring.sentence_features``. A sentence is positive when it holds one of the question's
``must_contain`` strings or lies inside its ``source_quote`` (normalised as the scorer does).

A logistic regression (scikit-learn, class weights balanced, C=1, deterministic) is fitted on two sets
and scored on the third, for each of the three: the figure is ``hit@3``, the share of questions whose
``must_contain`` strings all lie in the three best sentences, against the hand-set rules. The weights
written are fitted on all three sets; the file records the date and every figure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.context import answer_context
from assistant.pipeline import Assistant
from assistant.question import expand_acronyms, standalone_question, trim_history
from assistant.ranker import FEATURES, WEIGHTS_FILE, Ranker
from assistant.scoring import rule_score, sentence_features
from core.settings import get_settings
from evals.quality.metrics import contains_all, normalize
from evals.quality.run import load_questions
from evals.quality.sets import public_sets
from index.embeddings import make_embed_model

TOP = 3


def _quotes(item: dict) -> list[str]:
    quote = item.get("source_quote") or []
    return [normalize(q) for q in ([quote] if isinstance(quote, str) else quote) if q]


def _label(item: dict, sentence: str) -> int:
    text = normalize(sentence)
    if len(text) < 12:
        return 0
    if any(normalize(m) in text for m in item["must_contain"]):
        return 1
    return int(any(text in q or q in text for q in _quotes(item)))


def collect(embed_model) -> dict[str, list[dict]]:
    """{set name: [{"item", "rows": [(features, sentence)], "labels"}]} over the answerable questions."""
    data: dict[str, list[dict]] = {}
    for s in public_sets():
        tmp = Path(tempfile.mkdtemp(prefix="train-ranker-"))
        try:
            settings = get_settings().model_copy(update={"index_dir": tmp, "llm": "extractive"})
            assistant = Assistant(settings, embed_model=embed_model)
            assistant.ingest([s.corpus])
            groups = []
            for item in load_questions(s.questions):
                if not item["answerable"]:
                    continue
                question = standalone_question(item["question"], trim_history(item.get("history"), 4))
                assistant.retriever.refresh()
                question, _ = expand_acronyms(question, assistant.retriever.acronyms, assistant.vocabulary)
                context = answer_context(assistant.retrieve(question), settings)
                rows = [
                    (f, sentence)
                    for f, _, _, sentence in sentence_features(
                        question, context, assistant.vocabulary, settings
                    )
                ]
                if rows:
                    groups.append({"item": item, "rows": rows, "labels": [_label(item, x) for _, x in rows]})
            data[s.name] = groups
            print(
                f"{s.name}: {len(groups)} questions, {sum(len(g['rows']) for g in groups)} sentences, "
                f"{sum(sum(g['labels']) for g in groups)} positive",
                file=sys.stderr,
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return data


def fit(groups: list[dict]) -> Ranker:
    from sklearn.linear_model import LogisticRegression

    x = [list(f) for g in groups for f, _ in g["rows"]]
    y = [label for g in groups for label in g["labels"]]
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(x, y)
    return Ranker(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]))


def hit_at(groups: list[dict], score) -> float:
    """Share of questions whose must_contain all lie in the TOP best sentences under ``score``."""
    hits = 0
    for g in groups:
        best = sorted(g["rows"], key=lambda r: -score(r[0]))[:TOP]
        hits += contains_all(" ".join(sentence for _, sentence in best), g["item"]["must_contain"])
    return hits / len(groups) if groups else 0.0


# The rule weights (settings) and the feature each multiplies; « echo_factor » scales the lexical match.
RULE_WEIGHTS = {
    "context_weight": 2,
    "list_intro_weight": 3,
    "date_bonus": 4,
    "name_bonus": 5,
    "place_bonus": 6,
    "definition_bonus": 7,
    "legal_text_bonus": 8,
    "rank_bonus": 9,
    "value_bonus": 10,
    "count_bonus": 15,
}
FACTORS = (0.0, 0.5, 1.0, 1.5, 2.0)


def rules_with(weights: dict, echo_factor: float):
    def score(f) -> float:
        return f[0] * (echo_factor if f[1] else 1.0) + sum(w * f[RULE_WEIGHTS[k]] for k, w in weights.items())

    return score


def fit_rules(groups: list[dict], start: dict, echo: float) -> dict:
    """Coordinate search over the rule weights (each × 0, 0.5, 1, 1.5, 2 of its setting), two
    passes, maximising hit@TOP on ``groups``; ties keep the setting."""
    weights = dict(start)
    for _ in range(2):
        for name in RULE_WEIGHTS:
            best, best_hit = weights[name], hit_at(groups, rules_with(weights, echo))
            for factor in FACTORS:
                trial = {**weights, name: round(start[name] * factor, 4)}
                hit = hit_at(groups, rules_with(trial, echo))
                if hit > best_hit + 1e-9:
                    best, best_hit = trial[name], hit
            weights[name] = best
    return weights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument(
        "--fit-rules",
        action="store_true",
        help="also fit the rule weights (settings) leave-one-corpus-out and print them",
    )
    args = parser.parse_args()
    settings = get_settings()
    data = collect(make_embed_model(settings))
    if args.fit_rules:
        start = {name: getattr(settings, name) for name in RULE_WEIGHTS}
        for held in data:
            train = [g for name, groups in data.items() if name != held for g in groups]
            fitted = fit_rules(train, start, settings.echo_factor)
            print(
                f"held out {held}: rules {hit_at(data[held], rules_with(start, settings.echo_factor)):.3f}, "
                f"fitted on the others {hit_at(data[held], rules_with(fitted, settings.echo_factor)):.3f} "
                f"{fitted}"
            )
        everything = [g for groups in data.values() for g in groups]
        print("fitted on all:", fit_rules(everything, start, settings.echo_factor))
    rules = lambda f: rule_score(f, settings)  # noqa: E731
    folds = {}
    for held in data:
        ranker = fit([g for name, groups in data.items() if name != held for g in groups])
        folds[held] = {
            f"hit@{TOP}_learned_cv": round(hit_at(data[held], ranker.probability), 3),
            f"hit@{TOP}_rules": round(hit_at(data[held], rules), 3),
        }
    final = fit([g for groups in data.values() for g in groups])
    for name in data:
        folds[name][f"hit@{TOP}_learned_fitted"] = round(hit_at(data[name], final.probability), 3)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python scripts/train_ranker.py",
        "sets": {name: len(groups) for name, groups in data.items()},
        "figures": folds,
        "features": list(FEATURES),
        "weights": {name: round(w, 6) for name, w in zip(FEATURES, final.weights, strict=True)},
        "bias": round(final.bias, 6),
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report["figures"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
