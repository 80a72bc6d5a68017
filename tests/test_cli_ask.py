"""`assistant ask` as evaluation scripts use it: the real console script over a real index."""

from __future__ import annotations

import json

import pytest
from conftest import ANSWER_FIELDS
from ingest_helpers import run_assistant

CALENDAR = "Quel est le calendrier de signature des contrats de ville 2024-2030 ?"


@pytest.fixture(scope="module")
def index_dir(seeds_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("cli_ask_index")
    run = run_assistant("ingest", seeds_dir, "--index-dir", path, "--quiet")
    assert run.returncode == 0, run.stderr
    return path


def test_ask_json_has_the_stable_fields(index_dir):
    run = run_assistant("ask", CALENDAR, "--json", "--llm", "extractive", "--index-dir", index_dir)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout.strip().splitlines()[-1])
    assert list(data) == ANSWER_FIELDS
    assert "31 mars 2024" in data["answer"] and not data["abstained"]
    assert "002_ade2664f57edfe95.txt" in {c["source"] for c in data["citations"]}
    assert all(f"[{c['id']}]" in data["answer"] for c in data["citations"])


def test_ask_text_output_is_french_with_numbered_sources(index_dir):
    run = run_assistant("ask", CALENDAR, "--llm", "extractive", "--index-dir", index_dir)
    assert run.returncode == 0, run.stderr
    assert "31 mars 2024" in run.stdout
    assert "[1]" in run.stdout and "002_ade2664f57edfe95.txt" in run.stdout


def test_batch_questions_give_one_json_line_each_and_report_bad_lines(index_dir, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(
            [
                json.dumps({"id": "cal", "question": CALENDAR}, ensure_ascii=False),
                json.dumps(
                    {"id": "none", "question": "Quelle est la recette de la tarte tatin ?"},
                    ensure_ascii=False,
                ),
                "{pas du json",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    run = run_assistant("ask", "--questions", questions, "--llm", "extractive", "--index-dir", index_dir)
    assert run.returncode == 1  # one bad line
    rows = [json.loads(line) for line in run.stdout.strip().splitlines()]
    assert [r["id"] for r in rows] == ["cal", "none", "3"]
    assert "31 mars 2024" in rows[0]["answer"]
    assert (
        rows[1]["abstained"]
        and rows[1]["answer"] == "Je ne trouve pas cette information dans les documents indexés."
    )
    assert "ligne 3" in rows[2]["error"]


def test_empty_question_is_a_clear_error(index_dir):
    run = run_assistant("ask", "   ", "--llm", "extractive", "--index-dir", index_dir)
    assert run.returncode == 2
    assert "question" in run.stderr.lower()


def test_batch_lines_may_carry_the_conversation_so_far(index_dir, tmp_path):
    turn = [
        {"role": "user", "content": CALENDAR},
        {"role": "assistant", "content": "Au plus tard le 31 mars 2024."},
    ]
    questions = tmp_path / "suite.jsonl"
    questions.write_text(
        json.dumps({"id": "suite", "question": "Et qui les signe ?", "history": turn}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": "mal", "question": "Et alors ?", "history": "pas une liste"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    run = run_assistant("ask", "--questions", questions, "--llm", "extractive", "--index-dir", index_dir)
    rows = [json.loads(line) for line in run.stdout.strip().splitlines()]
    assert rows[0]["standalone_question"] != "Et qui les signe ?"  # read with the previous turn
    assert "contrats de ville" in rows[0]["standalone_question"]
    assert "« history »" in rows[1]["error"] and run.returncode == 1
