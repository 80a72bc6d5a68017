"""Chroma, the single source of truth: chunks, their metadata and embeddings.

Embedded ``PersistentClient`` under the index folder by default, or a Chroma
server when ``ASSISTANT_CHROMA_URL`` is set. We always pass our own
embeddings: the collection has no embedding function (Chroma's default one
would download a model).
"""
from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from urllib.parse import urlparse

from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.vector_stores.chroma import ChromaVectorStore

from assistant.config import Settings

DOC_FIELDS = ("doc_id", "title", "kind", "date", "year", "source", "path", "content_hash", "n_chunks", "ingested_at")


def open_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=chroma_settings)
    path = settings.resolved_index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class ChunkStore:
    """Chunks of all documents in one Chroma collection, keyed by stable ids."""

    def __init__(self, settings: Settings, client=None):
        self.settings = settings
        self.client = client or open_client(settings)
        self.collection = self.client.get_or_create_collection(
            settings.collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})

    @cached_property
    def version(self) -> "IndexVersion":
        return IndexVersion(self.client, self.settings.collection)

    @cached_property
    def vector_store(self) -> ChromaVectorStore:
        return ChromaVectorStore(chroma_collection=self.collection)

    def count(self) -> int:
        return self.collection.count()

    def chunks_of(self, path: str) -> tuple[list[str], list[dict]]:
        got = self.collection.get(where={"path": path}, include=["metadatas"])
        return got["ids"], got["metadatas"]

    def is_current(self, path: str, content_hash: str) -> bool:
        """True when every chunk of the file is stored, all from this content."""
        ids, metas = self.chunks_of(path)
        if not ids:
            return False
        hashes = {m.get("content_hash") for m in metas}
        return hashes == {content_hash} and len(ids) == int(metas[0].get("n_chunks", -1))

    def add(self, nodes: list[TextNode]) -> None:
        for i in range(0, len(nodes), 256):
            self.vector_store.add(nodes[i:i + 256])

    def delete_ids(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 1000):
            self.collection.delete(ids=ids[i:i + 1000])

    def replace_document(self, path: str, nodes: list[TextNode]) -> None:
        """Write the new chunks first, then drop the old ones: the document is never absent."""
        old_ids, _ = self.chunks_of(path)
        self.add(nodes)
        new_ids = {node.node_id for node in nodes}
        self.delete_ids([i for i in old_ids if i not in new_ids])

    def delete_path(self, path: str) -> int:
        ids, _ = self.chunks_of(path)
        self.delete_ids(ids)
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
        nodes = []
        for got in self.iter_records():
            for text, meta in zip(got["documents"], got["metadatas"]):
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


class IndexVersion:
    """A token in a side collection, changed by every ingest that writes or deletes.

    Readers in any process (or on any machine sharing a Chroma server) compare it
    to know when to rebuild what they derive from the chunks (BM25).
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
        return token
