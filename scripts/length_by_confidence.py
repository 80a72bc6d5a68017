"""How often an answer holds its fact when its length follows the learned ranker's confidence.

    .venv/bin/python scripts/length_by_confidence.py [--cache data/reader_candidates.jsonl]

On the stored candidates of the generated questions (:mod:`evals.training.candidates`, built by
``scripts/train_ranker.py``), each answerable question's sentences are ranked by the learned
ranker's probability (``assistant/ranker_weights.json``). Two ways to stop, at most 8 sentences:
a fixed count k, and « until the sentences' share of the probability mass reaches q ». Prints,
per split, the share of questions whose source sentence is kept and the mean number kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.ranker import load_ranker  # noqa: E402
from evals.training.candidates import CACHE  # noqa: E402

MOST = 8


def kept(ranked: list[tuple[float, int]], q: float) -> int:
    """Sentences kept until their share of the probability mass reaches ``q``."""
    total, cum = sum(p for p, _ in ranked) or 1.0, 0.0
    for k, (p, _) in enumerate(ranked[:MOST], start=1):
        cum += p / total
        if cum >= q:
            return k
    return min(MOST, len(ranked))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    ranker = load_ranker()
    rows = [json.loads(line) for line in args.cache.read_text(encoding="utf-8").splitlines() if line]
    print("| split | stop | fact kept | mean sentences |\n|---|---|---|---|")
    for split in ("validation", "test"):
        questions = [
            sorted(
                ((ranker.probability(c["features"], c["rules"]), c["label"]) for c in r["candidates"]),
                reverse=True,
            )
            for r in rows
            if r["split"] == split and r["answerable"] and any(c["label"] for c in r["candidates"])
        ]
        rank = [next(i for i, (_, label) in enumerate(ranked) if label) for ranked in questions]
        for k in (1, 2, 3, MOST):
            print(f"| {split} | fixed {k} | {sum(r < k for r in rank) / len(rank):.3f} | ≤ {k} |")
        for q in (0.3, 0.4, 0.5):
            sizes = [kept(ranked, q) for ranked in questions]
            hit = sum(r < n for r, n in zip(rank, sizes, strict=True)) / len(rank)
            print(f"| {split} | share ≥ {q} | {hit:.3f} | {sum(sizes) / len(sizes):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
