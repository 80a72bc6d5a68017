"""Choose a setting on the generated validation split; read the generated test split for the choice.

    .venv/bin/python scripts/generate_training.py --as-gold validation data/generated_gold/validation
    .venv/bin/python scripts/generate_training.py --as-gold test data/generated_gold/test
    .venv/bin/python scripts/fit_knobs.py ANSWER_MAX_SENTENCES,ANSWER_SCORE_FLOOR=2,0.3:3,0.5 --max-median 450
    .venv/bin/python scripts/fit_knobs.py ANSWER_SCORE_FLOOR=0.3:0.45:0.6 --citations

Each candidate value (``:``-separated; a value per setting, ``,``-separated) is evaluated with
``assistant eval --set SPLIT --configs hybrid+extractive`` (extractive backend; the settings given
as ``ASSISTANT_*`` variables). The objective is the mean of answer accuracy, acc400, correct
refusals and (1 - false refusals). With ``--max-median N``, a value whose median answer is longer
than N characters on validation is not eligible: the length an answer must keep is a constraint,
not traded. With ``--citations`` (a knob that acts on what is cited), values whose objectives are
equal at three decimals are told apart by their citation precision. The value best on the
validation split is chosen; its figures on the test split are the held-out ones. Gold sets only
measure: a public set is refused here. Prints a Markdown table for docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.quality.sets import public_sets  # noqa: E402

SPLITS = ROOT / "data" / "generated_gold"


def objective(m: dict) -> float:
    return (m["accuracy"] + m["acc400"] + m["correct_refusals"] + 1 - m["false_refusals"]) / 4


def is_gold(spec: str) -> bool:
    """A ``--set`` that reads a public set's questions or corpus (:func:`evals.quality.sets.public_sets`),
    or a folder holding them: never a place to choose a value."""
    if spec == "public":
        return True
    gold = [p.resolve() for s in public_sets() for p in (s.questions, s.corpus)]
    for part in spec.split(":"):
        path = Path(part).resolve()
        if any(path == g or path in g.parents or g.is_dir() and g in path.parents for g in gold):
            return True
    return False


def evaluate(names: list[str], values: list[str], split: str, out: Path) -> dict:
    env = {**os.environ, **{f"ASSISTANT_{n}": v for n, v in zip(names, values, strict=True)}}
    cmd = [str(ROOT / ".venv/bin/assistant"), "eval", "--set", split]
    cmd += ["--configs", "hybrid+extractive", "--out", str(out), "--quiet"]
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return results["configs"]["hybrid+extractive"]["overall"]


def cell(m: dict) -> str:
    return (
        f"{m['accuracy']:.3f} / {m['acc400']:.3f} / {m['correct_refusals']:.3f} / {m['false_refusals']:.3f}"
        f" ({m['median_chars']:,.0f}, {m['citation_precision']:.3f})"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "spec", help="NAME[,NAME]=VALUE[,VALUE]:… (a value per setting, candidates ':'-separated)"
    )
    ap.add_argument("--citations", action="store_true", help="ties broken by citation precision")
    ap.add_argument("--max-median", type=int, help="longest eligible median answer (characters)")
    ap.add_argument("--validation", default=str(SPLITS / "validation"), help="where the value is chosen")
    ap.add_argument("--test", default=str(SPLITS / "test"), help="where the chosen value is read")
    args = ap.parse_args()
    for split in (args.validation, args.test):
        if is_gold(split):
            ap.error(f"{split} est un jeu de référence : il mesure, on n'y choisit aucune valeur")
        if not Path(split).is_dir():
            ap.error(f"{split} absent : le produire avec generate_training.py --as-gold")
    names_part, _, values_part = args.spec.partition("=")
    names = names_part.split(",")
    candidates = values_part.split(":")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, values in enumerate(candidates):
            results[values] = evaluate(names, values.split(","), args.validation, Path(tmp) / str(i))
            print(f"{values}: {objective(results[values]):.3f}", file=sys.stderr, flush=True)
        score = {v: objective(m) for v, m in results.items()}
        cited = {v: m["citation_precision"] if args.citations else 0.0 for v, m in results.items()}
        eligible = [
            v for v, m in results.items() if not args.max_median or m["median_chars"] <= args.max_median
        ]
        if not eligible:
            print(f"aucune valeur n'a une réponse médiane ≤ {args.max_median} caractères", file=sys.stderr)
            return 1
        chosen = max(eligible, key=lambda v: (round(score[v], 3), cited[v]))
        held = evaluate(names, chosen.split(","), args.test, Path(tmp) / "test")
    flags = " --citations" * args.citations + (f" --max-median {args.max_median}" if args.max_median else "")
    lines = [
        f"Choice of `{names_part}` ({datetime.now(UTC).date()}, `python scripts/fit_knobs.py {args.spec}{flags}`):",
        "",
        "| value | validation: acc / acc400 / refusals / false ref. (median chars, citation precision) | objective |",
        "|---|---|---:|",
    ]
    lines += [f"| {v} | {cell(m)} | {score[v]:.3f} |" for v, m in results.items()]
    lines += [
        "",
        f"- chosen on validation: **{chosen}**; test: {cell(held)}, objective {objective(held):.3f}",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
