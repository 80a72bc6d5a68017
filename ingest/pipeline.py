"""Incremental, idempotent ingestion: files -> clean chunks -> embeddings -> Chroma.

A file whose content hash and chunk count are already in the index is skipped
without embedding. A changed file gets its new chunks written before the old
ones are deleted. Chroma is the only record (no separate manifest), so an
ingest killed at any point is reconciled by the next run: a document whose
stored chunks are incomplete or of mixed versions is simply written again.

A bad file never stops a run: it is reported once, with its reason, and what
the index already holds for it is kept. See docs/reliability.md.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from assistant.config import Settings
from ingest.loaders import SUPPORTED, LoadError, load
from ingest.metadata import SIDECAR_NAMES, SidecarError, describe, read_sidecar, sidecar_for
from ingest.split import split_document


@dataclass
class FileResult:
    path: str
    status: str  # added | updated | skipped | failed
    chunks: int = 0
    reason: str = ""  # why a file failed
    warning: str = ""  # why a usable file was indexed only in part (text cut at the cap...)


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # problems that are not one file's (a broken metadata.yaml)
    seconds: float = 0.0
    timings: dict = field(default_factory=lambda: {"load_split": 0.0, "embed": 0.0, "store": 0.0})

    def by_status(self, status: str) -> list[FileResult]:
        return [f for f in self.files if f.status == status]

    @property
    def chunks_written(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("added", "updated"))

    @property
    def usable(self) -> int:
        return sum(f.status != "failed" for f in self.files)

    def to_dict(self) -> dict:
        return {
            "files_read": len(self.files),
            "added": len(self.by_status("added")),
            "updated": len(self.by_status("updated")),
            "skipped": len(self.by_status("skipped")),
            "failed": [{"path": f.path, "reason": f.reason} for f in self.by_status("failed")],
            "warnings": [{"path": f.path, "warning": f.warning} for f in self.files if f.warning],
            "notes": self.notes,
            "ignored": self.ignored,
            "pruned": self.pruned,
            "chunks_written": self.chunks_written,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "files": [asdict(f) for f in self.files],
        }

    def summary(self) -> str:
        lines = [
            f"Fichiers lus : {len(self.files)} — ajoutés : {len(self.by_status('added'))}, "
            f"mis à jour : {len(self.by_status('updated'))}, inchangés : {len(self.by_status('skipped'))}, "
            f"en échec : {len(self.by_status('failed'))}",
            f"Passages écrits : {self.chunks_written} — durée : {self.seconds:.1f} s",
        ]
        if self.pruned:
            lines.append(f"Documents retirés (fichiers disparus) : {len(self.pruned)}")
        if self.ignored:
            lines.append(f"Fichiers ignorés (format non pris en charge, ou README) : {len(self.ignored)}")
        for f in self.by_status("failed"):
            lines.append(f"ÉCHEC {f.path} : {f.reason}")
        for f in self.files:
            if f.warning:
                lines.append(f"ATTENTION {f.path} : {f.warning}")
        lines.extend(f"ATTENTION {note}" for note in self.notes)
        return "\n".join(lines)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def document_hash(path: Path) -> str:
    """What decides whether a file must be indexed again: its bytes, and its ``metadata.yaml`` entry.

    Without a sidecar entry this is :func:`file_hash`; with one, editing the entry
    (title, kind, date) re-indexes the file with the new metadata.
    """
    content = file_hash(path)
    entry = sidecar_for(path)
    if not entry:
        return content
    extra = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{content}\0{extra}".encode("utf-8")).hexdigest()


def display_path(path) -> str:
    """``path`` as text that can always be printed and stored (undecodable bytes shown as \ufffd)."""
    return os.fsencode(path).decode("utf-8", errors="replace")


def _name_is_utf8(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
        return True
    except UnicodeEncodeError:  # bytes that are not UTF-8 in a name (a copy from an old Windows share)
        return False


def doc_id_for(path: Path) -> str:
    return hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:16]


def collect_files(paths: list[Path], report: IngestReport) -> list[Path]:
    """Files under ``paths`` (recursively, without following directory symlinks), sorted, unique."""
    found: dict[str, Path] = {}
    for root in paths:
        root = Path(root)
        if root.is_dir():
            for folder, dirs, names in os.walk(root, followlinks=False, onerror=lambda e: report.files.append(
                    FileResult(display_path(e.filename), "failed", reason=f"dossier illisible ({e.strerror})"))):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                _check_sidecar(Path(folder), names, report)
                for name in sorted(names):
                    _consider(Path(folder) / name, found, report, explicit=False)
        elif root.exists() or root.is_symlink():
            _consider(root, found, report, explicit=True)
        else:
            report.files.append(FileResult(display_path(root), "failed", reason="fichier ou dossier introuvable"))
    return list(found.values())


def _check_sidecar(folder: Path, names: list[str], report: IngestReport) -> None:
    if not any(name in SIDECAR_NAMES for name in names):
        return
    try:
        read_sidecar(folder)
    except SidecarError as exc:
        report.notes.append(f"{display_path(folder)}/metadata.yaml ignoré ({exc}) : titres, types et dates "
                            "des fichiers de ce dossier sont déduits de leur texte")


def _consider(path: Path, found: dict, report: IngestReport, explicit: bool) -> None:
    if path.name.startswith(".") or path.name in SIDECAR_NAMES:
        return
    if not _name_is_utf8(path):
        report.files.append(FileResult(display_path(path), "failed",
                                       reason="nom de fichier illisible (caractères non UTF-8) : renommez le fichier"))
        return
    if not explicit and path.stem.upper() == "README":  # a folder's own description, not a document
        report.ignored.append(str(path))
        return
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # broken link, symlink loop
        reason = "lien symbolique en boucle" if "loop" in str(exc).lower() or isinstance(exc, RuntimeError) \
            else "lien symbolique cassé ou fichier inaccessible"
        report.files.append(FileResult(str(path), "failed", reason=reason))
        return
    if not resolved.is_file():
        if explicit:
            report.files.append(FileResult(str(path), "failed", reason="ni un fichier ni un dossier"))
        return
    if not _name_is_utf8(resolved):
        report.files.append(FileResult(display_path(path), "failed",
                                       reason="nom de fichier illisible (caractères non UTF-8) : renommez le fichier"))
        return
    if resolved.suffix.lower() not in SUPPORTED:
        if explicit:
            report.files.append(FileResult(str(path), "failed", reason=f"format non pris en charge ({resolved.suffix})"))
        else:
            report.ignored.append(str(path))
        return
    found.setdefault(str(resolved), resolved)


# Chunks of consecutive small files embedded in one model call (a document at least this big is
# embedded and written on its own, in batches). Bounds the vectors held in memory at once.
EMBED_GROUP_CHUNKS = 128


@dataclass
class _Prepared:
    """A loaded and split document waiting to be embedded and written."""

    key: str
    nodes: list
    existed: bool
    warning: str = ""

    def result(self) -> FileResult:
        return FileResult(self.key, "updated" if self.existed else "added", chunks=len(self.nodes),
                          warning=self.warning)


def _unexpected(path, exc: Exception) -> FileResult:
    return FileResult(str(path), "failed", reason=f"erreur inattendue ({type(exc).__name__} : {exc})"[:300])


class Ingestor:
    """Holds the store and the embedding model for one or more ingest runs."""

    def __init__(self, settings: Settings, store=None, embed_model=None):
        from index.store import ChunkStore

        self.settings = settings
        self.store = store or ChunkStore(settings)
        self._embed_model = embed_model

    @property
    def embed_model(self):
        if self._embed_model is None:
            from index.embeddings import make_embed_model

            self._embed_model = make_embed_model(self.settings)
        return self._embed_model

    def run(self, paths: list[Path], prune: bool = False, progress: bool = True) -> IngestReport:
        """Ingest ``paths``; small files are embedded together (see :data:`EMBED_GROUP_CHUNKS`)."""
        from tqdm import tqdm

        started = time.perf_counter()
        report = IngestReport()
        if self.store.version.pending():  # a writer died between a write and its announcement
            self.store.version.bump()
        files = collect_files(paths, report)
        results: list[FileResult | None] = [None] * len(files)
        group: list[tuple[int, _Prepared]] = []

        def flush() -> None:
            for index, result in self._write_group(group, report.timings):
                results[index] = result
            group.clear()

        bar = tqdm(files, desc="Ingestion", unit="fichier", disable=not progress or len(files) < 2)
        for index, path in enumerate(bar):
            bar.set_postfix_str(display_path(path.name)[:30])
            try:
                prepared = self.prepare_file(path, report.timings)
                if isinstance(prepared, FileResult):
                    results[index] = prepared
                elif len(prepared.nodes) >= EMBED_GROUP_CHUNKS:  # a big document streams on its own
                    results[index] = self._write(prepared, report.timings)
                else:
                    group.append((index, prepared))
                    if sum(len(p.nodes) for _, p in group) >= EMBED_GROUP_CHUNKS:
                        flush()
            except Exception as exc:  # noqa: BLE001 - one file never stops the run; the reason is reported
                results[index] = _unexpected(path, exc)
        flush()
        report.files.extend(r for r in results if r is not None)
        if prune:
            report.pruned = self.prune([Path(p).resolve() for p in paths])
        report.seconds = time.perf_counter() - started
        return report

    def ingest_file(self, path: Path, timings: dict | None = None) -> FileResult:
        """Ingest one file on its own (skipped when unchanged)."""
        timings = timings if timings is not None else {"load_split": 0.0, "embed": 0.0, "store": 0.0}
        prepared = self.prepare_file(path, timings)
        return prepared if isinstance(prepared, FileResult) else self._write(prepared, timings)

    def prepare_file(self, path: Path, timings: dict) -> "FileResult | _Prepared":
        """Hash, skip when current, load and split: a final ``FileResult`` or the nodes to write."""
        key = str(path)
        try:
            content_hash = document_hash(path)
        except OSError as exc:
            reason = "permission refusée à la lecture" if isinstance(exc, PermissionError) else f"fichier illisible ({exc})"
            return FileResult(key, "failed", reason=reason)
        t0 = time.perf_counter()
        if self.store.is_current(key, content_hash):
            timings["store"] += time.perf_counter() - t0
            return FileResult(key, "skipped")
        existed = bool(self.store.chunks_of(key)[0])
        try:
            doc = load(path)
        except LoadError as exc:
            reason = str(exc) + (" — la version déjà indexée est conservée" if existed else "")
            return FileResult(key, "failed", reason=reason)
        nodes, _ = self.build_nodes(doc, content_hash)
        timings["load_split"] += time.perf_counter() - t0
        return _Prepared(key, nodes, existed, "; ".join(doc.warnings))

    def _write(self, prepared: "_Prepared", timings: dict) -> FileResult:
        """Embed and store one document in batches: memory does not grow with its size."""
        self.store.replace_document(prepared.key, prepared.nodes, embed=self.embed_model.get_text_embedding_batch,
                                    timings=timings)
        return prepared.result()

    def _write_group(self, group: list[tuple[int, "_Prepared"]], timings: dict):
        """Embed the chunks of several small documents in one call, then store each document.

        One call lets sentence-transformers sort all the texts by length and fill
        whole batches (per-document calls leave part-filled, more padded batches:
        measured ~1.3-2x slower on the seeds, docs/performance.md). A failure while
        embedding the group falls back to one document at a time, so that a bad
        document fails alone.
        """
        if not group:
            return []
        texts = [node.get_content() for _, p in group for node in p.nodes]
        # longest first: llama-index cuts the list into batches in the order given, so sorting here
        # is what keeps similar lengths (little padding) in each batch
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        t0 = time.perf_counter()
        try:
            ordered = self.embed_model.get_text_embedding_batch([texts[i] for i in order])
            vectors = [None] * len(texts)
            for position, vector in zip(order, ordered):
                vectors[position] = vector
        except Exception:  # noqa: BLE001 - retried per document below, where the error is reported
            vectors = None
        timings["embed"] = timings.get("embed", 0.0) + time.perf_counter() - t0
        out = []
        if vectors is None:
            for index, prepared in group:
                try:
                    out.append((index, self._write(prepared, timings)))
                except Exception as exc:  # noqa: BLE001
                    out.append((index, _unexpected(prepared.key, exc)))
            return out
        position = 0
        for index, prepared in group:
            for node in prepared.nodes:
                node.embedding = vectors[position]
                position += 1
            try:
                self.store.replace_document(prepared.key, prepared.nodes, embed=None, timings=timings)
                out.append((index, prepared.result()))
            except Exception as exc:  # noqa: BLE001
                out.append((index, _unexpected(prepared.key, exc)))
            for node in prepared.nodes:
                node.embedding = None
        return out

    def build_nodes(self, doc, content_hash: str):
        """The chunks of ``doc`` as llama-index nodes, and the text to embed for each."""
        from llama_index.core.schema import TextNode

        meta = describe(doc)
        doc_id = doc_id_for(doc.path)
        chunks = split_document(doc, self.settings.chunk_size, self.settings.chunk_overlap)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        nodes, texts = [], []
        for chunk in chunks:
            metadata = {
                **meta, "doc_id": doc_id, "content_hash": content_hash, "n_chunks": len(chunks),
                "ingested_at": now, "chunk_index": chunk.index, "page": chunk.page or 0,
                "heading": chunk.heading, "start": chunk.start, "end": chunk.end,
                "page_end": chunk.page_end or chunk.page or 0,
            }
            node = TextNode(id_=f"{doc_id}-{content_hash[:12]}-{chunk.index:04d}", text=chunk.text,
                            metadata=metadata, start_char_idx=chunk.start, end_char_idx=chunk.end)
            node.excluded_embed_metadata_keys = list(metadata)
            node.excluded_llm_metadata_keys = list(metadata)
            nodes.append(node)
            texts.append(chunk.text)
        return nodes, texts

    def prune(self, roots: list[Path]) -> list[str]:
        gone = []
        for doc in self.store.documents():
            path = Path(doc["path"] or "")
            under_root = any(path == root or root in path.parents for root in roots)
            if under_root and not path.exists():
                self.store.delete_path(str(path))
                gone.append(str(path))
        return gone

