#!/usr/bin/env python3
"""Validate the hand-made sentence-segmentation gold set and print its counts.

Usage:
    python evals/segmentation/check_gold.py [gold.jsonl] [--strict] [--check-sources]

Checks (stdlib only): every line is a JSON object with ``id``, ``source``, ``doc``,
``text`` and ``sentences``; ids are unique; ``source`` and every ``hard`` kind are
known; each item has 3-15 sentences; the sentences are non-empty, have no
leading/trailing whitespace, appear in order in ``text``, are separated only by
(at least one) whitespace character and together cover every non-whitespace
character of ``text``.

``--strict`` also fails when the size/balance targets are not met (>= 320
boundaries, >= half of them hard, >= 60 boundaries per source, every kind >= 8).

``--check-sources`` additionally loads each document with the project's own
loader (``ingest.loaders.load``, imported only then) and checks that every
``text`` is still an exact substring of the loaded text.  Use it after a loader
change: a failing item means the ingested text moved and the item must be re-cut.

Exit status: 0 when valid, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
SOURCES = ("seeds", "dev2", "train", "sample")
KINDS = (
    "legal_ref",
    "number_ref",
    "abbrev",
    "date",
    "amount",
    "parens",
    "enum",
    "lead_in",
    "line_wrap",
    "heading",
    "title",
)
SOURCE_ROOTS = {
    "seeds": Path("/work/shared/seeds"),
    "dev2": Path("/work/shared/evals/dev2/corpus"),
    "train": Path("/work/shared/train/corpus"),
    "sample": PROJECT / "sample_corpus",
}
MIN_SENTS, MAX_SENTS = 3, 15


def check_item(obj: dict, where: str) -> list[str]:
    errs = []
    for key in ("id", "source", "doc", "text", "sentences"):
        if key not in obj:
            errs.append(f"{where}: missing key {key!r}")
    if errs:
        return errs
    extra = set(obj) - {"id", "source", "doc", "text", "sentences"}
    if extra:
        errs.append(f"{where}: unknown keys {sorted(extra)}")
    if obj["source"] not in SOURCES:
        errs.append(f"{where}: unknown source {obj['source']!r}")
    text, sents = obj["text"], obj["sentences"]
    if not isinstance(text, str) or not text.strip():
        return errs + [f"{where}: empty text"]
    if not isinstance(sents, list) or not sents:
        return errs + [f"{where}: no sentences"]
    if not MIN_SENTS <= len(sents) <= MAX_SENTS:
        errs.append(f"{where}: {len(sents)} sentences (expected {MIN_SENTS}-{MAX_SENTS})")
    pos = 0
    for i, s in enumerate(sents):
        w = f"{where} sentence {i}"
        if not isinstance(s, dict) or "text" not in s:
            errs.append(f"{w}: not an object with 'text'")
            return errs
        if set(s) - {"text", "hard"}:
            errs.append(f"{w}: unknown keys {sorted(set(s) - {'text', 'hard'})}")
        if "hard" in s and s["hard"] not in KINDS:
            errs.append(f"{w}: unknown hard kind {s['hard']!r}")
        st = s["text"]
        if not isinstance(st, str) or not st or st != st.strip():
            errs.append(f"{w}: empty or has leading/trailing whitespace: {st!r}")
            return errs
        gap_start = pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if i > 0 and pos == gap_start:
            errs.append(f"{w}: not separated from the previous sentence by whitespace")
        if not text.startswith(st, pos):
            d = next(
                (j for j, (x, y) in enumerate(zip(st, text[pos:], strict=False)) if x != y),
                min(len(st), len(text) - pos),
            )
            errs.append(
                f"{w}: not found in order at offset {pos} (differs at +{d}): "
                f"{st[max(0, d - 20) : d + 20]!r} vs {text[pos + max(0, d - 20) : pos + d + 20]!r}"
            )
            return errs
        pos += len(st)
    if text[pos:].strip():
        errs.append(f"{where}: text not covered after the last sentence: {text[pos : pos + 60]!r}")
    return errs


def check_sources(items: list[dict]) -> list[str]:
    sys.path.insert(0, str(PROJECT))
    from ingest.loaders import load  # the project's loader, only for this option

    cache: dict[tuple[str, str], str] = {}
    errs = []
    for o in items:
        key = (o["source"], o["doc"])
        if key not in cache:
            path = SOURCE_ROOTS[o["source"]] / o["doc"]
            try:
                cache[key] = load(path).text
            except Exception as exc:  # report, do not crash
                cache[key] = ""
                errs.append(f"{o['id']}: cannot load {path}: {exc}")
                continue
        if o["text"] not in cache[key]:
            errs.append(f"{o['id']}: text is no longer a substring of the loaded {o['doc']}")
    return errs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", nargs="?", default=str(HERE / "gold.jsonl"))
    ap.add_argument("--strict", action="store_true", help="fail when size/balance targets are not met")
    ap.add_argument("--check-sources", action="store_true", help="re-load the documents with ingest.loaders")
    args = ap.parse_args(argv)

    errs: list[str] = []
    items: list[dict] = []
    seen: set[str] = set()
    with open(args.gold, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                errs.append(f"line {n}: invalid JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                errs.append(f"line {n}: not a JSON object")
                continue
            where = f"line {n} ({obj.get('id', '?')})"
            if obj.get("id") in seen:
                errs.append(f"{where}: duplicate id")
            seen.add(obj.get("id"))
            item_errs = check_item(obj, where)
            errs += item_errs
            if not item_errs:
                items.append(obj)
    if args.check_sources:
        errs += check_sources(items)

    n_items, n_docs, bounds, hard_b = Counter(), {s: set() for s in SOURCES}, Counter(), Counter()
    kinds, kind_b = Counter(), Counter()
    for o in items:
        src, sents = o["source"], o["sentences"]
        n_items[src] += 1
        n_docs[src].add(o["doc"])
        for s in sents:
            if "hard" in s:
                kinds[s["hard"]] += 1
        for i in range(1, len(sents)):
            bounds[src] += 1
            a, b = sents[i - 1].get("hard"), sents[i].get("hard")
            if a or b:
                hard_b[src] += 1
                for k in {a, b} - {None}:
                    kind_b[k] += 1

    total_b, total_h = sum(bounds.values()), sum(hard_b.values())
    print(f"{'source':8} {'docs':>5} {'items':>6} {'bounds':>7} {'hard':>6}")
    for s in SOURCES:
        print(f"{s:8} {len(n_docs[s]):5d} {n_items[s]:6d} {bounds[s]:7d} {hard_b[s]:6d}")
    print(
        f"{'total':8} {sum(len(v) for v in n_docs.values()):5d} {sum(n_items.values()):6d} {total_b:7d} {total_h:6d}"
    )
    print(f"\n{'kind':11} {'sentences':>9} {'boundaries':>10}")
    for k in KINDS:
        print(f"{k:11} {kinds[k]:9d} {kind_b[k]:10d}")

    targets = [
        (total_b >= 320, f"total boundaries {total_b} >= 320"),
        (2 * total_h >= total_b, f"hard boundaries {total_h} >= half of {total_b}"),
        *((bounds[s] >= 60, f"{s}: {bounds[s]} boundaries >= 60") for s in SOURCES),
        *((kinds[k] >= 8, f"kind {k}: {kinds[k]} sentences >= 8") for k in KINDS),
    ]
    unmet = [msg for ok, msg in targets if not ok]
    print("\ntargets:", "all met" if not unmet else "NOT MET: " + "; ".join(unmet))

    if errs:
        print(f"\n{len(errs)} error(s):", file=sys.stderr)
        for e in errs:
            print("  " + e, file=sys.stderr)
    else:
        print(f"\nOK: {sum(n_items.values())} items valid")
    return 1 if errs or (args.strict and unmet) else 0


if __name__ == "__main__":
    sys.exit(main())
