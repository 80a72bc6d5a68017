"""Chroma, the single source of truth: chunks, their metadata and embeddings.

Embedded ``PersistentClient`` under the index folder by default, or a Chroma
server when ``ASSISTANT_CHROMA_URL`` is set. We always pass our own
embeddings: the collection has no embedding function (Chroma's default one
would download a model).

Crash safety (see docs/reliability.md): every chunk records the content hash
of its file and the number of chunks of that version (``n_chunks``); a
document counts as indexed only when exactly that many chunks of that one
hash are stored (:meth:`ChunkStore.is_current`), so an ingest killed half-way
through a document is redone by the next run. New chunks are written before
the old ones are deleted, so a document is never absent. Readers in other
processes learn of every change through :class:`IndexVersion`.

A write can be given a deadline (the ingest's time budget per file): checked between
embedding calls, it stops the write with :class:`WriteAbandoned` after deleting the new
chunks this write had stored (never one that was there before it), so the index holds
what it held before; a process killed during that clean-up leaves an incomplete new
version, which is not current and is redone by the next run, as after any kill.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from core.settings import Settings
from index.embeddings import DeadlinePassed, embed_batches

if TYPE_CHECKING:  # pragma: no cover
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

# llama-index is imported only where it is used (vector_store, all_nodes): a
# no-change re-ingest or a document listing never needs it, and importing it
# costs seconds on a small machine (docs/performance.md).

DOC_FIELDS = (
    "doc_id",
    "title",
    "kind",
    "nature",
    "number",
    "name",
    "relations",
    "date",
    "year",
    "source",
    "path",
    "content_hash",
    "n_chunks",
    "ingested_at",
)


class WriteAbandoned(Exception):
    """:meth:`ChunkStore.replace_document` passed its deadline: its new chunks are gone, the old ones kept."""

    def __init__(self, embedded: int, total: int):
        super().__init__(f"{embedded} of {total} chunks embedded at the deadline")
        self.embedded, self.total = embedded, total


def open_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(
            settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}"
        )
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    path = settings.resolved_index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class ChunkStore:
    """Chunks of all documents in one Chroma collection, keyed by stable ids."""

    def __init__(self, settings: Settings, client=None):
        self.settings = settings
        self.client = client or open_client(settings)
        self.collection = self.client.get_or_create_collection(
            settings.collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self._paths: tuple[str, dict[str, str]] | None = None  # (index version, doc_id -> path)

    @cached_property
    def version(self) -> IndexVersion:
        return IndexVersion(self.client, self.settings.collection)

    @cached_property
    def vector_store(self) -> ChromaVectorStore:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def count(self) -> int:
        return self.collection.count()

    def chunks_of(self, path: str) -> tuple[list[str], list[dict]]:
        got = self.collection.get(where={"path": path}, include=["metadatas"])
        return got["ids"], got["metadatas"]

    def document_file(self, doc_id: str) -> str | None:
        """The path of indexed document ``doc_id`` (``ingest.pipeline.doc_id_for``); None when not indexed.
        (Chroma's flat ``doc_id`` field is llama-index's reference id: the map is rebuilt from the paths,
        once per index version.)"""
        from ingest.pipeline import doc_id_for

        token = self.version.get()
        if self._paths is None or self._paths[0] != token:
            paths = {doc_id_for(Path(d["path"])): d["path"] for d in self.documents() if d.get("path")}
            self._paths = (token, paths)
        return self._paths[1].get(doc_id)

    def document_text(self, doc_id: str) -> str:
        """The text of document ``doc_id`` put back together from its chunks (their ``start`` offsets);
        a gap between two chunks is filled with spaces. "" when the document is not indexed."""
        path = self.document_file(doc_id)
        if not path:
            return ""
        got = self.collection.get(where={"path": path}, include=["documents", "metadatas"])
        text = ""
        for chunk, meta in sorted(zip(got["documents"], got["metadatas"], strict=True), key=_start):
            start = int(meta.get("start") or 0)
            if start > len(text):
                text += " " * (start - len(text))
            text += chunk[len(text) - start :]
        return text

    def is_current(self, path: str, content_hash: str) -> bool:
        """True when every chunk of the file is stored, all from this content."""
        ids, metas = self.chunks_of(path)
        if not ids:
            return False
        hashes = {m.get("content_hash") for m in metas}
        return hashes == {content_hash} and len(ids) == int(metas[0].get("n_chunks", -1))

    def add(self, nodes: list[TextNode], batch_size: int = 256) -> None:
        """Write embedded nodes, ``batch_size`` per Chroma call (the version is not bumped here)."""
        for i in range(0, len(nodes), batch_size):
            self.vector_store.add(nodes[i : i + batch_size])

    def delete_ids(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 1000):
            self.collection.delete(ids=ids[i : i + 1000])

    def replace_document(
        self,
        path: str,
        nodes: list[TextNode],
        embed=None,
        batch_size: int = 256,
        timings: dict | None = None,
        deadline: float | None = None,
    ) -> None:
        """Write the new chunks first, then drop the old ones: the document is never absent.

        With ``embed`` (texts -> vectors), nodes are embedded ``settings.embed_batch_size`` at a time
        and written ``batch_size`` at a time, their vectors dropped once stored, so memory does not
        grow with the document. With ``deadline`` (a :func:`time.monotonic` value), the clock is read
        before each embedding call but the first (:func:`index.embeddings.embed_batches`); once it
        has passed, the chunks this call stored are deleted again and :class:`WriteAbandoned` is
        raised: the old version stays as it was. Readers are told (:class:`IndexVersion`) once the
        document is complete or the write undone; if the process dies before that, the pending
        mark makes the next ingest tell them.
        """
        import time

        timings = timings if timings is not None else {}
        old_ids, _ = self.chunks_of(path)
        before = set(old_ids)
        self.version.mark_pending()
        written: list[str] = []
        try:
            for i in range(0, len(nodes), batch_size):
                batch = nodes[i : i + batch_size]
                if embed is not None:
                    t0 = time.perf_counter()
                    texts = [node.get_content() for node in batch]
                    try:
                        vectors = embed_batches(
                            embed, texts, self.settings.embed_batch_size, deadline=deadline, offset=i
                        )
                    except DeadlinePassed as exc:
                        raise WriteAbandoned(exc.done, len(nodes)) from None
                    finally:
                        timings["embed"] = timings.get("embed", 0.0) + time.perf_counter() - t0
                    for node, vector in zip(batch, vectors, strict=True):
                        node.embedding = vector
                t0 = time.perf_counter()
                self.add(batch)
                written.extend(node.node_id for node in batch)
                if embed is not None:
                    for node in batch:
                        node.embedding = None
                timings["store"] = timings.get("store", 0.0) + time.perf_counter() - t0
        except WriteAbandoned:
            t0 = time.perf_counter()
            if embed is not None:
                for node in nodes:
                    node.embedding = None
            self.delete_ids([i for i in written if i not in before])
            self.version.bump()
            timings["store"] = timings.get("store", 0.0) + time.perf_counter() - t0
            raise
        t0 = time.perf_counter()
        new_ids = {node.node_id for node in nodes}
        self.delete_ids([i for i in old_ids if i not in new_ids])
        self.version.bump()
        timings["store"] = timings.get("store", 0.0) + time.perf_counter() - t0

    def delete_path(self, path: str) -> int:
        ids, _ = self.chunks_of(path)
        if ids:
            self.version.mark_pending()
            self.delete_ids(ids)
            self.version.bump()
        return len(ids)

    def iter_records(self, batch: int = 2000, include=("documents", "metadatas")):
        offset = 0
        while True:
            got = self.collection.get(include=list(include), limit=batch, offset=offset)
            if not got["ids"]:
                return
            yield got
            offset += len(got["ids"])

    def all_nodes(self) -> list[TextNode]:
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        nodes = []
        for got in self.iter_records():
            for text, meta in zip(got["documents"], got["metadatas"], strict=True):
                nodes.append(metadata_dict_to_node(meta, text=text))
        return nodes

    def documents(self) -> list[dict]:
        """One row per indexed document: metadata and number of chunks."""
        docs: dict[str, dict] = {}
        counts: dict[str, int] = defaultdict(int)
        for got in self.iter_records(include=("metadatas",)):
            for meta in got["metadatas"]:
                path = meta.get("path", "")
                counts[path] += 1
                docs.setdefault(path, {k: meta.get(k) for k in DOC_FIELDS})
        rows = [{**row, "chunks": counts[path]} for path, row in docs.items()]
        return sorted(rows, key=lambda r: (r.get("title") or "").lower())


def _start(item) -> int:
    return int(item[1].get("start") or 0)


class IndexVersion:
    """A token in a side collection, changed after every document written or deleted.

    Readers in any process (or on any machine sharing a Chroma server) compare it
    to know when to rebuild what they derive from the chunks (BM25). A writer
    sets a "pending" mark before it touches the chunks and clears it with the
    new token; a mark left by a writer that was killed in between is cleared
    (with a new token) by the next ingest, so no reader keeps a stale view.
    """

    def __init__(self, client, collection: str):
        self._meta = client.get_or_create_collection(f"{collection}__meta", embedding_function=None)

    def get(self) -> str:
        got = self._meta.get(ids=["version"], include=["metadatas"])
        return (got["metadatas"][0] or {}).get("token", "") if got["ids"] else ""

    def bump(self) -> str:
        import uuid

        token = uuid.uuid4().hex
        self._meta.upsert(ids=["version"], metadatas=[{"token": token}], embeddings=[[0.0]], documents=[""])
        self._meta.delete(ids=["pending"])
        return token

    def mark_pending(self) -> None:
        from datetime import datetime

        since = datetime.now(UTC).isoformat(timespec="seconds")
        self._meta.upsert(ids=["pending"], metadatas=[{"since": since}], embeddings=[[0.0]], documents=[""])

    def pending(self) -> bool:
        """True when a writer started changing chunks and has not announced a new version yet."""
        return bool(self._meta.get(ids=["pending"], include=[])["ids"])
