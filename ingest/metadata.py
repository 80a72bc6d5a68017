"""Document metadata: title, kind, main date; from a sidecar, front matter or inference."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from core.documents import DEFAULT_KIND, KINDS
from core.text.dates import parse_date
from core.text.furniture import is_furniture, is_title_line
from core.text.tokens import fold
from ingest.document import Document
from ingest.identity import identify

SIDECAR_NAMES = ("metadata.yaml", "metadata.yml")

# Signals for the kind, searched in the title and the opening of the text.
_KIND_SIGNALS = {
    "circulaire": [
        r"\bcirculaire\b",
        r"\binstruction\b",
        r"\bdécret\b",
        r"\bpremier ministre\b",
        r"\bnor\s*:",
    ],
    "cycle": [
        r"\bcycle\b",
        r"\bséance\b",
        r"\bjournée n°",
        r"\bwebinaire",
        r"\bformation\b",
        r"\binscription",
    ],
    "guide": [
        r"\bguide\b",
        r"\bdossier\b",
        r"\bméthodolog",
        r"\bfiche\b",
        r"\bboîte à outils\b",
        r"\bressources?\b",
    ],
}


def infer_date(text: str) -> date | None:
    """The document's own date: one given in its opening lines (a byline, "mars 2024") wins over
    the first full date further down, which is more often a date the text talks about (a law)."""
    return parse_date(text[:400]) or parse_date(text[:3000])


_GENERIC_LABELS = {"chapo", "contexte", "sommaire", "menu", "accueil", "introduction", "résumé", "contenu"}


def infer_title(doc: Document) -> str:
    """First meaningful line (a source, licence, NOR or page line is no title: a text's own title
    line is); a long opening paragraph gives its first words."""
    for line in doc.text.split("\n")[:20]:
        line = line.strip().lstrip("#").strip().strip('" ')
        if (
            len(line) < 3
            or line.lower() in _GENERIC_LABELS
            or (is_furniture(line) and not is_title_line(line))
        ):
            continue
        if len(line) > 120:
            line = re.split(r"(?<=[.!?])\s", line)[0]
            line = line if len(line) <= 120 else line[:117].rsplit(" ", 1)[0] + "…"
        return line
    return doc.path.stem.replace("_", " ")


def _folded(text: str) -> str:
    return fold(text).lower()


def infer_kind(title: str, text: str) -> str:
    head = _folded(title + "\n" + text[:3000])
    scores = {
        kind: sum(len(re.findall(_folded(p), head)) for p in patterns)
        + 3 * sum(bool(re.search(_folded(p), _folded(title))) for p in patterns)
        for kind, patterns in _KIND_SIGNALS.items()
    }
    kind, score = max(scores.items(), key=lambda kv: kv[1])
    return kind if score >= 2 else DEFAULT_KIND


class SidecarError(ValueError):
    """A ``metadata.yaml`` that cannot be used; the message says why (French)."""


def sidecar_path(folder: Path) -> Path | None:
    for name in SIDECAR_NAMES:
        path = folder / name
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=256)
def _parse_sidecar(path: str, mtime_ns: int, size: int) -> dict:
    """Entries of one sidecar file; cached per version of the file (a long-running server sees edits)."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" ligne {mark.line + 1}" if mark is not None else ""
        raise SidecarError(f"YAML invalide{where}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SidecarError(f"illisible ({exc})") from exc
    if not isinstance(data, dict):
        raise SidecarError("le fichier doit associer chaque nom de fichier à ses métadonnées")
    return data


def read_sidecar(folder: Path) -> dict:
    """The sidecar of ``folder`` (empty if none); raises :class:`SidecarError` if it is broken."""
    path = sidecar_path(folder)
    if path is None:
        return {}
    try:
        stat = path.stat()
    except OSError:
        return {}
    return _parse_sidecar(str(path), stat.st_mtime_ns, stat.st_size)


def _sidecar(folder: Path) -> dict:
    try:
        return read_sidecar(folder)
    except SidecarError:
        return {}  # reported once per run by the pipeline; the documents keep inferred metadata


def sidecar_for(path: Path) -> dict:
    entry = _sidecar(path.parent).get(path.name)
    return entry if isinstance(entry, dict) else {}


def describe(doc: Document) -> dict:
    """Final metadata of a document: explicit values win over inferred ones."""
    explicit = {**doc.metadata, **sidecar_for(doc.path)}
    title = str(explicit.get("title") or infer_title(doc)).strip()
    kind = str(explicit.get("kind") or infer_kind(title, doc.text)).strip().lower()
    if kind not in KINDS:
        kind = DEFAULT_KIND
    raw_date = explicit.get("date")
    when = raw_date if isinstance(raw_date, date) else parse_date(str(raw_date)) if raw_date else None
    if when is None and isinstance(raw_date, str):
        try:
            when = date.fromisoformat(raw_date)
        except ValueError:
            when = None
    identity = identify(title, doc.text, kind, doc.path.suffix.lower(), explicit)
    if when is None and identity["day"]:
        when = parse_date(identity["day"])  # the date of the text's own name
    if when is None:
        when = infer_date(doc.text)
    if when is None and isinstance(explicit.get("file_date"), date):
        when = explicit["file_date"]  # the file's own metadata (PDF, DOCX), last
    identity.pop("day")
    return {
        "title": title,
        "kind": kind,
        **identity,
        "date": when.isoformat() if when else "",
        "year": when.year if when else 0,
        "source": doc.path.name,
        "path": str(doc.path),
    }
