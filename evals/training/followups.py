"""Follow-up questions: a kept item asked again as a chat user asks it after another question on
the same document (« Et qui la préside ? » after « Quand le comité se réunit-il ? »), with that
conversation as its history. The model rewrites the item's question given the previous turn
(``prompts/train_followup.txt``, greedy); the follow-up is kept when it is shorter than the
question, is not the question itself, and, read as the assistant reads a follow-up (made
standalone with the conversation), still retrieves its passage. Resumable, one line per attempt
(``followups.jsonl``), its ``reason`` when not kept.
"""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

from core.text.tokens import tokenize
from evals.training.generate import RETRIEVED, read_rows
from prompts import load_prompt

_LINE = re.compile(r"^\s*question\s*:\s*(.+?)\s*$", re.I | re.M)


def parse(reply: str) -> str:
    found = _LINE.search(reply)
    question = found.group(1).strip(' «»"*') if found else ""
    return question if question.endswith("?") and len(question) >= 6 else ""


def pairs(items: list[dict], seed: int) -> list[tuple[dict, dict]]:
    """(previous, item) for each kept item whose document has another kept item (seeded choice)."""
    by_doc: dict[str, list[dict]] = {}
    for item in items:
        by_doc.setdefault(item["document"], []).append(item)
    out = []
    for item in items:
        others = [o for o in by_doc[item["document"]] if o["key"] != item["key"]]
        if others:
            out.append((random.Random(f"{seed}:{item['key']}").choice(others), item))
    return out


def judge(question: str, follow: str, retrieved: bool) -> str:
    """ "" when the follow-up is kept, else why not."""
    if not follow:
        return "unparsed"
    if set(tokenize(follow)) == set(tokenize(question)) or len(follow) >= len(question):
        return "not_shorter"
    if not retrieved:
        return "passage_not_retrieved"
    return ""


def history_of(previous: dict) -> list[dict]:
    return [
        {"role": "user", "content": previous["question"]},
        {"role": "assistant", "content": previous["answer"]},
    ]


def make_followups(backend, assistant, out_dir: Path, seed: int, limit: int = 0) -> int:
    """Write the follow-ups not yet tried; returns how many were tried."""
    from assistant.question import standalone_question

    path = out_dir / "followups.jsonl"
    done = {row["of"] for row in read_rows(path)}
    items = [r for r in read_rows(out_dir / "answerable.jsonl") if r["kept"]]
    todo = [(p, i) for p, i in pairs(items, seed) if i["key"] not in done]
    if limit:
        todo = todo[:limit]
    for previous, item in todo:
        t0 = time.perf_counter()
        prompt = load_prompt("train_followup").format(
            title=item["title"],
            previous=previous["question"],
            previous_answer=previous["answer"],
            question=item["question"],
        )
        reply = backend.complete([{"role": "user", "content": prompt}], max_tokens=60, temperature=0.0)
        follow = parse(reply)
        history = history_of(previous)
        retrieved = False
        if follow:
            alone = standalone_question(follow, history)
            passages = assistant.retrieve(alone, k=RETRIEVED)
            retrieved = any(" ".join(item["sentence"].split()) in " ".join(p.text.split()) for p in passages)
        reason = judge(item["question"], follow, retrieved)
        row = {
            "key": f"{item['key']}:followup",
            "of": item["key"],
            "previous": previous["key"],
            "split": item["split"],
            "document": item["document"],
            "history": history,
            "question": follow,
            "reply": reply,
            "answer": item["answer"],
            "sentence": item["sentence"],
            "kind": "followup",
            "kept": not reason,
            "reason": reason,
            "seconds": round(time.perf_counter() - t0, 2),
        }
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(todo)
