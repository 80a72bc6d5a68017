"""Boundary precision, recall and F1 of a sentence segmenter on the hand-made gold
(``evals/segmentation/gold.jsonl``), per source, and the boundaries it puts inside a legal reference.

    .venv/bin/python evals/segmentation/measure.py                     # the project's segmenter
    /tmp/segvenv/bin/python evals/segmentation/measure.py --segmenter pysbd   # a library, its own venv

``project`` is ``core.text.sentences.sentence_spans``; ``pysbd``, ``spacy`` (fr_core_news_sm) and
``sentencex`` are the libraries it was compared with (installed apart: they are not dependencies).
A boundary is a sentence's first non-blank character after the first sentence of an item.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLD = Path(__file__).with_name("gold.jsonl")
# A legal reference a boundary must never cut: « article L. 2334-15 », « art. 5 », « n° 2004-123 »,
# « R. 302-1 », « al. 2 ».
LEGAL_REFERENCE = re.compile(
    r"\b(?:articles?|art\.)\s+(?:[LRDA]\.?\s?O?\.?\s?)?\d[\d\-\s]*|\b[LRDA]\.\s?\d[\d-]*|n°\s?\d[\d/\-]*|\bal\.\s?\d+"
)


def project(text: str) -> list[int]:
    sys.path.insert(0, str(ROOT))
    from core.text.sentences import sentence_spans

    return [start for start, _ in sentence_spans(text)]


def pysbd_starts(text: str) -> list[int]:
    import pysbd

    return [span.start for span in pysbd.Segmenter(language="fr", char_span=True).segment(text)]


_NLP = None


def spacy_starts(text: str) -> list[int]:
    global _NLP
    if _NLP is None:
        import spacy

        _NLP = spacy.load("fr_core_news_sm")
    return [sent.start_char for sent in _NLP(text).sents]


def sentencex_starts(text: str) -> list[int]:
    from sentencex import segment

    starts, cursor = [], 0
    for sentence in segment("fr", text):
        found = text.find(sentence.strip(), cursor)
        if found >= 0:
            starts.append(found)
            cursor = found + len(sentence.strip())
    return starts


SEGMENTERS = {"project": project, "pysbd": pysbd_starts, "spacy": spacy_starts, "sentencex": sentencex_starts}


def _first_visible(text: str, offset: int) -> int:
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def gold_starts(item: dict) -> list[int]:
    starts, cursor = [], 0
    for sentence in item["sentences"]:
        found = item["text"].index(sentence["text"], cursor)
        starts.append(found)
        cursor = found + len(sentence["text"])
    return starts


def measure(segment) -> dict[str, dict]:
    counts: dict[str, dict] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "in_reference": 0})
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text = item["text"]
        gold = set(gold_starts(item)[1:])
        found = {_first_visible(text, s) for s in segment(text)} - {_first_visible(text, 0), len(text)}
        for key in (item["source"], "all"):
            c = counts[key]
            c["tp"] += len(gold & found)
            c["fp"] += len(found - gold)
            c["fn"] += len(gold - found)
            c["in_reference"] += sum(
                1 for m in LEGAL_REFERENCE.finditer(text) for s in found if m.start() < s < m.end()
            )
    for c in counts.values():
        c["precision"] = c["tp"] / max(1, c["tp"] + c["fp"])
        c["recall"] = c["tp"] / max(1, c["tp"] + c["fn"])
        c["f1"] = 2 * c["precision"] * c["recall"] / max(1e-9, c["precision"] + c["recall"])
    return dict(counts)


def errors(segment, limit: int) -> list[str]:
    """The first ``limit`` wrong boundaries, each with the words around it."""
    out = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text = item["text"]
        gold = set(gold_starts(item)[1:])
        found = {_first_visible(text, s) for s in segment(text)} - {_first_visible(text, 0), len(text)}
        for kind, offsets in (("extra", found - gold), ("missed", gold - found)):
            for s in sorted(offsets):
                out.append(f"{kind:6} {item['id']}: …{text[max(0, s - 50) : s]!r} | {text[s : s + 40]!r}")
    return out[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--segmenter", choices=sorted(SEGMENTERS), default="project")
    parser.add_argument("--errors", type=int, default=0, help="print the first N wrong boundaries")
    args = parser.parse_args()
    segment = SEGMENTERS[args.segmenter]
    print(f"segmenter: {args.segmenter}")
    print(f"{'source':8} {'gold':>5} {'found':>6} {'P':>6} {'R':>6} {'F1':>6} {'in ref':>6}")
    for source, c in sorted(measure(segment).items(), key=lambda kv: kv[0] == "all"):
        gold = c["tp"] + c["fn"]
        found = c["tp"] + c["fp"]
        print(
            f"{source:8} {gold:5} {found:6} {c['precision']:6.3f} {c['recall']:6.3f} {c['f1']:6.3f} "
            f"{c['in_reference']:6}"
        )
    for line in errors(segment, args.errors):
        print(line)


if __name__ == "__main__":
    main()
