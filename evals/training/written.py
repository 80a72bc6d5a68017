"""Questions written by hand over the training corpora, in the gold format: practitioners'
wording, facts inside long sentences, answers across several sentences or texts, follow-ups and
questions the texts leave open.

The generated questions (:mod:`evals.training.generate`) come from one short sentence and must
retrieve their passage first, so choices read on them favour short answers and the first
passage. These items do not pass through that filter. They live in ``data/written.jsonl``, each
in the split of its document (:func:`evals.training.sources.split_of`), so they train (split
``train``), choose (``validation``) and measure (``test``) like the generated ones; no gold set is
read to write or to use them.
"""

from __future__ import annotations

import json
from pathlib import Path

from evals.quality.metrics import normalize
from evals.training.sources import split_of

WRITTEN = Path(__file__).parent / "data" / "written.jsonl"


def read_written(path: Path = WRITTEN) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def files_of(item: dict) -> list[str]:
    source = item["source_file"]
    return [source] if isinstance(source, str) and source else list(source or [])


def item_split(item: dict) -> str:
    """The split of the item's documents; an unanswerable item keeps the split it was written in."""
    splits = {split_of(name) for name in files_of(item)}
    if len(splits) > 1:
        raise ValueError(f"{item['id']} : ses documents sont dans plusieurs splits ({sorted(splits)})")
    return splits.pop() if splits else item["split"]


def problems(item: dict, texts: dict[str, str]) -> list[str]:
    """What is wrong with one item, read as the scorer reads it (``texts``: file name → text)."""
    found = []
    if item.get("split") != item_split(item):
        found.append(f"split {item.get('split')!r} au lieu de {item_split(item)!r}")
    if not item["answerable"]:
        if item["answer"] or item["must_contain"] or files_of(item):
            found.append("une question sans réponse n'a ni réponse, ni chaîne attendue, ni source")
        return found
    sources = " ".join(normalize(texts.get(name, "")) for name in files_of(item))
    for name in files_of(item):
        if name not in texts:
            found.append(f"document absent du corpus : {name}")
    if not 1 <= len(item["must_contain"]) <= 3:
        found.append("il faut 1 à 3 chaînes attendues")
    answer = normalize(item["answer"])
    for needle in item["must_contain"]:
        if normalize(needle) not in answer:
            found.append(f"« {needle} » manque à la réponse")
        if normalize(needle) not in sources:
            found.append(f"« {needle} » manque au document")
    quotes = item["source_quote"] if isinstance(item["source_quote"], list) else [item["source_quote"]]
    for quote in quotes:
        if normalize(quote) not in sources:
            found.append(f"citation introuvable : {quote[:60]}…")
    return found


def export(corpora: list[Path], split: str, out: Path, path: Path = WRITTEN) -> dict:
    """Write ``out/questions.jsonl`` and ``out/corpus`` for ``split``; returns the counts."""
    from evals.training.as_gold import write_set

    items = [{k: v for k, v in i.items() if k != "split"} for i in read_written(path) if i["split"] == split]
    write_set(corpora, out, items)
    answerable = sum(i["answerable"] for i in items)
    return {"answerable": answerable, "unanswerable": len(items) - answerable}
