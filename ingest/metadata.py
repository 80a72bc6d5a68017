"""Document metadata: title, kind, main date; from a sidecar, front matter or inference."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
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


@cache
def _sidecar(folder: Path) -> dict:
    for name in SIDECAR_NAMES:
        path = folder / name
        if path.is_file():
            import yaml

            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, OSError, UnicodeDecodeError):
                return {}
            return data if isinstance(data, dict) else {}
    return {}


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
        when = parse_date(doc.text[:3000])
    return {
        "title": title,
        "kind": kind,
        "date": when.isoformat() if when else "",
        "year": when.year if when else 0,
        "source": doc.path.name,
        "path": str(doc.path),
    }
