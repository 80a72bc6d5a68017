"""The knob-choosing script never chooses on a gold set: the public sets only measure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import scripts.fit_knobs as fit

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "split",
    [
        "public",
        "../shared/evals/dev2",
        "evals/sample_gold.jsonl:evals",
        str(ROOT.parent / "shared" / "seeds"),
    ],
)
def test_gold_sets_are_refused(split):
    assert fit.is_gold(split)
    done = subprocess.run(
        [sys.executable, "scripts/fit_knobs.py", "ANSWER_SCORE_FLOOR=0.3", "--validation", split],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "jeu de référence" in done.stderr


def test_generated_splits_are_allowed(tmp_path):
    assert not fit.is_gold(str(ROOT / "data" / "generated_gold" / "validation"))
    assert not fit.is_gold(str(tmp_path))
