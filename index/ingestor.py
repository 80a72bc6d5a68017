"""Incremental, idempotent ingestion into the index: files -> chunks (ingest) -> embeddings -> Chroma.

A file whose content hash and chunk count are already in the index is skipped
without embedding. A changed file gets its new chunks written before the old
ones are deleted. Chroma is the only record (no separate manifest), so an
ingest killed at any point is reconciled by the next run: a document whose
stored chunks are incomplete or of mixed versions is simply written again.

One ingest runs at a time per process (:data:`INGEST_LOCK`); queries keep running meanwhile.
A bad file never stops a run: it is reported once, with its reason, and what
the index already holds for it is kept. See docs/reliability.md.

No file holds the lock for long: loading is bounded by the loaders' limits (text cap, zip
limits of :mod:`ingest.archive`); a file of more than ``max_file_passages`` passages fails
before anything is embedded; embedding and writing one file stop at ``file_time_budget_s``
(checked between embedding calls), and the file then fails with its indexed version kept.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.settings import ENV_PREFIX, Settings, limit
from core.text.numbers import french_count
from index.embeddings import embed_batches
from ingest.loaders import LoadError
from ingest.pipeline import (
    FileResult,
    IngestReport,
    collect_files,
    display_path,
    doc_id_for,
    document_hash,
    read_chunks,
)

# One ingest at a time per process (re-entrant: the upload view holds it around its own work too).
INGEST_LOCK = threading.RLock()

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
        return FileResult(
            self.key, "updated" if self.existed else "added", chunks=len(self.nodes), warning=self.warning
        )


KEPT = " — la version déjà indexée est conservée"


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
        with INGEST_LOCK:
            return self._run(paths, prune, progress)

    def _run(self, paths: list[Path], prune: bool, progress: bool) -> IngestReport:
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
            except Exception as exc:
                results[index] = _unexpected(path, exc)
        flush()
        report.files.extend(r for r in results if r is not None)
        if prune:
            report.pruned = self.prune([Path(p).resolve() for p in paths])
        report.seconds = time.perf_counter() - started
        return report

    def prepare_file(self, path: Path, timings: dict) -> FileResult | _Prepared:
        """Hash, skip when current, load and split: a final ``FileResult`` or the nodes to write."""
        key = str(path)
        try:
            content_hash = document_hash(path)
        except OSError as exc:
            reason = (
                "permission refusée à la lecture"
                if isinstance(exc, PermissionError)
                else f"fichier illisible ({exc})"
            )
            return FileResult(key, "failed", reason=reason)
        t0 = time.perf_counter()
        if self.store.is_current(key, content_hash):
            timings["store"] += time.perf_counter() - t0
            return FileResult(key, "skipped")
        existed = bool(self.store.chunks_of(key)[0])
        try:
            meta, chunks, warnings = read_chunks(path, self.settings)
        except LoadError as exc:
            return FileResult(key, "failed", reason=str(exc) + (KEPT if existed else ""))
        timings["load_split"] += time.perf_counter() - t0
        cap = int(limit(self.settings, "max_file_passages"))
        if len(chunks) > cap:  # before any embedding: 3,000 passages take about 10 min on 2 cores
            reason = (
                f"document trop long : {french_count(len(chunks))} passages pour {french_count(cap)} au plus "
                f"({ENV_PREFIX}MAX_FILE_PASSAGES)"
            )
            return FileResult(key, "failed", reason=reason + (KEPT if existed else ""))
        t0 = time.perf_counter()
        nodes = self.build_nodes(path, meta, chunks, content_hash)
        timings["load_split"] += time.perf_counter() - t0
        return _Prepared(key, nodes, existed, "; ".join(warnings))

    @property
    def time_budget(self) -> float:
        """Seconds to embed and write one file (``file_time_budget_s``)."""
        return float(limit(self.settings, "file_time_budget_s"))

    def _write(self, prepared: _Prepared, timings: dict) -> FileResult:
        """Embed and store one document in batches: memory does not grow with its size, time stops at the budget."""
        from index.store import WriteAbandoned

        embed = self.embed_model.get_text_embedding_batch  # loading the model is not the file's time
        started = time.monotonic()
        try:
            self.store.replace_document(
                prepared.key,
                prepared.nodes,
                embed=embed,
                timings=timings,
                deadline=started + self.time_budget,
            )
        except WriteAbandoned as exc:
            return self._too_slow(prepared, exc.embedded, exc.total, time.monotonic() - started)
        return prepared.result()

    def _too_slow(self, prepared: _Prepared, embedded: int, total: int, seconds: float) -> FileResult:
        reason = (
            f"indexation trop longue : {french_count(embedded)} passages sur {french_count(total)} calculés en "
            f"{seconds:.0f} s pour {self.time_budget:g} s au plus par fichier "
            f"({ENV_PREFIX}FILE_TIME_BUDGET_S)"
        )
        return FileResult(prepared.key, "failed", reason=reason + (KEPT if prepared.existed else ""))

    def _write_group(self, group: list[tuple[int, _Prepared]], timings: dict):
        """Embed the chunks of several small documents in one call, then store each document.

        One call lets sentence-transformers sort all the texts by length and fill
        whole batches (per-document calls leave part-filled, more padded batches:
        measured ~1.3-2x slower on the seeds, docs/performance.md). A failure while
        embedding the group falls back to one document at a time, so that a bad
        document fails alone; so does a group still embedding when the time budget of one
        file has passed (each document then has its own budget).
        """
        if not group:
            return []
        texts = [node.get_content() for _, p in group for node in p.nodes]
        t0 = time.perf_counter()
        try:
            embed = self.embed_model.get_text_embedding_batch  # loading the model is not the files' time
            vectors = embed_batches(
                embed,
                texts,
                self.settings.embed_batch_size,
                deadline=time.monotonic() + self.time_budget,
                longest_first=True,
            )
        except Exception:  # DeadlinePassed included
            vectors = None
        timings["embed"] = timings.get("embed", 0.0) + time.perf_counter() - t0
        out = []
        if vectors is None:
            for index, prepared in group:
                try:
                    out.append((index, self._write(prepared, timings)))
                except Exception as exc:
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
            except Exception as exc:
                out.append((index, _unexpected(prepared.key, exc)))
            for node in prepared.nodes:
                node.embedding = None
        return out

    def nodes_for(self, path: Path, content_hash: str | None = None) -> list:
        """The nodes an ingest of ``path`` writes (read, described, split; not embedded)."""
        meta, chunks, _ = read_chunks(path, self.settings)
        return self.build_nodes(path, meta, chunks, content_hash or document_hash(path))

    @staticmethod
    def build_nodes(path: Path, meta: dict, chunks: list, content_hash: str) -> list:
        """The chunks of the file at ``path`` as llama-index nodes carrying the document's metadata."""
        from llama_index.core.schema import TextNode

        doc_id = doc_id_for(path)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        nodes = []
        for chunk in chunks:
            metadata = {
                **meta,
                "doc_id": doc_id,
                "content_hash": content_hash,
                "n_chunks": len(chunks),
                "ingested_at": now,
                "chunk_index": chunk.index,
                "page": chunk.page or 0,
                "heading": chunk.heading,
                "start": chunk.start,
                "end": chunk.end,
                "page_end": chunk.page_end or chunk.page or 0,
                "page_breaks": chunk.page_breaks_field(),
            }
            node = TextNode(
                id_=f"{doc_id}-{content_hash[:12]}-{chunk.index:04d}",
                text=chunk.text,
                metadata=metadata,
                start_char_idx=chunk.start,
                end_char_idx=chunk.end,
            )
            node.excluded_embed_metadata_keys = list(metadata)
            node.excluded_llm_metadata_keys = list(metadata)
            nodes.append(node)
        return nodes

    def prune(self, roots: list[Path]) -> list[str]:
        gone = []
        for doc in self.store.documents():
            path = Path(doc["path"] or "")
            under_root = any(path == root or root in path.parents for root in roots)
            if under_root and not path.exists():
                self.store.delete_path(str(path))
                gone.append(str(path))
        return gone
