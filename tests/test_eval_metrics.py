"""Scoring and aggregation of the evaluation on hand-made results (no model, no index)."""

from __future__ import annotations

import pytest

from evals.quality import metrics as m
from evals.quality.aggregate import (
    aggregate,
    by_type,
    classify_failure,
    compare,
    score_question,
    summarize,
    winners,
)
from evals.quality.report import chart, markdown
from evals.quality.run import EvalError, load_questions, parse_configs
from evals.stats import percentile

DATE = {
    "id": "t-001",
    "type": "date",
    "answerable": True,
    "question": "Combien de quartiers ?",
    "must_contain": ["1 514"],
    "source_file": "a.txt",
}
MULTI = {
    "id": "t-002",
    "type": "multi_hop",
    "answerable": True,
    "question": "Q ?",
    "must_contain": ["31 mars 2024", "œuvre"],
    "source_file": ["a.txt", "b.txt"],
}
NONE = {
    "id": "t-003",
    "type": "unanswerable",
    "answerable": False,
    "question": "Q ?",
    "must_contain": [],
    "source_file": "",
}


def P(source: str, text: str) -> dict:
    return {"source": source, "text": text}


def A(answer: str, abstained: bool = False, cited=()) -> dict:
    return {"answer": answer, "abstained": abstained, "citations": [{"source": s} for s in cited]}


# -- normalisation -------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, needle",
    [
        ("On compte 1514 quartiers.", "1 514"),
        ("On compte 1 514 quartiers.", "1514"),
        ("On compte 1\u00a0514 quartiers.", "1 514"),  # non-breaking space
        ("On compte 1\u202f514 quartiers.", "1 514"),  # narrow no-break space
        ("le 31\nmars 2024", "31 mars 2024"),
        ("L’ANCT", "l'anct"),
        ("mise en Œuvre", "mise en oeuvre"),
        ("ﬁnancement", "financement"),  # NFKC ligature
    ],
)
def test_normalised_match(text, needle):
    assert m.contains_all(text, [needle])


@pytest.mark.parametrize(
    "text, needle",
    [
        ("créé en 2014", "cree en 2014"),  # accents are kept
        ("1 515 quartiers", "1 514"),
        ("", "x"),
    ],
)
def test_normalised_mismatch(text, needle):
    assert not m.contains_all(text, [needle])


def test_missing_strings():
    assert m.missing_strings("le 31 mars 2024", ["31 mars 2024", "œuvre"]) == ["œuvre"]


# -- passages and documents ------------------------------------------------------------
def test_evidence_is_the_union_of_passages_for_multi_hop():
    passages = [P("a.txt", "signature au 31 mars 2024"), P("c.txt", "rien"), P("b.txt", "mise en oeuvre")]
    assert not m.evidence_at(MULTI, passages, 1)
    assert not m.evidence_at(MULTI, passages, 2)
    assert m.evidence_at(MULTI, passages, 3)
    assert m.passage_rank(MULTI, passages) == 3


def test_evidence_does_not_match_across_passage_boundaries():
    item = {**DATE, "must_contain": ["mars 2024"]}
    assert not m.evidence_at(item, [P("a.txt", "fin mars"), P("a.txt", "2024 début")], 2)


def test_doc_metrics_multi_hop_recall_needs_every_file():
    passages = [P("c.txt", "x"), P("a.txt", "x"), P("a.txt", "y")]
    assert m.doc_ranks(MULTI, passages) == [2]
    assert not m.doc_hit(MULTI, passages, 1) and m.doc_hit(MULTI, passages, 2)
    assert m.doc_reciprocal_rank(MULTI, passages) == 0.5
    assert m.doc_recall(MULTI, passages) == 0.5
    assert m.doc_recall(MULTI, passages + [P("b.txt", "z")]) == 1.0
    assert m.doc_recall(MULTI, [P("c.txt", "x")] * 10 + [P("b.txt", "z")], k=10) == 0.0  # rank 11 is out


def test_citations_and_refusals():
    assert m.citation_precision(MULTI, A("x", cited=["a.txt", "c.txt"])) == 0.5
    assert m.citation_precision(MULTI, A("x")) is None
    assert m.citation_precision(NONE, A("invented", cited=["a.txt"])) == 0.0
    assert m.cites_gold(MULTI, A("x", cited=["b.txt"])) and not m.cites_all_gold(
        MULTI, A("x", cited=["b.txt"])
    )
    assert m.cites_all_gold(MULTI, A("x", cited=["b.txt", "a.txt"]))
    assert m.refusal_correct(A("Je ne trouve pas.", abstained=True))
    assert not m.refusal_correct(A("Je ne trouve pas.", abstained=True, cited=["a.txt"]))
    assert not m.answer_correct(DATE, A("1 514 quartiers", abstained=True))  # an abstention is never correct
    assert m.answer_correct(DATE, A("Il y a 1514 quartiers [1]."))


def test_percentile_matches_numpy_linear():
    values = [10.0, 20.0, 30.0, 40.0, 100.0]
    assert percentile(values, 50) == 30.0
    assert percentile(values, 95) == pytest.approx(88.0)
    assert percentile([], 95) is None


# -- rows, aggregation ---------------------------------------------------------------
def _row(config, item, passages, answer=None, time_ms=10.0, context_k=5):
    row = {
        "config": config,
        "id": item["id"],
        "type": item["type"],
        "answerable": item["answerable"],
        "question": item["question"],
        "must_contain": item["must_contain"],
        "source_file": item["source_file"],
        "retrieved": [{**p, "rank": i} for i, p in enumerate(passages, 1)],
        "time_ms": time_ms,
        "context_k": context_k,
    }
    if answer is not None:
        row.update(answer=answer["answer"], abstained=answer["abstained"], citations=answer["citations"])
    row["scores"] = score_question(item, row["retrieved"], answer, context_k)
    row["failure"] = classify_failure(row) if answer is not None else None
    return row


GOOD = [P("a.txt", "1 514 quartiers, 31 mars 2024"), P("b.txt", "mise en œuvre")]
BAD = [P("c.txt", "rien")] * 6 + GOOD


def _rows():
    return [
        _row("hybrid", DATE, GOOD, time_ms=10),
        _row("hybrid", MULTI, GOOD, time_ms=20),
        _row("hybrid", NONE, BAD, time_ms=30),
        _row("bm25", DATE, BAD, time_ms=1),
        _row("bm25", MULTI, GOOD, time_ms=2),
        _row("bm25", NONE, GOOD, time_ms=3),
        _row("hybrid+extractive", DATE, GOOD, A("Il y a 1514 quartiers [1].", cited=["a.txt"]), 100),
        _row("hybrid+extractive", MULTI, GOOD, A("Je ne trouve pas.", abstained=True), 200),
        _row("hybrid+extractive", NONE, BAD, A("Invention [1].", cited=["c.txt"]), 300),
    ]


def test_aggregate_retrieval():
    rows = [r for r in _rows() if r["config"] == "bm25"]
    agg = aggregate(rows, answers=False)
    assert (agg["n"], agg["n_answerable"], agg["n_unanswerable"]) == (3, 2, 1)
    assert agg["evidence@1"] == 0.0 and agg["evidence@5"] == 0.5 and agg["evidence@10"] == 1.0
    assert agg["passage_mrr@10"] == pytest.approx((1 / 7 + 1 / 2) / 2)  # DATE at rank 7, MULTI at 2
    assert agg["doc_hit@1"] == 1 / 2 and agg["doc_recall@10"] == 1.0
    assert agg["accuracy"] is None and agg["correct_refusals"] is None
    assert agg["time_median_ms"] == 2 and agg["time_total_s"] == pytest.approx(0.006)


def test_aggregate_answers():
    rows = [r for r in _rows() if r["config"] == "hybrid+extractive"]
    agg = aggregate(rows, answers=True)
    assert agg["accuracy"] == 0.5
    assert agg["false_refusals"] == 0.5
    assert agg["correct_refusals"] == 0.0
    assert agg["citation_precision"] == 0.5  # 1.0 on DATE, 0.0 on the invented answer
    assert agg["correct_cited_gold"] == 1.0
    assert agg["overall"] == pytest.approx(1 / 3)
    assert agg["time_p95_ms"] == pytest.approx(290.0)


def test_by_type_and_failures():
    rows = [r for r in _rows() if r["config"] == "hybrid+extractive"]
    types = by_type(rows, answers=True)
    assert set(types) == {"date", "multi_hop", "unanswerable"}
    assert types["date"]["accuracy"] == 1.0 and types["multi_hop"]["accuracy"] == 0.0
    assert types["unanswerable"]["evidence@5"] is None and types["unanswerable"]["correct_refusals"] == 0.0
    codes = {r["id"]: (r["failure"] or {}).get("code") for r in rows}
    assert codes == {"t-001": None, "t-002": "false_refusal", "t-003": "missed_refusal"}
    wrong = _row("x+extractive", DATE, GOOD, A("Il y a des quartiers [1].", cited=["a.txt"]))
    assert wrong["failure"]["code"] == "wrong_sentences" and "1 514" in wrong["failure"]["why"]
    missing = _row("x+extractive", DATE, BAD, A("Rien [1].", cited=["c.txt"]))
    assert missing["failure"]["code"] == "evidence_missing"
    narrow = _row("x+extractive", MULTI, GOOD, A("Je ne trouve pas.", abstained=True), context_k=1)
    assert narrow["failure"]["code"] == "false_refusal_no_evidence" and "at 1" in narrow["failure"]["why"]


def test_winners_and_comparisons():
    summaries = {
        "bm25": {"evidence@5": 0.8, "time_median_ms": 1.0},
        "dense": {"evidence@5": 0.9, "time_median_ms": 50.0},
        "hybrid": {"evidence@5": 0.9, "time_median_ms": 60.0},
    }
    w = winners(summaries, ["evidence@5", "time_median_ms"])
    assert w["evidence@5"]["winners"] == ["dense", "hybrid"] and w["evidence@5"]["runner_up"] == ("bm25", 0.8)
    assert w["time_median_ms"]["winners"] == ["bm25"]  # lower is better
    verdicts = {
        (c["other"], c["metric"]): c["verdict"]
        for c in compare(summaries, "hybrid", ["bm25", "dense"], ["evidence@5", "time_median_ms"])
    }
    assert verdicts == {
        ("bm25", "evidence@5"): "beats",
        ("bm25", "time_median_ms"): "loses to",
        ("dense", "evidence@5"): "ties",
        ("dense", "time_median_ms"): "loses to",
    }


def test_report_from_hand_made_rows(tmp_path):
    rows = _rows()
    info = {
        "bm25": {"kind": "retrieval", "chunks": 3, "context_k": None},
        "hybrid": {"kind": "retrieval", "chunks": 3, "context_k": None},
        "hybrid+extractive": {"kind": "answer", "chunks": 3, "context_k": 5},
    }
    meta = {
        "command": "assistant eval --questions q.jsonl --corpus c",
        "date": "d",
        "questions": "q.jsonl",
        "corpus": "c",
        "n_questions": 3,
        "n_answerable": 2,
        "types": {"date": 1, "multi_hop": 1, "unanswerable": 1},
        "settings": {"chunk_size": 280},
        "documents": 3,
        "chunks": 3,
        "ranking_k": 10,
        "seconds": 1.0,
    }
    results = {"meta": meta, **summarize(rows, info), "questions": rows}
    text = markdown(results)
    assert "| `hybrid` | 3 |" in text and "| `hybrid+extractive` | top 5 |" in text
    assert "`hybrid` vs `bm25`: ahead on evidence@5 and passage MRR@10" in text
    assert "| t-002 | multi_hop | false refusal (evidence in top 5) |" in text
    assert "- `bm25` (1): t-001" in text
    png = chart(results, tmp_path / "chart.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_report_says_when_hybrid_is_not_ahead():
    rows = [r for r in _rows() if r["config"] != "hybrid+extractive"]
    rows = [{**r, "config": {"hybrid": "bm25", "bm25": "hybrid"}[r["config"]]} for r in rows]  # swap the two
    info = {"bm25": {"kind": "retrieval", "chunks": 3}, "hybrid": {"kind": "retrieval", "chunks": 3}}
    meta = {
        "date": "d",
        "questions": "q.jsonl",
        "corpus": "c",
        "n_questions": 3,
        "n_answerable": 2,
        "types": {},
        "settings": {},
        "documents": 3,
        "chunks": 3,
        "ranking_k": 10,
        "seconds": 1.0,
    }
    text = markdown({"meta": meta, **summarize(rows, info), "questions": rows}, chart_name=None)
    assert "`hybrid` vs `bm25`: **NOT ahead**" in text


# -- inputs --------------------------------------------------------------------------
def test_parse_configs():
    configs = parse_configs("bm25, hybrid+extractive,bm25,llamaindex-default+extractive")
    assert [(c.name, c.retrieval, c.backend, c.kind) for c in configs] == [
        ("bm25", "bm25", None, "retrieval"),
        ("hybrid+extractive", "hybrid", "extractive", "answer"),
        ("llamaindex-default+extractive", "llamaindex-default", "extractive", "answer"),
    ]
    assert "hybrid+local" not in [c.name for c in parse_configs(None)]  # the slow LLM is opt-in
    with pytest.raises(EvalError):
        parse_configs("hybrid+gpt")
    with pytest.raises(EvalError):
        parse_configs("bm42")


def test_load_questions(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "q-001", "question": "Q ?"}\n', encoding="utf-8")
    with pytest.raises(EvalError, match="source_file"):
        load_questions(path)
    with pytest.raises(EvalError):
        load_questions(tmp_path / "absent.jsonl")


def test_cli_registers_eval():
    from evals.quality.cli import cmd_eval
    from ui.cli import build_parser

    args = build_parser().parse_args(["eval", "--questions", "q.jsonl", "--corpus", "c", "--configs", "bm25"])
    assert args.func is cmd_eval and args.configs == "bm25" and args.index_dir is None and args.threads == 1


# -- acc400, page_ok, numbers in words, several sets -----------------------------------------------
def test_acc400_reads_the_first_400_characters_without_markers():
    from evals.quality.metrics import answer_correct_within

    item = {"must_contain": ["31 mars 2024"]}
    early = {"abstained": False, "answer": "Au plus tard le 31 mars 2024. [1]" + " Suite." * 80}
    late = {"abstained": False, "answer": "Contexte. [1] " * 40 + "Au plus tard le 31 mars 2024. [2]"}
    assert answer_correct_within(item, early) and not answer_correct_within(item, late)


def test_number_words_and_digits_meet_on_both_sides():
    from evals.quality.metrics import contains_all

    assert contains_all("Le bureau compte 24 membres.", ["vingt-quatre membres"])
    assert contains_all("dans les neuf mois", ["9 mois"])
    assert not contains_all("dans les huit mois", ["9 mois"])


def test_page_ok_needs_the_gold_page_of_each_pdf():
    from evals.quality.metrics import page_ok

    item = {"source_file": ["a.pdf", "b.txt"], "page": [2, None]}
    assert page_ok(item, {"citations": [{"source": "a.pdf", "page": 2}]})
    assert not page_ok(
        item, {"citations": [{"source": "a.pdf", "page": 1}, {"source": "b.txt", "page": None}]}
    )
    assert page_ok({"source_file": "b.txt", "page": None}, {"citations": []}) is None


def test_eval_sets_from_a_folder_a_pair_or_public(tmp_path):
    import pytest

    from evals.quality.run import EvalError
    from evals.quality.sets import parse_set, public_sets, unique

    folder = tmp_path / "jeu"
    (folder / "corpus").mkdir(parents=True)
    (folder / "questions.jsonl").write_text("{}\n", encoding="utf-8")
    assert [s.name for s in parse_set(str(folder))] == ["jeu"]
    pair = parse_set(f"{folder / 'questions.jsonl'}:{folder / 'corpus'}")
    assert pair[0].corpus == folder / "corpus"
    assert [s.name for s in public_sets()] == ["seeds_dev", "dev2", "sample_gold"]
    assert [s.name for s in unique(pair + pair)] == ["questions", "questions-2"]
    with pytest.raises(EvalError, match="introuvable"):
        parse_set(f"{folder / 'absent.jsonl'}:{folder / 'corpus'}")
    with pytest.raises(EvalError, match="QUESTIONS.jsonl:CORPUS"):
        parse_set("rien")
