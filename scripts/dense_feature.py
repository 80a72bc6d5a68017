"""Would the e5 bi-encoder's cosine (question, candidate sentence) help the learned ranker?

    .venv/bin/python scripts/dense_feature.py [--context] [--latency]

Offline, on the stored candidates (``data/reader_candidates.jsonl``, built by
``scripts/train_ranker.py``): each answerable question's candidates get the cosine of the
question's and the sentence's embeddings (``query: `` / ``passage: ``; ``--context``: the sentence
with its list intro or heading and title, as the reader reads it) and its gap to the best one; a
logistic regression is fitted on the training split with and without them and sentence hit@1 is
printed per split and for the questions written by hand. ``--latency``: the time to embed 16
candidates on 1 and 2 threads (median over 20 questions). No gold set is read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sklearn.linear_model import LogisticRegression

from core.settings import get_settings
from evals.training.candidates import CACHE, WRITTEN_ID
from index.embeddings import resolve_embed_model


def features(rows, extra):
    return [[*c["features"], c["rules"], *(c[e] for e in extra)] for r in rows for c in r["candidates"]]


def hit(rows, model, extra) -> float:
    if not rows:
        return 0.0
    best = (r["candidates"][int(np.argmax(model.decision_function(features([r], extra))))] for r in rows)
    return round(sum(c["label"] for c in best) / len(rows), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--context", action="store_true", help="the sentence with its intro and title")
    parser.add_argument("--latency", action="store_true", help="time 16 candidates on 1 and 2 threads")
    args = parser.parse_args()
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_embed_model(get_settings()), device="cpu")
    rows = [json.loads(line) for line in CACHE.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["answerable"] and any(c["label"] for c in r["candidates"])]
    text = (lambda c: c["text"]) if args.context else (lambda c: c["text"].split(" — ")[0])
    if args.latency:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            times = []
            for r in rows[:20]:
                start = time.perf_counter()
                model.encode(["passage: " + text(c) for c in r["candidates"][:16]], batch_size=64)
                times.append(time.perf_counter() - start)
            print(f"{threads} thread(s): 16 candidates, median {1000 * sorted(times)[10]:.0f} ms")
    questions = sorted({r["read"] for r in rows})
    texts = sorted({text(c) for r in rows for c in r["candidates"]})
    q_vec = dict(
        zip(
            questions,
            model.encode(["query: " + q for q in questions], normalize_embeddings=True),
            strict=True,
        )
    )
    t_vec = dict(
        zip(texts, model.encode(["passage: " + t for t in texts], normalize_embeddings=True), strict=True)
    )
    for r in rows:
        sims = [float(t_vec[text(c)] @ q_vec[r["read"]]) for c in r["candidates"]]
        for c, sim in zip(r["candidates"], sims, strict=True):
            c["dense"], c["dense_gap"] = sim, sim - max(sims)
    split = {name: [r for r in rows if r["split"] == name] for name in ("train", "validation", "test")}
    labels = [c["label"] for r in split["train"] for c in r["candidates"]]
    for extra in ([], ["dense"], ["dense", "dense_gap"]):
        for c in (0.1, 1.0):
            fitted = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
            fitted.fit(features(split["train"], extra), labels)
            figures = {
                f"{name}{tag}": hit(group, fitted, extra)
                for name, rows_of in split.items()
                for tag, group in (
                    ("", rows_of),
                    (" written", [r for r in rows_of if r["id"].startswith(WRITTEN_ID)]),
                )
            }
            print(extra or ["(none)"], f"C {c}", figures, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
