"""Can question-level features tell a question the passages answer from one they leave open?

    .venv/bin/python scripts/refusal_features.py

Offline, on the stored candidates (``data/reader_candidates.jsonl``, built by
``scripts/train_ranker.py``): per question, the learned ranker's two best probabilities, their gap,
the mean of the first three, the best lexical share, the top sentence's lexical share, the asked
value among the first three and the number of candidates. A logistic regression is fitted on the
training split; the threshold refuses the most open questions with at most 5 % of the validation
split's answerable ones refused. Prints the AUC and the refusals per split and origin (generated,
written by hand). No gold set is read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from assistant.ranker import FEATURES, load_ranker
from evals.training.candidates import CACHE, WRITTEN_ID

LEXICAL, VALUE = FEATURES.index("lexical"), FEATURES.index("value_asked")


def question_features(row: dict, ranker) -> list[float]:
    ranked = sorted(
        ((ranker.probability(c["features"], c["rules"]), c) for c in row["candidates"]), key=lambda t: -t[0]
    )
    p = [s for s, _ in ranked] + [0.0, 0.0, 0.0]
    return [
        p[0],
        p[1],
        p[0] - p[1],
        float(np.mean(p[:3])),
        max(c["features"][LEXICAL] for _, c in ranked),
        ranked[0][1]["features"][LEXICAL],
        max(c["features"][VALUE] for _, c in ranked[:3]),
        len(ranked) / 50,
    ]


def main() -> int:
    ranker = load_ranker()
    rows = [json.loads(line) for line in CACHE.read_text(encoding="utf-8").splitlines()]
    data = {
        split: [
            (question_features(r, ranker), int(not r["answerable"]), r["id"].startswith(WRITTEN_ID))
            for r in rows
            if r["split"] == split and r["candidates"]
        ]
        for split in ("train", "validation", "test")
    }
    x = np.array([f for f, _, _ in data["train"]])
    y = np.array([t for _, t, _ in data["train"]])
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(x, y)

    def scored(split, written=None):
        group = [t for t in data[split] if written is None or t[2] == written]
        return model.predict_proba(np.array([f for f, _, _ in group]))[:, 1], np.array(
            [t for _, t, _ in group]
        )

    p, truth = scored("validation")
    answerable = np.sort(p[truth == 0])
    threshold = answerable[int(np.ceil(0.95 * len(answerable))) - 1]
    print(f"threshold {threshold:.3f} (at most 5 % of the validation split's answerable questions refused)")
    for split in ("validation", "test"):
        for written, name in ((None, "all"), (False, "generated"), (True, "written")):
            p, truth = scored(split, written)
            if len(set(truth)) < 2:
                continue
            print(
                f"{split} {name}: {len(truth)} questions, {truth.sum()} open, AUC {roc_auc_score(truth, p):.3f}, "
                f"correct refusals {(p[truth == 1] > threshold).mean():.3f}, "
                f"false refusals {(p[truth == 0] > threshold).mean():.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
