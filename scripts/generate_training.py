"""Generate the reader's training data with the bundled local model (resumable, in the background).

    nohup .venv/bin/python scripts/generate_training.py > gen.log 2>&1 &

Indexes the training corpora (default ``../shared/train/corpus`` and ``evals/training/texts``) into
``--index-dir``, then, for up to ``--per-document`` sentences of each file, writes a question, keeps it by
round trip (:mod:`evals.training.generate`) and writes its unanswerable variants, then asks each
kept item again as a follow-up (:mod:`evals.training.followups`); every item is
appended to ``--out`` as it is made, and a run goes on where the last one stopped. An evaluation
corpus (``../shared/seeds``, dev2's ``corpus/``) is refused: the gold figures stay a measurement.
``settings.json`` in ``--out`` records the settings, the model, the time spent and the yield.
``--as-gold test FOLDER`` writes a split in the gold format, for ``assistant eval --set FOLDER``;
``--written-gold test FOLDER`` the same for the questions written by hand (:mod:`evals.training.written`).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm import tqdm

from assistant.llm.local import get_local_backend
from assistant.pipeline import Assistant
from core.settings import SHARED_DIR, get_settings
from evals.training import generate
from evals.training.followups import make_followups
from evals.training.generate import Generator, read_rows
from evals.training.sources import corpus_files, sources
from ingest.loaders import load

ROOT = Path(__file__).resolve().parents[1]


def _refuse_evaluation(corpus: Path) -> None:
    shared = SHARED_DIR.resolve()
    for forbidden in (shared / "seeds", shared / "evals"):
        if corpus.resolve().is_relative_to(forbidden):
            sys.exit(f"Erreur : {corpus} est un corpus d'évaluation ; il ne sert jamais à entraîner.")


def summary(out: Path) -> dict:
    """Attempts, yield, time, rejections, kinds and splits of the data in ``out``."""
    rows, variants = read_rows(out / "answerable.jsonl"), read_rows(out / "unanswerable.jsonl")
    follows = read_rows(out / "followups.jsonl")
    kept = [r for r in rows if r["kept"]]
    return {
        "attempts": len(rows),
        "kept": len(kept),
        "yield": round(len(kept) / len(rows), 3) if rows else 0.0,
        "seconds": round(sum(r["seconds"] for r in rows), 1),
        "rejected": dict(Counter(r["reason"] for r in rows if not r["kept"])),
        "kinds": dict(Counter(r["kind"] for r in kept)),
        "splits": dict(Counter(r["split"] for r in kept)),
        "unanswerable": len(variants),
        "unanswerable_kinds": dict(Counter(v["variant"] for v in variants)),
        "unanswerable_splits": dict(Counter(v["split"] for v in variants)),
        "followups": {
            "attempts": len(follows),
            "kept": sum(f["kept"] for f in follows),
            "seconds": round(sum(f["seconds"] for f in follows), 1),
            "rejected": dict(Counter(f["reason"] for f in follows if not f["kept"])),
            "splits": dict(Counter(f["split"] for f in follows if f["kept"])),
        },
    }


def write_settings(out: Path, **fields) -> dict:
    """``out/settings.json``: the run's ``fields`` over those already recorded, and the summary."""
    path = out / "settings.json"
    record = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    record.update(fields)
    record.update(summary(out))
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return record


def generate_all(args, settings, assistant, corpora: list[Path], corpus_text: str) -> dict:
    """The questions of every source not yet tried, their variants, then the follow-ups."""
    backend = get_local_backend(settings)
    generator = Generator(backend, assistant, args.out, args.seed, corpus_text)
    done = generator.done()
    todo = [
        s for c in corpora for s in sources(c, settings, args.per_document, args.seed) if s.key not in done
    ]
    if args.limit:
        todo = todo[: args.limit]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a killed run still records what it made
    started = time.time()
    try:
        for source in tqdm(todo, desc="questions", unit="q"):
            generator.make(source)
        tried = make_followups(assistant, args.out, args.seed, args.limit)
        print(f"{tried} follow-ups tried", flush=True)
    finally:
        record = write_settings(
            args.out,
            corpora=[str(c) for c in corpora],
            per_document=args.per_document,
            seed=args.seed,
            model=backend.model_path.name,
            filters={
                k: getattr(generate, k) for k in ("ANSWER_IN_SENTENCE", "COPY", "RETRIEVED", "ROUND_TRIP")
            },
            last_run_seconds=round(time.time() - started, 1),
        )
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, action="append", help="corpus folder (repeatable)")
    parser.add_argument("--out", type=Path, default=ROOT / "evals/training/data")
    parser.add_argument("--index-dir", type=Path, default=ROOT / "data/train_index")
    parser.add_argument("--per-document", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--limit", type=int, default=0, help="stop after this many attempts (0: all)")
    parser.add_argument(
        "--summary", action="store_true", help="refresh the yield in --out/settings.json, print it, stop"
    )
    parser.add_argument(
        "--rebuild-variants", action="store_true", help="write the unanswerable variants again, stop"
    )
    parser.add_argument(
        "--followups-only", action="store_true", help="only the follow-ups of the kept items, stop"
    )
    parser.add_argument(
        "--as-gold",
        nargs=2,
        metavar=("SPLIT", "FOLDER"),
        help="write SPLIT as an evaluation set in the gold format (for `assistant eval --set FOLDER`), stop",
    )
    parser.add_argument(
        "--written-gold",
        nargs=2,
        metavar=("SPLIT", "FOLDER"),
        help="the same for the questions written by hand (evals/training/data/written.jsonl), stop",
    )
    args = parser.parse_args(argv)
    if args.as_gold or args.written_gold:
        from evals.training import as_gold, written

        corpora = [Path(c) for c in json.loads((args.out / "settings.json").read_text())["corpora"]]
        if args.as_gold:
            counts = as_gold.export(args.out, corpora, args.as_gold[0], Path(args.as_gold[1]))
        else:
            counts = written.export(corpora, args.written_gold[0], Path(args.written_gold[1]))
        print(json.dumps(counts, ensure_ascii=False))
        return
    if args.summary:
        print(json.dumps(write_settings(args.out), ensure_ascii=False, indent=2))
        return
    corpora = args.corpus or [SHARED_DIR / "train" / "corpus", ROOT / "evals/training/texts"]
    for corpus in corpora:
        _refuse_evaluation(corpus)
    settings = get_settings()
    assistant = Assistant.open(args.index_dir, llm="extractive")
    assistant.ingest(corpora, prune=True)
    corpus_text = " ".join(load(p, settings).text.lower() for c in corpora for p in corpus_files(c))
    if args.rebuild_variants:
        Generator(None, assistant, args.out, args.seed, corpus_text).rebuild_variants()
        print(json.dumps(write_settings(args.out), ensure_ascii=False, indent=2))
        return
    if args.followups_only:  # no model: the follow-ups are rewritten by rule
        tried = make_followups(assistant, args.out, args.seed, args.limit)
        print(f"{tried} follow-ups tried", flush=True)
        record = write_settings(args.out)
    else:
        record = generate_all(args, settings, assistant, corpora, corpus_text)
    print(json.dumps(record, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
