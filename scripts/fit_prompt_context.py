"""Fit the local model's prompt size (``ASSISTANT_LLM_CONTEXT_CHARS``) leave-one-corpus-out.

    .venv/bin/python scripts/fit_prompt_context.py 800:1000:1100:1200:1400 [--index-root DIR]

The model reads its prompt at ~50-60 tokens/s on 2 cores, so the prompt's size is its time to
first token. A model cannot state a fact its prompt lacks: for every answerable gold item of each
public set, this script builds the prompt's passages as the local backend does
(:meth:`assistant.pipeline.Assistant.prompt_passages`) and checks that every ``must_contain`` string is in them
(the scorer's normalisation). No model runs: a few seconds per value and set.

Rule: on the two training sets, the smallest value whose mean prompt recall is within
``--tolerance`` (0.02) of the recall at ``--reference`` (the size in use before the fit): the
prompt gets shorter only where it keeps the same facts. The held-out set's recall at that value,
beside its recall at the reference, is the cross-validated figure. Prints a Markdown table for
docs/performance.md. Follow-ups are read as their own question (no model to rewrite them).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.pipeline import Assistant  # noqa: E402
from evals.quality.metrics import contains_all  # noqa: E402
from evals.quality.run import load_questions  # noqa: E402
from evals.quality.sets import public_sets  # noqa: E402


def measure(bot: Assistant, items: list[dict], chars: int) -> tuple[float, float]:
    """(prompt recall over the answerable items, median characters of the prompt's passages)."""
    s = bot.settings.model_copy(update={"llm_context_chars": chars})
    hits, sizes = [], []
    for it in items:
        if not it["answerable"]:
            continue
        text = "\n".join(p.text for p in bot.prompt_passages(it["question"], s)[1])
        hits.append(contains_all(text, it["must_contain"]))
        sizes.append(len(text))
    return sum(hits) / max(1, len(hits)), statistics.median(sizes) if sizes else 0.0


def choose(recall: dict[int, float], reference: int, tolerance: float) -> int:
    return min(v for v, r in recall.items() if r >= recall[reference] - tolerance)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("values", help="candidate sizes in characters, ':'-separated")
    ap.add_argument("--index-root", type=Path, default=ROOT / "eval_out" / "prompt_fit")
    ap.add_argument("--reference", type=int, default=1400, help="the size in use (one of the values)")
    ap.add_argument("--tolerance", type=float, default=0.02)
    args = ap.parse_args()
    values = [int(v) for v in args.values.split(":")]
    table: dict[str, dict[int, tuple[float, float]]] = {}
    for es in public_sets():
        index_dir = args.index_root / es.name
        bot = Assistant.open(index_dir, llm="extractive")
        bot.ingest([es.corpus])
        items = load_questions(es.questions)
        table[es.name] = {v: measure(bot, items, v) for v in values}
        print(es.name, {v: f"{r:.3f}/{c:.0f}" for v, (r, c) in table[es.name].items()}, file=sys.stderr)
    sets = list(table)
    command = f"python scripts/fit_prompt_context.py {args.values}"
    print(f"Fit of `LLM_CONTEXT_CHARS` ({datetime.now(UTC).date()}, `{command}`):\n")
    print("| value | " + " | ".join(f"{s} prompt recall / median chars" for s in sets) + " |")
    print("|---:|" + "---|" * len(sets))
    for v in values:
        print(f"| {v} | " + " | ".join(f"{table[s][v][0]:.3f} / {table[s][v][1]:.0f}" for s in sets) + " |")
    print(
        "\n| held out | chosen on the two others | held-out recall at it | held-out recall at the reference |"
    )
    print("|---|---:|---:|---:|")
    for out in sets:
        train = {v: statistics.mean(table[s][v][0] for s in sets if s != out) for v in values}
        v = choose(train, args.reference, args.tolerance)
        print(f"| {out} | {v} | {table[out][v][0]:.3f} | {table[out][args.reference][0]:.3f} |")
    allsets = {v: statistics.mean(table[s][v][0] for s in sets) for v in values}
    print(f"\nFitted on the three sets: **{choose(allsets, args.reference, args.tolerance)}**.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
