"""CI gate: the evaluation of every public set, extractive backend, must stay within its thresholds.

Each set has its own thresholds (GATE: minimums, CEILING: maximums), read from the evaluation of
docs/evaluation.md and nowhere else; a threshold is never raised because the set it is measured on
was tuned on, never loosened. Runs ``evals.quality.run.run_eval`` in process for seeds_dev, dev2 and
sample_gold (hybrid retrieval, hybrid + extractive answers: about a minute on two cores). Needs
../shared (or SHARED_DIR): without it the whole run stops at start-up (tests/conftest.py), it is
never skipped.
"""

from __future__ import annotations

import json

import pytest

from evals.quality.sets import public_sets

# set -> (configuration, metric) -> minimum.
GATE = {
    "seeds_dev": {
        ("hybrid", "evidence@5"): 0.85,
        ("hybrid+extractive", "accuracy"): 0.80,
        ("hybrid+extractive", "acc400"): 0.50,
        ("hybrid+extractive", "correct_refusals"): 0.85,
    },
    "dev2": {
        ("hybrid", "evidence@5"): 0.70,
        ("hybrid+extractive", "accuracy"): 0.60,
        ("hybrid+extractive", "acc400"): 0.45,
        ("hybrid+extractive", "correct_refusals"): 0.30,
        ("hybrid+extractive", "page_ok"): 0.55,
    },
    "sample_gold": {
        ("hybrid", "evidence@5"): 0.90,
        ("hybrid+extractive", "accuracy"): 0.72,
        ("hybrid+extractive", "acc400"): 0.55,
        ("hybrid+extractive", "correct_refusals"): 0.85,
    },
}
# set -> (configuration, metric) -> maximum.
CEILING = {name: {("hybrid+extractive", "false_refusals"): 0.05} for name in GATE}
CASES = [(name, c, m, "min") for name, g in GATE.items() for c, m in g] + [
    (name, c, m, "max") for name, g in CEILING.items() for c, m in g
]


@pytest.fixture(scope="module")
def gate_runs(tmp_path_factory):
    from evals.quality.run import run_eval

    runs = {}
    for s in public_sets():
        out = tmp_path_factory.mktemp(f"eval_gate_{s.name}")
        runs[s.name] = (
            run_eval(s.questions, s.corpus, ["hybrid", "hybrid+extractive"], out_dir=out, progress=False),
            out,
        )
    return runs


def _failures(results: dict, config: str, metric: str) -> str:
    rows = [r for r in results["questions"] if r["config"] == config]
    if metric == "evidence@5":
        bad = [
            f"{r['id']} ({r['type']})" for r in rows if r["answerable"] and not r["scores"].get("evidence@5")
        ]
    else:
        bad = [f"{r['id']} ({r['type']}): {r['failure']['why']}" for r in rows if r.get("failure")]
    return "\n  ".join(bad)


@pytest.mark.parametrize("name, config, metric, side", CASES, ids=[f"{n}:{c}:{m}" for n, c, m, _ in CASES])
def test_gate(gate_runs, name, config, metric, side):
    results, _ = gate_runs[name]
    value = results["configs"][config]["overall"][metric]
    bound = (GATE if side == "min" else CEILING)[name][(config, metric)]
    ok = value is not None and (value >= bound if side == "min" else value <= bound)
    assert ok, (
        f"{name}: {config} {metric} = {value} {'<' if side == 'min' else '>'} {bound}; failing questions:\n  "
        + _failures(results, config, metric)
    )


def test_gate_run_writes_the_three_outputs(gate_runs):
    results, out = gate_runs["seeds_dev"]
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Retrieval" in report and "## Answers" in report and "## Winner per metric" in report
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert len(saved["questions"]) == 2 * results["meta"]["n_questions"] == 80
    row = next(r for r in saved["questions"] if r["config"] == "hybrid+extractive")
    assert {"question", "answer", "citations", "scores", "time_ms", "retrieved"} <= set(row)
    assert saved["meta"]["ingest"]["failed"] == [] and saved["meta"]["documents"] == 5
