"""Where the answerable questions of an evaluation are lost, from its ``results.json``.

    .venv/bin/python scripts/answer_failures.py eval_out/s41_wv_rules/results.json

Per answerable question: refused; every expected string within the first 400 characters; further
down; in a cited passage but not in the answer; in no cited passage. For those further down, whether
the answer's first sentence holds all, some or none of the strings, and whether it is longer than
400 characters. Offline; reads no gold set itself (give it a project split's results).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.quality.metrics import (
    answer_correct,
    answer_correct_within,
    contains_all,
    normalize,
    strip_markers,
)


def where_lost(q: dict) -> str:
    item = {"must_contain": q["must_contain"]}
    if q["abstained"]:
        return "refused"
    if answer_correct_within(item, q):
        return "within 400"
    if answer_correct(item, q):
        return "further down"
    cited = " ".join(c["text"] for c in q["citations"])
    return "in a cited passage" if contains_all(cited, q["must_contain"]) else "in no cited passage"


def first_sentence(q: dict) -> tuple[str, bool]:
    first = re.split(r"(?<=[.!?])\s+", strip_markers(q["answer"]))[0]
    holds = [normalize(n) in normalize(first) for n in q["must_contain"]]
    return ("all" if all(holds) else "some" if any(holds) else "none"), len(first) > 400


def main(paths: list[str]) -> int:
    for path in paths:
        answerable = [q for q in json.loads(Path(path).read_text())["questions"] if q["answerable"]]
        lost = Counter(where_lost(q) for q in answerable)
        down = Counter(first_sentence(q) for q in answerable if where_lost(q) == "further down")
        print(path, f"{len(answerable)} answerable", dict(lost))
        print("  further down, first sentence holds (strings, longer than 400):", dict(down))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
