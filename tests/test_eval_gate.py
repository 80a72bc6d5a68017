"""CI gate: the evaluation on the seeds dev set, extractive backend, must stay above the thresholds.

The thresholds live in GATE (minimums) and CEILING (maximums), nowhere else; tighten them as the
system improves, never loosen them.
Runs ``evals.quality.run.run_eval`` in process (one ingest of the five seed documents, hybrid retrieval
and hybrid + extractive answers: about a minute on two cores). Needs ../shared (or SHARED_DIR): without
it the whole run stops at start-up (tests/conftest.py), it is never skipped.
"""

from __future__ import annotations

import json

import pytest
from conftest import SEEDS, SEEDS_DEV

# (configuration, metric) -> minimum. Raise as the system improves; never lower.
GATE = {
    ("hybrid", "evidence@5"): 0.85,
    ("hybrid+extractive", "accuracy"): 0.80,
    ("hybrid+extractive", "correct_refusals"): 0.85,
}
# (configuration, metric) -> maximum. Lower as the system improves; never raise.
CEILING = {
    ("hybrid+extractive", "false_refusals"): 0.05,
}


@pytest.fixture(scope="module")
def gate_run(tmp_path_factory):
    from evals.quality.run import run_eval

    out = tmp_path_factory.mktemp("eval_gate")
    configs = sorted({config for config, _ in [*GATE, *CEILING]})
    results = run_eval(SEEDS_DEV, SEEDS, configs, out_dir=out, index_dir=out / "index", progress=False)
    return results, out


def _failures(results: dict, config: str, metric: str) -> str:
    rows = [r for r in results["questions"] if r["config"] == config]
    if metric == "evidence@5":
        bad = [
            f"{r['id']} ({r['type']})" for r in rows if r["answerable"] and not r["scores"].get("evidence@5")
        ]
    else:
        bad = [f"{r['id']} ({r['type']}): {r['failure']['why']}" for r in rows if r.get("failure")]
    return "\n  ".join(bad)


@pytest.mark.parametrize("config, metric", list(GATE), ids=[f"{c}:{m}" for c, m in GATE])
def test_gate(gate_run, config, metric):
    results, _ = gate_run
    value = results["configs"][config]["overall"][metric]
    minimum = GATE[(config, metric)]
    assert value is not None and value >= minimum, (
        f"{config} {metric} = {value:.3f} < {minimum} on the seeds dev set; failing questions:\n  "
        + _failures(results, config, metric)
    )


@pytest.mark.parametrize("config, metric", list(CEILING), ids=[f"{c}:{m}" for c, m in CEILING])
def test_ceiling(gate_run, config, metric):
    results, _ = gate_run
    value = results["configs"][config]["overall"][metric]
    maximum = CEILING[(config, metric)]
    assert value is not None and value <= maximum, (
        f"{config} {metric} = {value:.3f} > {maximum} on the seeds dev set; failing questions:\n  "
        + _failures(results, config, metric)
    )


def test_gate_run_writes_the_three_outputs(gate_run):
    results, out = gate_run
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Retrieval" in report and "## Answers" in report and "## Winner per metric" in report
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert len(saved["questions"]) == 2 * results["meta"]["n_questions"] == 80
    row = next(r for r in saved["questions"] if r["config"] == "hybrid+extractive")
    assert {"question", "answer", "citations", "scores", "time_ms", "retrieved"} <= set(row)
    assert saved["meta"]["ingest"]["failed"] == [] and saved["meta"]["documents"] == 5
