"""Where the answer's facts rank among the scored sentences, on every public set (no model runs).

    .venv/bin/python scripts/fact_ranks.py [--index-root DIR]

For each answerable gold item, the answer context is built as an extractive answer builds it
(retrieval, neighbours merged), its sentences are scored (:func:`assistant.scoring.score_sentences`,
each part of a compound question led by its best, :func:`assistant.scoring.part_leads`), and the
rank of the first sentence holding each ``must_contain`` string is read (the scorer's
normalisation). An item's rank is that of its last fact: rank 1 means the best sentence holds them
all. Prints, per set, how many items have their facts within the first 1, 2, 3 and 8 sentences,
and how many have a fact in no sentence of the context (a retrieval or splitting miss). A quick
check (~15 s) of a ranking change before the end-to-end ``assistant eval``. Follow-ups are read as
their own question.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.context import answer_context  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.scoring import part_leads, score_sentences  # noqa: E402
from evals.quality.metrics import normalize  # noqa: E402
from evals.quality.run import load_questions  # noqa: E402
from evals.quality.sets import public_sets  # noqa: E402

CUTS = (1, 2, 3, 8)


def fact_rank(bot: Assistant, item: dict) -> int | None:
    """Rank (from 1) of the sentence holding the item's last fact; None when one is in no sentence."""
    question = bot.clean(item["question"])
    read, _ = bot.read(question)
    context = answer_context(bot.retrieve(question), bot.settings)
    scored = score_sentences(read, context, bot.vocabulary, bot.settings)
    _, scored = part_leads(read, scored, context, bot.vocabulary, bot.settings)
    texts = [normalize(row[3]) for row in scored]
    ranks = [
        next((i for i, t in enumerate(texts, start=1) if normalize(m) in t), None)
        for m in item["must_contain"]
    ]
    return None if None in ranks else max(ranks)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-root", type=Path, default=ROOT / "eval_out" / "prompt_fit")
    args = ap.parse_args()
    print(
        "| set | answerable | " + " | ".join(f"facts in the first {c}" for c in CUTS) + " | in no sentence |"
    )
    print("|---|---:|" + "---:|" * (len(CUTS) + 1))
    for es in public_sets():
        bot = Assistant.open(args.index_root / es.name, llm="extractive")
        bot.ingest([es.corpus])
        ranks = [fact_rank(bot, it) for it in load_questions(es.questions) if it["answerable"]]
        within = [sum(r is not None and r <= c for r in ranks) for c in CUTS]
        print(
            f"| {es.name} | {len(ranks)} | "
            + " | ".join(str(w) for w in within)
            + f" | {sum(r is None for r in ranks)} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
