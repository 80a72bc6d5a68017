"""Thumbs up/down with an optional comment, kept in a local SQLite file; CSV/JSONL export.

One row per vote: the question, the answer, its citations (JSON), the settings
that produced it (JSON: backend, filters, models, retrieval sizes), the vote,
the comment and the time (UTC, ISO 8601). A connection per call, WAL journal:
safe for the server's worker threads and for an export run at the same time.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

FIELDS = ("id", "created_at", "session", "vote", "comment", "question", "answer", "citations", "settings")
VOTES = {"up": 1, "down": -1}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    session TEXT NOT NULL DEFAULT '',
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    settings TEXT NOT NULL
)
"""
MAX_COMMENT = 4000


def default_path(settings) -> Path:
    return Path(settings.feedback_db) if settings.feedback_db else Path(settings.data_dir) / "feedback.sqlite"


class FeedbackStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def add(
        self,
        *,
        vote: str,
        question: str,
        answer: str,
        citations: list,
        settings: dict,
        comment: str = "",
        session: str = "",
    ) -> int:
        if vote not in VOTES:
            raise ValueError(f"vote inconnu : {vote!r} (attendu : up ou down)")
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            session or "",
            vote,
            (comment or "").strip()[:MAX_COMMENT],
            question,
            answer,
            json.dumps(citations, ensure_ascii=False),
            json.dumps(settings, ensure_ascii=False),
        )
        with closing(self._connect()) as db, db:
            cur = db.execute(
                "INSERT INTO feedback (created_at, session, vote, comment, question, answer, citations, "
                "settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid)

    def rows(self) -> list[dict]:
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            return [dict(r) for r in db.execute(f"SELECT {', '.join(FIELDS)} FROM feedback ORDER BY id")]

    def count(self) -> int:
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]


def to_jsonl(rows: list[dict]) -> str:
    """One JSON object per line; citations and settings as JSON values, not strings."""
    lines = []
    for row in rows:
        item = dict(row)
        for key in ("citations", "settings"):
            try:
                item[key] = json.loads(item[key])
            except (TypeError, ValueError):
                pass
        lines.append(json.dumps(item, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def to_csv(rows: list[dict]) -> str:
    """CSV (UTF-8 with BOM so that spreadsheet software reads the accents), one row per vote."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _neutral_cell(row.get(k)) for k in FIELDS})
    return "\ufeff" + buffer.getvalue()


def _neutral_cell(value):
    """Spreadsheets run cells starting with = + - @ as formulas: prefix them with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(store: FeedbackStore, fmt: str) -> str:
    rows = store.rows()
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "jsonl":
        return to_jsonl(rows)
    raise ValueError(f"format inconnu : {fmt} (csv ou jsonl)")
