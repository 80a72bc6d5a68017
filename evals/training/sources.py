"""The sentences of a training corpus a question can be written from, each in its passage (the
chunk ingest makes of it), sampled the same way on every run (seeded)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.documents import SUPPORTED_EXTENSIONS
from core.settings import Settings
from core.text.furniture import is_furniture
from core.text.near_copy import is_near_copy, words
from core.text.sentences import HEADING_MARK, sentence_spans
from evals.training.kinds import kind_of
from ingest.loaders import load
from ingest.metadata import infer_title
from ingest.split import split_document

MIN_WORDS, MAX_CHARS = 8, 420  # a sentence that says something, short enough to be one fact
CONTEXT_CHARS = 700  # what the model reads around the sentence (a short prompt: ~2 s less per item)
BOILERPLATE_DOCUMENTS = 3  # a sentence found (near-copied) in this many texts is a formula, not a fact


@dataclass(frozen=True)
class Source:
    document: str  # the file's name
    title: str
    passage: str  # the chunk's text
    sentence: str
    kind: str
    context: str  # the sentence with the sentences around it, as the model is shown it

    @property
    def key(self) -> str:
        """A stable name for the item (the resume key)."""
        return hashlib.sha1(f"{self.document}\n{self.sentence}".encode()).hexdigest()[:16]


def split_of(document: str) -> str:
    """train / validation / test by the document's name: every item of a text in one split."""
    bucket = int(hashlib.sha1(document.encode()).hexdigest(), 16) % 100
    return "train" if bucket < 70 else "validation" if bucket < 85 else "test"


def _usable(sentence: str) -> bool:
    return (
        len(sentence.split()) >= MIN_WORDS
        and len(sentence) <= MAX_CHARS
        and not is_furniture(sentence)
        and not HEADING_MARK.match(sentence)
        and not sentence.rstrip().endswith(":")
        and "http" not in sentence
    )


def _context(sentences: list[str], i: int) -> str:
    """Sentence ``i`` with its neighbours, nearest first, within ``CONTEXT_CHARS``."""
    low = high = i
    size = len(sentences[i])
    while True:
        grown = False
        for j in (low - 1, high + 1):
            if 0 <= j < len(sentences) and size + len(sentences[j]) <= CONTEXT_CHARS:
                size += len(sentences[j])
                low, high, grown = min(low, j), max(high, j), True
        if not grown:
            return "\n".join(sentences[low : high + 1])


def _boilerplate(pools: list[list[Source]]) -> set[str]:
    """Sentences found, as near-copies, in ``BOILERPLATE_DOCUMENTS`` texts or more (« … sont
    chargés de l'exécution du présent décret »): the formulas of a form of text."""
    rows = [(n, source.sentence, words(source.sentence)) for n, pool in enumerate(pools) for source in pool]
    out = set()
    for n, sentence, found in rows:
        documents = {m for m, _, other in rows if is_near_copy(found, other)}
        if len(documents | {n}) >= BOILERPLATE_DOCUMENTS:
            out.add(sentence)
    return out


def corpus_files(corpus: Path) -> list[Path]:
    """The files of ``corpus`` that ingest reads, sorted by path."""
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS)


def sources(corpus: Path, settings: Settings, per_document: int, seed: int) -> Iterator[Source]:
    """Up to ``per_document`` sentences of each file of ``corpus`` (sorted by name), drawn at random
    (``seed``) among the usable ones that are no formula, documents interleaved so that a short run
    covers them all."""
    rng = random.Random(seed)
    pools = []
    files = corpus_files(corpus)
    for path in files:
        doc = load(path, settings)
        title = infer_title(doc)
        seen, pool = set(), []
        for chunk in split_document(doc, settings):
            sentences = [" ".join(chunk.text[s:e].split()) for s, e in sentence_spans(chunk.text)]
            for i, sentence in enumerate(sentences):
                if sentence not in seen and _usable(sentence):
                    seen.add(sentence)
                    context = _context(sentences, i)
                    pool.append(Source(path.name, title, chunk.text, sentence, kind_of(sentence), context))
        pools.append(pool)
    formulas = _boilerplate(pools)
    for n, pool in enumerate(pools):
        kept = [source for source in pool if source.sentence not in formulas]
        rng.shuffle(kept)
        pools[n] = kept[:per_document]
    for rank in range(per_document):
        for pool in pools:
            if rank < len(pool):
                yield pool[rank]
