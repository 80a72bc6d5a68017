"""Synthetic French documents on « politique de la ville » themes, to grow a corpus for the bench.

Deterministic for a given seed: the same call always writes the same files, so
a scale index built once can be cached (see :data:`GENERATOR_VERSION`).

How the text varies, so that retrieval over a grown corpus stays meaningful:

* a pool of distinct sentences is drawn from ~50 sentence templates whose slots
  are filled from lists of communes, quartiers, intercommunalités, actors,
  themes, programmes, dates, amounts, counts and percentages;
* each document has a unique title (kind of document, commune, theme, year,
  number), front matter (title, kind, date) and 8 to 20 sections picked from 40
  section titles, each section 1 to 4 paragraphs of 3 to 6 pool sentences;
* no two chunks are equal: :func:`write_corpus` splits each document as the
  ingest does and draws it again if one of its chunks already exists (a chunk
  reduced to one sentence at the end of a section could otherwise repeat).

Sentences come from a finite pool on purpose: the bench embeds each pool
sentence once with the real model and gives a synthetic chunk the length-weighted
mean of its sentences' vectors (``evals.bench.composed.ComposedEmbedding``), which is
what makes 50,000-chunk indexes affordable on 2 cores. The pool is large
(thousands of sentences by default), each sentence fills ~20 slots, and the
documents differ by title, headings and sentence order.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import Settings
from core.text.dates import MONTH_NAMES, MONTHS, day_label, parse_date
from evals.bench.synthetic_vocab import (
    ACTORS,
    ADJ,
    COMMUNES,
    DOC_KINDS,
    OBJECTS,
    PROGRAMMES,
    PUBLICS,
    QUARTIER_HEADS,
    QUARTIER_TAILS,
    SECTIONS,
    TEMPLATES,
    THEMES,
    VERBS_SUBJ,
    WEEKDAYS,
)

GENERATOR_VERSION = 3  # any change to the documents drawn (here or in synthetic_vocab) needs a new one


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


_CONTRACTIONS = [
    (re.compile(r"\bà le (?=\w)"), "au "),
    (re.compile(r"\bÀ le (?=\w)"), "Au "),
    (re.compile(r"\bà les\b"), "aux"),
    (re.compile(r"\bÀ les\b"), "Aux"),
    (re.compile(r"\b([dD])e le (?=\w)"), r"\1u "),
    (re.compile(r"\b([dD])e les\b"), r"\1es"),
    (re.compile(r"\b([dD])e (?=[aeiouéèêAEIOUÉÈ])"), r"\1'"),
]


def french(text: str) -> str:
    """Contract the articles the slots produce: « à le » -> « au », « de les » -> « des »,
    « de avril » -> « d'avril »."""
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text


def _number(n: int) -> str:
    """French thousands separator (narrow no-break space replaced by a plain space)."""
    return f"{n:,}".replace(",", " ")


@dataclass
class Generator:
    """Deterministic sentence pool and documents for ``seed``."""

    seed: int = 0
    pool_size: int = 2000
    pool: list[str] = field(init=False)

    def __post_init__(self):
        self.quartiers = [f"{h} {t}" for h in QUARTIER_HEADS for t in QUARTIER_TAILS]
        self.pool = self._make_pool()

    # -- slots ---------------------------------------------------------------------
    def _date(self, rng: random.Random) -> str:
        day, month = rng.randint(1, 28), rng.choice(MONTH_NAMES)
        return day_label(day, MONTHS[month], rng.randint(2015, 2030))

    def _slots(self, rng: random.Random) -> dict:
        commune, epci, dept = rng.choice(COMMUNES)
        year = rng.randint(2015, 2029)
        actor, actor2 = rng.sample(ACTORS, 2)
        theme, theme2 = rng.sample(THEMES, 2)
        programme = rng.choice(PROGRAMMES)
        pct, pct2 = sorted(rng.sample(range(3, 78), 2))
        return {
            "commune": commune,
            "epci": epci,
            "dept": dept,
            "quartier": rng.choice(self.quartiers),
            "actor": actor,
            "actor2": actor2,
            "actor_cap": _cap(actor),
            "theme": theme,
            "theme2": theme2,
            "programme": programme,
            "programme_cap": _cap(programme),
            "public": rng.choice(PUBLICS),
            "adj": rng.choice(ADJ),
            "verb": rng.choice(VERBS_SUBJ),
            "object": rng.choice(OBJECTS),
            "date": self._date(rng),
            "month": rng.choice(MONTH_NAMES),
            "year": year,
            "year2": year + rng.randint(1, 6),
            "old_year": rng.randint(1960, 1999),
            "pct": pct,
            "pct2": pct2,
            "count": _number(rng.randint(12, 4800)),
            "small": rng.randint(2, 19),
            "amount": _number(rng.randint(8, 2400) * 1000),
            "amount2": _number(rng.randint(5, 900) * 1000),
            "small_amount": _number(rng.randint(4, 90) * 50),
            "weekday": rng.choice(WEEKDAYS),
        }

    def _make_pool(self) -> list[str]:
        rng = random.Random(self.seed * 7919 + 1)
        seen: set[str] = set()
        pool: list[str] = []
        while len(pool) < self.pool_size:
            sentence = french(rng.choice(TEMPLATES).format(**self._slots(rng)))
            if sentence not in seen:
                seen.add(sentence)
                pool.append(sentence)
        return pool

    # -- documents -----------------------------------------------------------------
    def document(self, number: int, attempt: int = 0) -> tuple[str, str]:
        """(file name, text) of document ``number``: always the same for a seed, a number and an attempt."""
        rng = random.Random((self.seed << 40) ^ (number * 2654435761) ^ (attempt << 20))
        slots = self._slots(rng)
        kind, title_t = DOC_KINDS[number % len(DOC_KINDS)]
        slots.update(num=number + 1, small=rng.randint(1, 9), theme_cap=_cap(slots["theme"]))
        title = french(title_t.format(**slots))
        lines = [
            "---",
            f'title: "{title} ({number + 1:05d})"',
            f"kind: {kind}",
            f"date: {parse_date(slots['date']).isoformat()}",
            "---",
            "",
            f"# {title}",
            "",
        ]
        for section in rng.sample(SECTIONS, rng.randint(8, 20)):
            lines += [f"## {section}", ""]
            for _ in range(rng.randint(1, 4)):
                lines += [" ".join(rng.sample(self.pool, rng.randint(3, 6))), ""]
        return f"synth_{number:05d}.md", "\n".join(lines)


def corpus_key(seed: int, pool_size: int) -> str:
    """Names the generated files and their cached embeddings: generator version, seed and pool size."""
    return f"synth-v{GENERATOR_VERSION}-s{seed}-p{pool_size}"


def iter_corpus(folder: Path, generator: Generator, settings: Settings | None = None):
    """Write documents 0, 1, 2... into ``folder``, yielding ``(path, chunks)``; no chunk ever repeats.

    Documents are made in order; one that would repeat a chunk already produced
    (as the ingest splits it with ``settings``: ``chunk_size``, ``chunk_overlap``...; default
    the environment's) is drawn again with the next attempt number, so the result depends
    only on the arguments. Files already there with the right content are left untouched.
    """
    from ingest.loaders import load
    from ingest.split import split_document

    folder.mkdir(parents=True, exist_ok=True)
    seen: set[bytes] = set()
    number = 0
    while True:
        for attempt in range(50):
            name, text = generator.document(number, attempt)
            path = folder / name
            data = text.encode("utf-8")
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
            chunks = split_document(load(path), settings)
            digests = {hashlib.sha1(c.text.encode("utf-8")).digest() for c in chunks}
            if not digests & seen:
                seen |= digests
                break
        else:  # pragma: no cover - 50 draws in a row repeating a chunk would mean a far too small pool
            raise RuntimeError(f"document {number}: no draw without a repeated chunk (pool too small?)")
        yield path, len(digests)
        number += 1


def write_corpus(
    folder: Path,
    n_docs: int,
    seed: int = 0,
    pool_size: int = 2000,
    generator: Generator | None = None,
    settings: Settings | None = None,
) -> list[Path]:
    """Write documents 0..n_docs-1 into ``folder`` (see :func:`iter_corpus`)."""
    gen = generator or Generator(seed, pool_size)
    paths = []
    for path, _ in iter_corpus(folder, gen, settings):
        if len(paths) == n_docs:
            break
        paths.append(path)
    return paths


def write_chunks(
    folder: Path, target_chunks: int, generator: Generator, settings: Settings | None = None
) -> tuple[list[Path], int]:
    """The fewest first documents whose chunks add up to at least ``target_chunks``: (paths, chunks)."""
    paths, total = [], 0
    for path, n in iter_corpus(folder, generator, settings):
        if total >= target_chunks:
            break
        paths.append(path)
        total += n
    return paths, total


def chunk_stats(paths: list[Path], settings: Settings | None = None) -> dict:
    """Chunks of the files as the ingest splits them with ``settings``: count, duplicates, characters."""
    from ingest.loaders import load
    from ingest.split import split_document

    digests: set[str] = set()
    n = chars = 0
    for path in paths:
        for chunk in split_document(load(path), settings):
            n += 1
            chars += len(chunk.text)
            digests.add(hashlib.sha1(chunk.text.encode("utf-8")).hexdigest())
    return {
        "chunks": n,
        "unique_chunks": len(digests),
        "duplicate_chunks": n - len(digests),
        "mean_chunk_chars": round(chars / max(n, 1), 1),
    }
