"""Scoring rules of ``shared/evals/README.md``: normalisation, answers, refusals, citations, evidence.

Every function here scores ONE question and is pure (no model, no I/O); the
aggregation over questions lives in :mod:`evals.quality.aggregate`.

``item`` is a gold line (``must_contain``, ``source_file``...); ``passages`` are
retrieved passages as dicts with at least ``source`` and ``text``, best first;
``result`` is an answer as dicts (``Answer.to_dict()`` shape: ``answer``,
``abstained``, ``citations`` with ``source``).
"""

from __future__ import annotations

import re
import unicodedata

from core.text.markers import strip as strip_markers
from core.text.numbers import with_digits

_SPACE = re.compile(r"\s+")


def fold_typography(text: str) -> str:
    """Typographic apostrophes (’ ‘) to ', « œ » to « oe » (also the gold-set validator's rule)."""
    return text.replace("’", "'").replace("‘", "'").replace("œ", "oe")


def normalize(text: str) -> str:
    """NFKC, lowercase, typographic apostrophes to ', œ to oe, number words as digits (« neuf mois »
    and « 9 mois » meet), every whitespace removed; accents kept."""
    text = fold_typography(unicodedata.normalize("NFKC", text or "").lower())
    return _SPACE.sub("", with_digits(text))


def contains_all(text: str, needles: list[str]) -> bool:
    haystack = normalize(text)
    return all(normalize(n) in haystack for n in needles)


def missing_strings(text: str, needles: list[str]) -> list[str]:
    """The ``must_contain`` strings absent from ``text`` (normalised comparison)."""
    haystack = normalize(text)
    return [n for n in needles if normalize(n) not in haystack]


def gold_sources(item: dict) -> set[str]:
    source = item.get("source_file") or []
    return {source} if isinstance(source, str) else set(source)


def answer_correct(item: dict, result: dict) -> bool:
    return not result["abstained"] and contains_all(result["answer"], item["must_contain"])


def answer_correct_within(item: dict, result: dict, chars: int = 400) -> bool:
    """acc400: every must_contain string within the first ``chars`` characters of the answer,
    its ``[n]`` markers removed (what a reader sees before scrolling)."""
    head = strip_markers(result["answer"] or "")[:chars]
    return not result["abstained"] and contains_all(head, item["must_contain"])


def gold_pages(item: dict) -> list[tuple[str, int]]:
    """(file, page) pairs of the gold evidence that has a page (PDF), aligned like ``source_file``."""
    files, pages = item.get("source_file") or [], item.get("page")
    if isinstance(files, str):
        files, pages = [files], [pages]
    if not isinstance(pages, list):
        pages = [pages] * len(files)
    return [(f, p) for f, p in zip(files, pages, strict=False) if f and isinstance(p, int)]


def page_ok(item: dict, result: dict) -> bool | None:
    """A citation of each gold PDF page (the file at that page); None when the gold has no page."""
    wanted = gold_pages(item)
    if not wanted:
        return None
    cited = {(c["source"], c.get("page")) for c in result["citations"]}
    return all(pair in cited for pair in wanted)


def refusal_correct(result: dict) -> bool:
    return bool(result["abstained"]) and not result["citations"]


# -- passage level -------------------------------------------------------------------
def evidence_at(item: dict, passages: list[dict], k: int) -> bool:
    """The top-k passages together hold every must_contain string.

    "Together" is the union of the passages: each string must occur inside one of
    the top-k passages (any of them, so a multi-hop question may find its strings
    in different files). Passages are not concatenated: after whitespace removal a
    string could otherwise be "found" across the boundary of two unrelated passages.
    """
    texts = [normalize(p["text"]) for p in passages[:k]]
    return all(any(normalize(n) in t for t in texts) for n in item["must_contain"])


def passage_rank(item: dict, passages: list[dict], k: int = 10) -> int | None:
    """Smallest k at which the top-k passages hold the evidence (1-based), or None."""
    for rank in range(1, min(k, len(passages)) + 1):
        if evidence_at(item, passages, rank):
            return rank
    return None


# -- document level ------------------------------------------------------------------
def doc_ranks(item: dict, passages: list[dict]) -> list[int]:
    """For each gold file present in the ranking, the rank of its first passage (sorted)."""
    sources = [p["source"] for p in passages]
    return sorted(sources.index(s) + 1 for s in gold_sources(item) if s in sources)


def doc_hit(item: dict, passages: list[dict], k: int) -> bool:
    """A gold file (any of them for multi-hop) has a passage in the top k."""
    return any(rank <= k for rank in doc_ranks(item, passages))


def doc_reciprocal_rank(item: dict, passages: list[dict], k: int = 10) -> float:
    ranks = [r for r in doc_ranks(item, passages) if r <= k]
    return 1.0 / ranks[0] if ranks else 0.0


def doc_recall(item: dict, passages: list[dict], k: int = 10) -> float:
    """Share of the gold files with a passage in the top k (multi-hop: 1.0 needs every file)."""
    gold = gold_sources(item)
    if not gold:
        return 0.0
    found = {p["source"] for p in passages[:k]} & gold
    return len(found) / len(gold)


# -- citations -----------------------------------------------------------------------
def citation_precision(item: dict, result: dict) -> float | None:
    """Share of the cited sources that are gold sources; None when nothing is cited.

    On an unanswerable question every citation is wrong (no gold source): 0.0.
    """
    cited = [c["source"] for c in result["citations"]]
    if not cited:
        return None
    gold = gold_sources(item)
    return sum(s in gold for s in cited) / len(cited)


def cites_gold(item: dict, result: dict) -> bool:
    """At least one citation points to a gold source."""
    gold = gold_sources(item)
    return any(c["source"] in gold for c in result["citations"])


def cites_all_gold(item: dict, result: dict) -> bool:
    """Every gold source is cited (the full multi-hop result)."""
    gold = gold_sources(item)
    return bool(gold) and gold <= {c["source"] for c in result["citations"]}
