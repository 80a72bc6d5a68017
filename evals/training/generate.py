"""Write training questions with the bundled local model, keep those that survive a round trip,
add their unanswerable variants; resumable, one JSON line per item as it is made.

For each source sentence (:mod:`evals.training.sources`) the model, shown its passage, writes a
question the sentence answers and a short answer (``prompts/train_question.txt``, greedy, so the
same settings give the same items). The item is kept when

1. the short answer is in the sentence (its words, at ``ANSWER_IN_SENTENCE`` or more),
2. the question is not the sentence copied (at most ``COPY`` of the question's words in it, counted
   over the sentence's words),
3. the question retrieves its passage: the sentence is in one of the ``RETRIEVED`` passages the
   assistant's hybrid retrieval returns over the indexed training corpus,
4. the model, shown the passage and the question alone (``prompts/train_check.txt``), answers
   with the short answer's words (``ROUND_TRIP`` of them) and its numbers.

Every attempt is written (``kept`` and the ``reason`` of a rejection), so the yield is read from
the file; a run skips the sentences already tried.
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import asdict
from pathlib import Path

from core.text.tokens import tokenize
from evals.training.kinds import KINDS
from evals.training.sources import Source, split_of
from evals.training.unanswerable import variants
from prompts import load_prompt

ANSWER_IN_SENTENCE = 0.6
COPY = 0.85
RETRIEVED = 5
ROUND_TRIP = 0.5
_LINE = re.compile(r"^\s*(question|réponse)\s*:\s*(.+?)\s*$", re.I | re.M)
_DIGITS = re.compile(r"\d+")


def parse(reply: str) -> tuple[str, str] | None:
    """(question, short answer) from the model's two lines, or None."""
    found = {key.lower(): value for key, value in _LINE.findall(reply)}
    question, short = found.get("question", "").strip(' «»"*'), found.get("réponse", "").strip(' «»"*')
    if not question.endswith("?") or len(question) < 12 or not short:
        return None
    return question, short


def _share(part: str, whole: str) -> float:
    words = set(tokenize(part))
    return len(words & set(tokenize(whole))) / len(words) if words else 0.0


def judge(source: Source, question: str, short: str, check: str, retrieved: bool) -> str:
    """ "" when the item is kept, else the reason it is not (the first filter it fails)."""
    if _share(short, source.sentence) < ANSWER_IN_SENTENCE:
        return "answer_not_in_sentence"
    if _share(source.sentence, question) > COPY and len(set(tokenize(source.sentence))) > 6:
        return "question_copies_sentence"
    if not retrieved:
        return "passage_not_retrieved"
    if "inconnu" in check.lower()[:20] or _share(short, check) < ROUND_TRIP:
        return "round_trip_failed"
    if not set(_DIGITS.findall(short)) <= set(_DIGITS.findall(check)):
        return "round_trip_numbers"
    return ""


def read_rows(path: Path) -> list[dict]:
    """The items of a JSONL file of the generator ([] before its first run)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _normal(text: str) -> str:
    return " ".join(text.split())


class Generator:
    """The model, the retrieval of the indexed training corpus, and the output files."""

    def __init__(self, backend, assistant, out_dir: Path, seed: int, corpus_text: str):
        self.backend, self.assistant, self.out_dir = backend, assistant, out_dir
        self.seed = seed
        self.corpus_text = corpus_text
        out_dir.mkdir(parents=True, exist_ok=True)
        self.answerable = out_dir / "answerable.jsonl"
        self.unanswerable = out_dir / "unanswerable.jsonl"

    def done(self) -> set[str]:
        return {row["key"] for row in read_rows(self.answerable)}

    def _ask(self, template: str, max_tokens: int, **fields) -> str:
        prompt = load_prompt(template).format(**fields)
        return self.backend.complete(
            [{"role": "user", "content": prompt}], max_tokens=max_tokens, temperature=0.0
        )

    def make(self, source: Source) -> dict:
        """One attempt at an item from ``source`` (written, kept or not); its variants if kept."""
        t0 = time.perf_counter()
        reply = self._ask(
            "train_question",
            90,
            title=source.title,
            context=source.context,
            sentence=source.sentence,
            kind=KINDS[source.kind],
        )
        parsed = parse(reply)
        item = {"key": source.key, "split": split_of(source.document), **asdict(source), "reply": reply}
        if parsed is None:
            item.update(kept=False, reason="unparsed")
        else:
            question, short = parsed
            passages = self.assistant.retrieve(question, k=RETRIEVED)
            retrieved = any(_normal(source.sentence) in _normal(p.text) for p in passages[:RETRIEVED])
            check = (
                self._ask("train_check", 60, title=source.title, context=source.context, question=question)
                if retrieved
                else ""
            )
            reason = judge(source, question, short, check, retrieved)
            item.update(question=question, answer=short, check=check, kept=not reason, reason=reason)
        item["seconds"] = round(time.perf_counter() - t0, 2)
        with self.answerable.open("a", encoding="utf-8") as out:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
        if item["kept"]:
            self._write_variants(item, "a")
        return item

    def _write_variants(self, item: dict, mode: str) -> None:
        with self.unanswerable.open(mode, encoding="utf-8") as out:
            for variant in variants(item, self.corpus_text, random.Random(f"{self.seed}:{item['key']}")):
                row = {"of": item["key"], "split": item["split"], "document": item["document"], **variant}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")

    def rebuild_variants(self) -> None:
        """Write the unanswerable variants of every kept item again (after a change of their rules;
        seeded per item, so the variants that did not change come out the same)."""
        self.unanswerable.write_text("", encoding="utf-8")
        for item in read_rows(self.answerable):
            if item["kept"]:
                self._write_variants(item, "a")
