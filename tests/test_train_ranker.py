"""The ranker's fit (scripts/train_ranker.py) on candidates written here: the source sentence's
features win, and a feature left out of the fit gets weight 0."""

from __future__ import annotations

import random

import scripts.train_ranker as train
from assistant.ranker import FEATURES


def _rows(n: int, seed: int) -> list[dict]:
    """Questions whose source sentence holds more of the question's terms (feature ``lexical``)
    and whose passage rank says nothing (random)."""
    rnd = random.Random(seed)
    rows = []
    for _ in range(n):
        candidates = []
        for label in (1, 0, 0, 0):
            features = [0.0] * len(FEATURES)
            features[FEATURES.index("lexical")] = rnd.uniform(0.5, 1.0) if label else rnd.uniform(0.0, 0.6)
            features[FEATURES.index("passage_rank")] = rnd.choice([1.0, 0.5, 0.33])
            candidates.append({"features": features, "rules": features[0], "label": label})
        rows.append({"candidates": candidates})
    return rows


def test_the_fit_finds_the_source_sentence_and_leaves_out_what_it_is_told():
    rows = _rows(120, 1)
    ranker = train.fit(rows, 1.0)
    assert train.hit_at_1(_rows(60, 2), ranker.probability) > 0.8
    without = train.fit(rows, 1.0, exclude=("passage_rank",))
    assert without.weights[FEATURES.index("passage_rank")] == 0.0
    assert ranker.weights[FEATURES.index("passage_rank")] != 0.0
