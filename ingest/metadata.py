"""Document metadata: title, kind, main date; from a sidecar, front matter or inference."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path

from ingest.document import Document

KINDS = ("circulaire", "cycle", "guide", "autre")
KIND_LABELS = {
    "circulaire": "Circulaires et textes officiels",
    "cycle": "Cycles de formation",
    "guide": "Guides méthodologiques",
    "autre": "Autres documents",
}
SIDECAR_NAMES = ("metadata.yaml", "metadata.yml")
MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
FULL_DATE = re.compile(rf"\b(\d{{1,2}})(?:er)?\s+({_MONTH_RE})\s+(\d{{4}})\b", re.I)
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\s+(\d{{4}})\b", re.I)

# Signals for the kind, searched in the title and the opening of the text.
_KIND_SIGNALS = {
    "circulaire": [r"\bcirculaire\b", r"\binstruction\b", r"\bdécret\b", r"\bpremier ministre\b", r"\bnor\s*:"],
    "cycle": [r"\bcycle\b", r"\bséance\b", r"\bjournée n°", r"\bwebinaire", r"\bformation\b", r"\binscription"],
    "guide": [r"\bguide\b", r"\bdossier\b", r"\bméthodolog", r"\bfiche\b", r"\bboîte à outils\b", r"\bressources?\b"],
}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def parse_date(text: str) -> date | None:
    """First full date in ``text`` ('31 mars 2024', '31/03/2024'), else a month and year."""
    candidates = []
    for m in FULL_DATE.finditer(text):
        candidates.append((m.start(), _safe_date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))))
    for m in NUMERIC_DATE.finditer(text):
        candidates.append((m.start(), _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))))
    candidates = [c for c in candidates if c[1]]
    if candidates:
        return min(candidates)[1]
    m = MONTH_YEAR.search(text)
    return _safe_date(int(m.group(2)), MONTHS[m.group(1).lower()], 1) if m else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day) if 1990 <= year <= 2100 else None
    except ValueError:
        return None


def infer_date(text: str) -> date | None:
    """The document's own date: one given in its opening lines (a byline, "mars 2024") wins over
    the first full date further down, which is more often a date the text talks about (a law)."""
    return parse_date(text[:400]) or parse_date(text[:3000])


_GENERIC_LABELS = {"chapo", "contexte", "sommaire", "menu", "accueil", "introduction", "résumé", "contenu"}


def infer_title(doc: Document) -> str:
    """First meaningful line; a long opening paragraph gives its first words."""
    for line in doc.text.split("\n")[:20]:
        line = line.strip().lstrip("#").strip().strip('" ')
        if len(line) < 3 or line.lower() in _GENERIC_LABELS:
            continue
        if len(line) > 120:
            line = re.split(r"(?<=[.!?])\s", line)[0]
            line = line if len(line) <= 120 else line[:117].rsplit(" ", 1)[0] + "…"
        return line
    return doc.path.stem.replace("_", " ")


def infer_kind(title: str, text: str) -> str:
    head = _fold(title + "\n" + text[:3000])
    scores = {
        kind: sum(len(re.findall(_fold(p), head)) for p in patterns) + 3 * sum(
            bool(re.search(_fold(p), _fold(title))) for p in patterns)
        for kind, patterns in _KIND_SIGNALS.items()
    }
    kind, score = max(scores.items(), key=lambda kv: kv[1])
    return kind if score >= 2 else "autre"


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
        kind = "autre"
    raw_date = explicit.get("date")
    when = raw_date if isinstance(raw_date, date) else parse_date(str(raw_date)) if raw_date else None
    if when is None and isinstance(raw_date, str):
        try:
            when = date.fromisoformat(raw_date)
        except ValueError:
            when = None
    if when is None:
        when = infer_date(doc.text)
    return {
        "title": title,
        "kind": kind,
        "date": when.isoformat() if when else "",
        "year": when.year if when else 0,
        "source": doc.path.name,
        "path": str(doc.path),
    }
