"""Follow-up questions: a kept item asked again as a chat user asks it after another question on
the same document, with that conversation as its history: the tail it repeats of the previous
question left out (:func:`elide`: « Quelle est la durée de l'aide au permis ? » after « Quel est le
montant de l'aide au permis ? » becomes « Et quelle est la durée ? »). The bundled 1.5B model,
asked to write such follow-ups, copied the question or wrote another one (8 of 8 tried), so the
rewrite is deterministic. The follow-up is kept when it is shorter than the question and, read as
the assistant reads a follow-up (made standalone with the conversation), still retrieves its
passage. Resumable, one line per attempt (``followups.jsonl``), its ``reason`` when not kept.
"""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

from core.text.tokens import tokenize
from evals.training.generate import RETRIEVED, read_rows

SHARED_WORDS = 3  # the least run of words the two questions share for one to lean on the other
# a tail that names what the question is about opens with a preposition (« de l'aide … », « du décret »)
_TAIL = re.compile(r"^(de|du|des|d'\S+|pour|dans|au|aux|à|par|sur|en)$", re.I)
_WORD = re.compile(r"\S+")
# the noun of a compound preposition (« au sujet de », « dans le cadre de »): left without its
# « de … », it dangles (« … la plainte au sujet ? »), so it goes with the tail it introduces
_LOCUTION = re.compile(
    r"\s+(?:au sujet|à propos|dans le cadre|dans le contexte|en matière|en vue|à l'égard|au titre|"
    r"en faveur|au profit|au sein|en raison|en application|à l'issue|au cours|en cas|à partir|"
    r"auprès|lors|en fonction|à l'occasion|en dehors|à la suite|à l'exception|en termes)$",
    re.I,
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.strip().rstrip(" ?").replace("d'", "d' ").replace("d’", "d' "))


def elide(previous: str, question: str) -> str:
    """``question`` as asked right after ``previous``: its longest tail (at least
    :data:`SHARED_WORDS` words, opening with a preposition) that ``previous`` also says, left out,
    « Et » in front; "" when they share no such tail or too little would be left."""
    words, before = _words(question), f" {' '.join(_words(previous)).lower()} "
    for start in range(2, len(words) - SHARED_WORDS + 1):  # the longest tail first
        tail = " ".join(words[start:]).lower()
        if _TAIL.match(words[start]) and f" {tail} " in before:
            text = _LOCUTION.sub("", " ".join(words[:start]).replace("d' ", "d'"))
            return f"Et {text[0].lower()}{text[1:]} ?" if len(text.split()) >= 3 else ""
    return ""


def pairs(items: list[dict], seed: int) -> list[tuple[dict, dict]]:
    """(previous, item) for each kept item whose document has another kept item: the first other
    one, in a seeded order, that the item can lean on (:func:`elide`), else the first."""
    by_doc: dict[str, list[dict]] = {}
    for item in items:
        by_doc.setdefault(item["document"], []).append(item)
    out = []
    for item in items:
        others = [o for o in by_doc[item["document"]] if o["key"] != item["key"]]
        if others:
            others = random.Random(f"{seed}:{item['key']}").sample(others, len(others))
            lean = [o for o in others if elide(o["question"], item["question"])]
            out.append(((lean or others)[0], item))
    return out


def judge(question: str, follow: str, retrieved: bool) -> str:
    """ "" when the follow-up is kept, else why not."""
    if not follow:
        return "nothing_shared"
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


def make_followups(assistant, out_dir: Path, seed: int, limit: int = 0) -> int:
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
        follow, history = elide(previous["question"], item["question"]), history_of(previous)
        retrieved = False
        if follow:
            passages = assistant.retrieve(standalone_question(follow, history), k=RETRIEVED)
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
