"""The sentences the assistant would read for each generated question, labelled: what the reader
(scripts/train_reader.py) and the sentence ranker (scripts/train_ranker.py) are trained on.

Each generated question (``evals/training/data``: the kept answerable items and follow-ups, read
alone with their conversation as the assistant reads them, and the unanswerable
variants the passages alone can tell: the source text held out, a value or an actor swapped) is
asked of the training index as the assistant asks it (the question read, hybrid retrieval, the
answer's passages), and the sentences the reader would read are kept
(:func:`assistant.scoring.reader_candidates`) with their features. A sentence is positive when it
is the item's source sentence (or a near copy); another one holding the short answer is left out
(it may answer too); the rest are negatives, hard ones from the same passages and documents.
The questions written by hand (:mod:`evals.training.written`) are asked the same way; a sentence
holding one of their expected strings is positive.
Cached (generated, not committed) and resumed.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "data/reader_candidates.jsonl"
# unanswerable variants the passages themselves tell apart; the others (a text not indexed, a
# version after the corpus, a false premise) are refused by the gate's rules before any reading
READ_VARIANTS = ("held_out_document", "value_swap", "actor_swap")
WRITTEN_ID = "written:"  # the id prefix of the questions written by hand


def build_candidates(data: Path, index_dir: Path, cache: Path) -> list[dict]:
    """One row per question: its split, answerable or not, and its candidates with labels."""
    from assistant.context import answer_context
    from assistant.pipeline import Assistant
    from assistant.question import standalone_question
    from assistant.scoring import reader_candidates, rule_score, sentence_features
    from core.text.near_copy import is_near_copy, words
    from core.text.tokens import tokenize
    from evals.quality.metrics import normalize

    done = (
        {row["id"]: row for row in map(json.loads, cache.read_text().splitlines())} if cache.exists() else {}
    )
    assistant = Assistant.open(index_dir, llm="extractive")
    # the training corpora the generator read (incremental: a text added since is indexed)
    settings = json.loads((data / "settings.json").read_text(encoding="utf-8"))
    assistant.ingest([Path(c) for c in settings["corpora"]], prune=True)
    s, vocab = assistant.settings, assistant.vocabulary
    items = _generated(data) + _variants(data) + _written()
    rows = []
    with cache.open("a", encoding="utf-8") as out:
        for item in items:
            if item["id"] in done:
                rows.append(done[item["id"]])
                continue
            asked = standalone_question(item["question"], item.get("history", []))  # a follow-up read alone
            read, _ = assistant.read(asked)
            retrieved = assistant.retrieve(asked, k=2 * max(s.neighbour_k, s.context_k))
            if item.get("exclude"):
                retrieved = [p for p in retrieved if p.source != item["exclude"]]
            passages = answer_context(retrieved, s)
            source = words(item.get("sentence", "")) if item["answerable"] else set()
            short = set(tokenize(item.get("answer", "")))
            candidates = []
            rows_read = sentence_features(read, passages, vocab, s)
            for f, _n, _order, sentence, text in reader_candidates(rows_read, passages, s):
                if item.get("needles"):  # written by hand: a sentence stating one of its facts
                    label = int(any(normalize(n) in normalize(sentence) for n in item["needles"]))
                elif item["answerable"] and is_near_copy(words(sentence), source):  # the same or a copy
                    label = 1
                elif (
                    item["answerable"] and short and len(short & set(tokenize(sentence))) >= 0.6 * len(short)
                ):
                    continue  # holds the short answer: it may answer too
                else:
                    label = 0
                candidates.append(
                    {
                        "text": text,
                        "label": label,
                        "rules": rule_score(f, s),
                        "features": list(f),
                    }
                )
            row = {**item, "read": read, "candidates": candidates}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            rows.append(row)
    return rows


def _generated(data: Path) -> list[dict]:
    """The kept generated questions and follow-ups, each with its source sentence."""
    from evals.training.generate import read_rows

    return [
        {
            "id": r["key"],
            "split": r["split"],
            "question": r["question"],
            "sentence": r["sentence"],
            "answer": r["answer"],
            "answerable": True,
            "kind": r["kind"],
            "history": r.get("history", []),
        }
        for r in read_rows(data / "answerable.jsonl") + read_rows(data / "followups.jsonl")
        if r["kept"]
    ]


def _variants(data: Path) -> list[dict]:
    """The unanswerable variants the passages tell (:data:`READ_VARIANTS`)."""
    from evals.training.generate import read_rows

    return [
        {
            "id": f"{v['of']}:{v['variant']}",
            "split": v["split"],
            "question": v["question"],
            "exclude": v.get("exclude", ""),
            "answerable": False,
            "kind": v["variant"],
        }
        for v in read_rows(data / "unanswerable.jsonl")
        if v["variant"] in READ_VARIANTS
    ]


def _written() -> list[dict]:
    """The questions written by hand, their expected strings as ``needles``."""
    from evals.training.written import WRITTEN, read_written

    return [
        {
            "id": f"{WRITTEN_ID}{w['id']}",
            "split": w["split"],
            "question": w["question"],
            "needles": w["must_contain"],
            "answerable": w["answerable"],
            "kind": w.get("kind", w["type"]),
            "history": w.get("history", []),
        }
        for w in (read_written() if WRITTEN.exists() else [])
    ]
