"""Fit a setting on the public gold sets, leave-one-corpus-out.

    .venv/bin/python scripts/fit_knobs.py ANSWER_MAX_SENTENCES,ANSWER_MAX_CHARS=3,450:5,750:8,1200
    .venv/bin/python scripts/fit_knobs.py FOCUS_SHARE_OTHER_WORD=0.3:0.5:0.7
    .venv/bin/python scripts/fit_knobs.py ANSWER_SCORE_FLOOR=0.3:0.45:0.6 --citations

Each candidate value (``:``-separated; a value per setting, ``,``-separated) is evaluated with
``assistant eval --set public --configs hybrid+extractive`` (extractive backend; the settings given as
``ASSISTANT_*`` variables). The objective of a set is the mean of answer accuracy, acc400, correct
refusals and (1 - false refusals). With ``--citations`` (a knob that acts on what is cited), values
whose objectives are equal at three decimals are told apart by their citation precision. For each
set held out, the value that is best on the two others is chosen and its objective on the held-out
set is the cross-validated figure; the value best on all three is the fitted one. Prints a Markdown
table for docs/evaluation.md (with each set's median answer length and citation precision, shown, not in the objective).
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


def objective(m: dict) -> float:
    return (m["accuracy"] + m["acc400"] + m["correct_refusals"] + 1 - m["false_refusals"]) / 4


def rank_key(results: dict, score: dict, sets: list[str], citations: bool):
    """How values are compared on ``sets``: the mean objective at three decimals, then (with
    ``citations``) the mean citation precision."""

    def key(v: str) -> tuple[float, float]:
        cited = sum(results[v][s]["citation_precision"] for s in sets) / len(sets)
        return round(sum(score[v][s] for s in sets) / len(sets), 3), cited if citations else 0.0

    return key


def evaluate(names: list[str], values: list[str], out: Path) -> dict:
    env = {**os.environ, **{f"ASSISTANT_{n}": v for n, v in zip(names, values, strict=True)}}
    cmd = [
        str(ROOT / ".venv/bin/assistant"),
        "eval",
        "--set",
        "public",
        "--configs",
        "hybrid+extractive",
        "--out",
        str(out),
        "--quiet",
    ]
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    row = summary["configs"]["hybrid+extractive"]
    return {name: row[name] for name in summary["sets"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "spec", help="NAME[,NAME]=VALUE[,VALUE]:… (a value per setting, candidates ':'-separated)"
    )
    ap.add_argument("--citations", action="store_true", help="ties broken by citation precision")
    args = ap.parse_args()
    spec = args.spec
    names_part, _, values_part = spec.partition("=")
    names = names_part.split(",")
    candidates = [v.split(",") for v in values_part.split(":")]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, values in enumerate(candidates):
            results[",".join(values)] = evaluate(names, values, Path(tmp) / str(i))
            print(
                f"{values}: "
                + ", ".join(f"{s} {objective(m):.3f}" for s, m in results[",".join(values)].items()),
                file=sys.stderr,
                flush=True,
            )
    sets = list(next(iter(results.values())))
    score = {v: {s: objective(m) for s, m in per.items()} for v, per in results.items()}
    lines = [
        f"Fit of `{names_part}` ({datetime.now(UTC).date()}, "
        f"`python scripts/fit_knobs.py {spec}{' --citations' * args.citations}`):",
        "",
    ]
    lines += [
        "| value | "
        + " | ".join(
            f"{s} acc / acc400 / refusals / false ref. (median chars, citation precision)" for s in sets
        )
        + " | objective (mean) |",
        "|---|" + "---|" * len(sets) + "---:|",
    ]
    for v, per in results.items():
        cells = [
            f"{m['accuracy']:.3f} / {m['acc400']:.3f} / {m['correct_refusals']:.3f} / {m['false_refusals']:.3f}"
            f" ({m['median_chars']:,.0f}, {m['citation_precision']:.3f})"
            for m in per.values()
        ]
        lines.append(f"| {v} | " + " | ".join(cells) + f" | {sum(score[v].values()) / len(sets):.3f} |")
    lines.append("")
    cv = []
    for held in sets:
        best = max(score, key=rank_key(results, score, [s for s in sets if s != held], args.citations))
        cv.append(score[best][held])
        lines.append(
            f"- held out `{held}`: best on the others = {best}, objective there {score[best][held]:.3f}"
        )
    fitted = max(score, key=rank_key(results, score, sets, args.citations))
    lines.append(
        f"- fitted on all three: **{fitted}** (objective {sum(score[fitted].values()) / len(sets):.3f}); "
        f"cross-validated objective {sum(cv) / len(cv):.3f}"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
