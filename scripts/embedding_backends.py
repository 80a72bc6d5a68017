"""Trial of faster e5 back-ends: speed and retrieval quality against the default (torch float32).

    pip install onnx                 # only for this trial (export + int8 quantisation)
    python scripts/embedding_backends.py [--threads 1] [--rounds 3] [--quality-backends torch-fp32,onnx-int8]
                                         [--out eval_out/embedding_backends.json]

Back-ends compared on the same machine, same threads, same texts:

* ``torch-fp32``: the default (sentence-transformers on torch, float32);
* ``torch-int8``: ``torch.ao.quantization.quantize_dynamic`` on every Linear layer (no extra package);
* ``onnx-fp32`` / ``onnx-int8``: the BERT encoder exported with ``torch.onnx.export`` and run by
  onnxruntime (already installed with chromadb), int8 by ``onnxruntime.quantization.quantize_dynamic``.

sentence-transformers' own ONNX back-end (``backend="onnx"``) needs ``optimum-onnx``, whose
install pins transformers < 4.58 and would downgrade this project's transformers 5; hence
this direct export, which computes the same thing (mean pooling, L2 norm, ``query:`` /
``passage:`` prefixes).

For each back-end: passages/s on the seed chunks (batch 16; the back-ends take turns over
``--rounds`` rounds and the best round counts), query latency (median over 10 dev questions
per round), cosine to the float32 vectors, and evidence@5 / doc hit@5 of the dense
and hybrid retrieval on ``../shared/evals/seeds_dev.jsonl`` through ``evals.quality.run.run_eval``
(the same harness as ``assistant eval``), with the back-end plugged in as the embedding model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.settings import SHARED_DIR  # noqa: E402  (imports core: the offline environment first)

SEEDS = SHARED_DIR / "seeds"
DEV = SHARED_DIR / "evals" / "seeds_dev.jsonl"


def _chunks() -> list[str]:
    from core.settings import get_settings
    from ingest.loaders import load
    from ingest.split import split_document

    s = get_settings()
    return [c.text for p in sorted(SEEDS.glob("*.txt")) for c in split_document(load(p), s)]


def make_backends(work: Path, names: list[str]):
    """name -> callable(texts, kind) -> np.ndarray (normalised)."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from core.settings import get_settings
    from index.embeddings import resolve_embed_model

    path = resolve_embed_model(get_settings())
    st = SentenceTransformer(path, device="cpu")
    prefix = {"query": "query: ", "passage": "passage: "}
    out = {}

    def torch_fn(model):
        def encode(texts, kind):
            return model.encode([prefix[kind] + t for t in texts], batch_size=16, normalize_embeddings=True)

        return encode

    if "torch-fp32" in names:
        out["torch-fp32"] = torch_fn(st)
    if "torch-int8" in names:
        q = SentenceTransformer(path, device="cpu")
        q = torch.ao.quantization.quantize_dynamic(q, {torch.nn.Linear}, dtype=torch.qint8)
        out["torch-int8"] = torch_fn(q)
    if any(n.startswith("onnx") for n in names):
        import onnxruntime as ort

        tok = st.tokenizer
        bert = st[0].auto_model.eval()
        fp32, int8 = work / "model.onnx", work / "model_int8.onnx"

        class Encoder(torch.nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask):
                return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

        sample = tok(["passage: a", "passage: b c"], padding=True, return_tensors="pt")
        t = time.perf_counter()
        torch.onnx.export(
            Encoder(bert),
            (sample["input_ids"], sample["attention_mask"]),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_axes={
                "input_ids": {0: "b", 1: "s"},
                "attention_mask": {0: "b", 1: "s"},
                "hidden": {0: "b", 1: "s"},
            },
            opset_version=17,
            dynamo=False,
        )
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        print(
            f"export + quantisation: {time.perf_counter() - t:.1f} s; sizes {fp32.stat().st_size / 1e6:.0f} MB, "
            f"{int8.stat().st_size / 1e6:.0f} MB",
            file=sys.stderr,
        )

        def ort_fn(file):
            so = ort.SessionOptions()
            so.intra_op_num_threads = torch.get_num_threads()
            so.inter_op_num_threads = 1
            sess = ort.InferenceSession(str(file), so, providers=["CPUExecutionProvider"])

            def encode(texts, kind, batch=16):
                texts = [prefix[kind] + t for t in texts]
                order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
                result = [None] * len(texts)
                for i in range(0, len(order), batch):
                    idx = order[i : i + batch]
                    enc = tok(
                        [texts[j] for j in idx],
                        padding=True,
                        truncation=True,
                        max_length=512,
                        return_tensors="np",
                    )
                    hidden = sess.run(
                        None,
                        {
                            "input_ids": enc["input_ids"].astype(np.int64),
                            "attention_mask": enc["attention_mask"].astype(np.int64),
                        },
                    )[0]
                    mask = enc["attention_mask"][..., None].astype(np.float32)
                    vec = (hidden * mask).sum(1) / mask.sum(1)
                    vec /= np.linalg.norm(vec, axis=1, keepdims=True)
                    for k, j in enumerate(idx):
                        result[j] = vec[k]
                return np.asarray(result, dtype=np.float32)

            return encode

        if "onnx-fp32" in names:
            out["onnx-fp32"] = ort_fn(fp32)
        if "onnx-int8" in names:
            out["onnx-int8"] = ort_fn(int8)
    return out


def as_llama_embedding(encode):
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class Wrapped(BaseEmbedding):
        _encode: object = PrivateAttr()

        def __init__(self, fn):
            super().__init__(model_name="trial", embed_batch_size=16)
            self._encode = fn

        def _get_query_embedding(self, query):
            return self._encode([query], "query")[0].tolist()

        async def _aget_query_embedding(self, query):
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text):
            return self._encode([text], "passage")[0].tolist()

        def _get_text_embeddings(self, texts):
            return self._encode(texts, "passage").tolist()

    return Wrapped(encode)


def quality(encode) -> dict:
    """evidence@5 and doc hit@5 of dense and hybrid retrieval on the seeds dev set, this back-end plugged in."""
    import index.embeddings as emb
    from evals.quality.run import run_eval

    model = as_llama_embedding(encode)
    original = emb.make_embed_model
    emb.make_embed_model = lambda settings=None: model
    try:
        with tempfile.TemporaryDirectory() as tmp:
            res = run_eval(
                DEV, SEEDS, "dense,hybrid", out_dir=None, index_dir=Path(tmp), progress=False, threads=None
            )
    finally:
        emb.make_embed_model = original
    return {
        name: {k: round(c["overall"][k], 3) for k in ("evidence@5", "doc_hit@5", "doc_hit@1")}
        for name, c in res["configs"].items()
    }


def main() -> int:
    import numpy as np
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--backends", default="torch-fp32,torch-int8,onnx-fp32,onnx-int8")
    parser.add_argument("--out", type=Path, default=ROOT / "eval_out" / "embedding_backends.json")
    parser.add_argument("--no-quality", action="store_true", help="speed only")
    parser.add_argument(
        "--quality-backends", help="back-ends whose retrieval quality is measured (default: all)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="speed rounds; the back-ends take turns in each round and the best round counts, "
        "so that a machine shared with other work favours none of them",
    )
    parser.add_argument(
        "--speed-chunks", type=int, help="chunks timed per round (default: all the seed chunks)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    chunks = _chunks()
    timed = chunks[: args.speed_chunks] if args.speed_chunks else chunks
    questions = [
        json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    results = {
        "threads": args.threads,
        "chunks": len(chunks),
        "timed_chunks": len(timed),
        "rounds": args.rounds,
        "questions": len(questions),
        "backends": {},
    }
    names = args.backends.split(",")
    quality_names = set(names if not args.quality_backends else args.quality_backends.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        backends = make_backends(Path(tmp), names)
        speed = {name: [] for name in backends}
        query = {name: [] for name in backends}
        for encode in backends.values():
            encode(chunks[:4], "passage")  # warm-up
        for _ in range(args.rounds):
            for name, encode in backends.items():
                t = time.perf_counter()
                encode(timed, "passage")
                speed[name].append(len(timed) / (time.perf_counter() - t))
                for q in questions[:10]:
                    t = time.perf_counter()
                    encode([q], "query")
                    query[name].append((time.perf_counter() - t) * 1000)
        reference = None
        for name, encode in backends.items():
            vectors = encode(chunks, "passage")
            if reference is None:
                reference = vectors
            cos = (vectors * reference).sum(1)
            row = {
                "passages_per_s_best": round(max(speed[name]), 2),
                "passages_per_s_rounds": [round(v, 2) for v in speed[name]],
                "query_ms_median": round(float(np.median(query[name])), 1),
                "cosine_to_fp32_mean": round(float(cos.mean()), 4),
                "cosine_to_fp32_min": round(float(cos.min()), 4),
            }
            if not args.no_quality and name in quality_names:
                row["quality"] = quality(encode)
            results["backends"][name] = row
            print(name, json.dumps(row), file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
