"""A split of the generated questions as an evaluation set in the gold format
(``../shared/evals/README.md``), so that ``assistant eval`` scores it exactly as it scores the
public sets: ``questions.jsonl`` and ``corpus/`` (links to the training documents) in one folder.

Follow-ups keep their conversation (``history``). An answerable item's ``must_contain`` is the
longest run of its source sentence's words that its short answer repeats (a value, a name, a
phrase), when that run says something (a number, or at least two words, or a word of 6 letters or
more); an item without one is left out. Unanswerable
items are the variants one index can hold: a text not indexed, a version after the corpus, a
false premise, a value or an actor swapped (the held-out document needs an index without it);
their ``type`` is the variant, so the report gives the refusals of each.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from evals.quality.metrics import normalize
from evals.training.generate import read_rows

ONE_INDEX_VARIANTS = ("text_not_indexed", "after_corpus", "false_premise", "value_swap", "actor_swap")
_WORD = re.compile(r"[\wÀ-ÿ'’-]+(?:[.,]\d+)?")
MOST_WORDS = 8


def must_contain(answer: str, sentence: str) -> str:
    """The longest run of ``sentence``'s words found in ``answer`` (scorer's normalisation) that
    says something, or ""."""
    words = _WORD.findall(sentence)
    said = normalize(answer)
    for n in range(min(MOST_WORDS, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            run = words[i : i + n]
            text = " ".join(run)
            telling = any(c.isdigit() for c in text) or n >= 2 or len(run[0]) >= 6
            if telling and normalize(text) in said and normalize(text) in normalize(sentence):
                return text
    return ""


def write_set(corpora: list[Path], out: Path, items: list[dict]) -> None:
    """An evaluation set for ``assistant eval --set out``: ``out/questions.jsonl`` (``items``) and
    ``out/corpus``, a link to each file of ``corpora``."""
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    for corpus in corpora:
        for path in sorted(corpus.iterdir()):
            link = out / "corpus" / path.name
            if path.is_file() and not link.exists():
                link.symlink_to(path.resolve())
    (out / "questions.jsonl").write_text(
        "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8"
    )


def export(data: Path, corpora: list[Path], split: str, out: Path) -> dict:
    """Write ``out/questions.jsonl`` and ``out/corpus`` for ``split``; returns the counts."""
    rows = read_rows(data / "answerable.jsonl") + read_rows(data / "followups.jsonl")
    kept = {r["key"]: r for r in rows if r["kept"] and r["split"] == split}
    items = []
    for key, r in kept.items():
        needle = must_contain(r["answer"], r["sentence"])
        if needle:
            items.append(
                {
                    "id": key,
                    "question": r["question"],
                    "answer": r["answer"],
                    "must_contain": [needle],
                    "source_file": r["document"],
                    "source_quote": r["sentence"],
                    "type": r["kind"],
                    "answerable": True,
                    **({"history": r["history"]} if r.get("history") else {}),
                }
            )
    answerable = len(items)
    for v in read_rows(data / "unanswerable.jsonl"):
        if v["split"] == split and v["variant"] in ONE_INDEX_VARIANTS and v["of"] in kept:
            items.append(
                {
                    "id": f"{v['of']}:{v['variant']}",
                    "question": v["question"],
                    "answer": "",
                    "must_contain": [],
                    "source_file": "",
                    "source_quote": "",
                    "type": v["variant"],  # the report's « by type » gives the refusals per variant
                    "answerable": False,
                }
            )
    write_set(corpora, out, items)
    return {
        "answerable": answerable,
        "left_out": len(kept) - answerable,
        "unanswerable": len(items) - answerable,
    }
