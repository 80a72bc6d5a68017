"""The learned sentence ranker: a logistic regression over the features of
:func:`assistant.scoring.sentence_features` and the rules' score, its weights in ``ranker_weights.json``.

The weights are fitted by ``scripts/train_ranker.py`` on the questions the project generates
itself (``evals/training/data``: a sentence is positive when it is the question's source sentence;
the training split fitted, the validation split choosing, the test split reported), never on a
gold set; the file records the date, the data and the figures. At run time the score is a dot
product: deterministic, no library needed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WEIGHTS_FILE = Path(__file__).with_name("ranker_weights.json")
FEATURES = (
    "lexical",  # IDF-weighted share of the question's terms in the sentence
    "echo",  # the sentence mostly restates the question
    "around",  # the terms of its title, heading, list intro, continued line
    "intro",  # the terms of the line introducing its list
    "date_for_when",  # a date, for a « quand » question
    "name_for_who",  # a proper name, for a « qui / où » question
    "place_for_where",  # a place, for a « où » question
    "defines_for_what",  # a defining verb, for a « qu'est-ce que » question
    "legal_for_texts",  # a dated legal text, for « comment / quels textes »
    "passage_rank",  # 1 / rank of its passage
    "value_asked",  # a value of the kind asked (count, duration, amount, rate, date)
    "first_in_passage",
    "length",  # characters / 400, capped at 1
    "list_item",
    "is_question",  # the text asks it (a heading-like question, not an answer)
    "counts_asked",  # it counts the word a « combien de » question asks about
)


@dataclass(frozen=True)
class Ranker:
    """A correction over the hand-set rules: the rules' score is one input (weight ``prior``),
    so a feature the generated questions never exercise (few ask « où ») keeps the rules' say."""

    weights: tuple[float, ...]
    bias: float
    prior: float

    def probability(self, features, rules: float) -> float:
        """``rules``: the sentence's :func:`assistant.scoring.rule_score`."""
        z = self.bias + self.prior * rules + sum(w * f for w, f in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=1)
def load_ranker(path: Path = WEIGHTS_FILE) -> Ranker:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(
            f"{path.name} : caractéristiques différentes de celles du code ; relancer scripts/train_ranker.py"
        )
    weights = tuple(float(data["weights"][name]) for name in FEATURES)
    return Ranker(weights, float(data["bias"]), float(data["weights"]["rules"]))
