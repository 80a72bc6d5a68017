"""Check a gold evaluation set (JSONL) against the folder of its source documents.

Usage::

    python -m evals.quality.validate_gold evals/sample_gold.jsonl sample_corpus

or, from code, ``validate(gold_path, corpus_dir) -> list[str]`` (one message per error,
empty when the set is valid).

Source files are read the way a reader of the document would see its text:
  * ``.pdf``: the text pypdf extracts, page by page (raw, not cleaned: a word cut by a
    hyphen at a line end stays cut, page headers and footers stay);
  * ``.html`` / ``.htm``: the visible text, BeautifulSoup with ``script``, ``style``,
    ``nav``, ``header``, ``footer``, ``aside``... removed (what ingestion drops cannot be
    evidence);
  * ``.md`` / ``.txt`` (and other text files): the text as is, its YAML front matter removed
    the way ingestion removes it (:func:`ingest.loaders.split_front_matter`).

For every question:
  * fields and types (see /work/shared/evals/README.md), id ``<prefix>-NNN`` unique;
  * answerable questions: every source_file exists in the corpus folder; every
    ``must_contain`` string is lowercase and occurs (case-insensitive) in the referenced
    file(s) and in the gold answer; every ``source_quote`` occurs verbatim (case kept) in
    one of the referenced files; ``multi_hop`` lists two files or more, each supported by
    at least one quote;
  * unanswerable questions: answer "", must_contain [], no source file, no quote.

Texts are compared after Unicode NFC normalisation and collapsing every run of
whitespace (line breaks and non-breaking spaces included) to one space. ``must_contain``
strings are also compared with typographic apostrophes folded to ' and "œ" to "oe", as
the scorer does (:func:`evals.quality.metrics.fold_typography`). The command prints warnings,
failures and ``N passed, N failed`` last; it exits with status 1 when a question fails.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

from evals.quality.metrics import fold_typography
from ingest.loaders import drop_page_furniture, split_front_matter

TYPES = {"date", "definition", "who", "where", "list", "procedure", "multi_hop", "unanswerable"}
FIELDS = ("id", "question", "answer", "must_contain", "source_file", "source_quote", "type", "answerable")
ID_RE = re.compile(r"[a-z][a-z0-9_]*-\d{3}")
_HTML_BLOCKS = [
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "br",
    "dt",
    "dd",
    "pre",
]


def norm(text: str) -> str:
    """NFC, every run of whitespace (NBSP included) turned into one space, stripped."""
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip()


def fold(text: str) -> str:
    """Comparison form for must_contain: norm, lowercase, ’ ‘ -> ', œ -> oe."""
    return fold_typography(norm(text).lower())


def as_list(value) -> list:
    if isinstance(value, str):
        return [value] if value else []
    return list(value or [])


def read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def read_html(path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")
    drop_page_furniture(soup)
    for tag in soup.find_all(_HTML_BLOCKS):  # keep block boundaries as whitespace
        tag.insert_before("\n")
        tag.insert_after("\n")
    return soup.get_text("")


def read_text(path: Path) -> str:
    return split_front_matter(path.read_text(encoding="utf-8").removeprefix("\ufeff"))[1]


def read_source(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return read_pdf(path)
    if suffix in {".html", ".htm"}:
        return read_html(path)
    return read_text(path)


def check(item: dict, corpus: Path, cache: dict, seen_ids: set) -> tuple[list[str], list[str]]:
    """Errors and warnings for one question."""
    errors: list[str] = []
    warnings: list[str] = []
    if not isinstance(item, dict):
        return ["not a JSON object"], warnings
    missing = [f for f in FIELDS if f not in item]
    if missing:
        return ["missing fields: " + ", ".join(missing)], warnings
    extra = sorted(set(item) - set(FIELDS))
    if extra:
        warnings.append("unknown fields: " + ", ".join(extra))
    qid = item["id"]
    if not isinstance(qid, str) or not ID_RE.fullmatch(qid):
        errors.append(f"bad id format {qid!r}")
    if qid in seen_ids:
        errors.append("duplicate id")
    seen_ids.add(qid)
    if item["type"] not in TYPES:
        errors.append(f"unknown type {item['type']!r}")
    if not isinstance(item["answerable"], bool):
        errors.append("answerable must be true/false")
    if not isinstance(item["question"], str) or not item["question"].strip():
        errors.append("empty question")
    if not isinstance(item["answer"], str):
        errors.append("answer must be a string")
        return errors, warnings
    if not isinstance(item["must_contain"], list):
        errors.append("must_contain must be a list")
        return errors, warnings
    if not isinstance(item["source_file"], (str, list)) or not isinstance(item["source_quote"], (str, list)):
        errors.append("source_file and source_quote must be a string or a list")
        return errors, warnings

    if item["type"] == "unanswerable" or item["answerable"] is False:
        if item["type"] != "unanswerable" or item["answerable"] is not False:
            errors.append("type 'unanswerable' and answerable=false go together")
        if item["answer"] != "" or item["must_contain"]:
            errors.append("unanswerable: answer must be '' and must_contain []")
        if as_list(item["source_file"]) or as_list(item["source_quote"]):
            errors.append("unanswerable: source_file/source_quote must be empty")
        return errors, warnings

    # answerable question
    if not item["answer"].strip():
        errors.append("empty answer")
    if not 1 <= len(item["must_contain"]) <= 3:
        errors.append("must_contain needs 1-3 strings")
    files = as_list(item["source_file"])
    if not files:
        errors.append("no source_file")
    if item["type"] == "multi_hop" and not (isinstance(item["source_file"], list) and len(set(files)) >= 2):
        errors.append("multi_hop: source_file must list at least two files")
    if item["type"] != "multi_hop" and isinstance(item["source_file"], list) and len(files) > 1:
        warnings.append("several source files on a question that is not multi_hop")
    texts: dict[str, str] = {}
    for name in files:
        if not isinstance(name, str) or Path(name).name != name:
            errors.append(f"source_file must be a bare file name: {name!r}")
            continue
        if name not in cache:
            path = corpus / name
            if not path.is_file():
                cache[name] = None
            else:
                try:
                    cache[name] = norm(read_source(path))
                except Exception as exc:  # report an unreadable source, keep going
                    cache[name] = None
                    errors.append(f"cannot read {name}: {type(exc).__name__}: {exc}")
        if cache[name] is None:
            errors.append(f"source_file not in corpus: {name}")
        else:
            texts[name] = cache[name]
    if not texts:
        return errors, warnings

    folded_sources = " \n ".join(fold(t) for t in texts.values())
    folded_answer = fold(item["answer"])
    quotes = as_list(item["source_quote"])
    if not quotes:
        errors.append("no source_quote")
    folded_quotes = " \n ".join(fold(q) for q in quotes if isinstance(q, str))
    for s in item["must_contain"]:
        if not isinstance(s, str) or not s.strip():
            errors.append("empty must_contain entry")
            continue
        if s != s.lower():
            errors.append(f"must_contain not lowercase: {s!r}")
        fs = fold(s)
        if fs not in folded_sources:
            errors.append(f"must_contain {s!r} not found in {files}")
        if fs not in folded_answer:
            errors.append(f"must_contain {s!r} not in the gold answer")
        if fs not in folded_quotes:
            warnings.append(f"must_contain {s!r} not inside source_quote")
    supported = set()
    for q in quotes:
        if not isinstance(q, str) or not q.strip():
            errors.append("empty source_quote entry")
            continue
        nq = norm(q)
        hits = [name for name, text in texts.items() if nq in text]
        if not hits:
            errors.append(f"source_quote not found verbatim: {q[:80]!r}")
        supported.update(hits)
        if len(nq) > 400:
            warnings.append(f"long source_quote ({len(nq)} chars)")
    if item["type"] == "multi_hop" and len(texts) == len(set(files)):
        unsupported = [name for name in texts if name not in supported]
        if unsupported and not errors:
            errors.append(f"multi_hop: no source_quote found in {unsupported}")
    question = norm(item["question"]).rstrip(" ?").lower()
    if len(question) > 30 and any(question in t.lower() for t in texts.values()):
        warnings.append("question copied verbatim from the source")
    return errors, warnings


def run(gold_path, corpus_dir, out=None) -> tuple[int, int, list[str]]:
    """Check every line; returns (passed, failed, errors) and prints to ``out`` if given."""
    gold_path, corpus = Path(gold_path), Path(corpus_dir)
    say = (lambda msg: print(msg, file=out)) if out is not None else (lambda msg: None)
    if not corpus.is_dir():
        msg = f"corpus folder not found: {corpus}"
        say(msg)
        return 0, 1, [msg]
    passed = failed = 0
    all_errors: list[str] = []
    cache: dict = {}
    seen_ids: set = set()
    with gold_path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                msg = f"line {lineno}: invalid JSON ({exc})"
                say("FAIL " + msg)
                all_errors.append(msg)
                failed += 1
                continue
            errors, warnings = check(item, corpus, cache, seen_ids)
            label = item.get("id", f"line {lineno}") if isinstance(item, dict) else f"line {lineno}"
            for w in warnings:
                say(f"WARN {label}: {w}")
            if errors:
                failed += 1
                for e in errors:
                    say(f"FAIL {label}: {e}")
                    all_errors.append(f"{label}: {e}")
            else:
                passed += 1
    say(f"{passed} passed, {failed} failed")
    return passed, failed, all_errors


def validate(gold_path, corpus_dir) -> list[str]:
    """Errors of a gold set against its corpus folder (empty list: valid)."""
    return run(gold_path, corpus_dir)[2]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m evals.quality.validate_gold GOLD.jsonl CORPUS_DIR", file=sys.stderr)
        return 2
    _, failed, _ = run(argv[0], argv[1], out=sys.stdout)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
