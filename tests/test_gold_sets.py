"""The gold evaluation sets agree with their corpora (see evals/quality/validate_gold.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from conftest import SAMPLE, SAMPLE_GOLD, SEEDS, SEEDS_DEV

from evals.quality.validate_gold import validate


def _items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_sample_gold_matches_sample_corpus():
    assert validate(SAMPLE_GOLD, SAMPLE) == []


def test_sample_gold_shape():
    items = _items(SAMPLE_GOLD)
    types = Counter(item["type"] for item in items)
    assert len(items) >= 32
    assert types["unanswerable"] >= 6
    assert types["multi_hop"] >= 4
    assert [item["id"] for item in items] == [f"sample-{i:03d}" for i in range(1, len(items) + 1)]
    # every document of the sample corpus is the source of at least one question
    cited = set()
    for item in items:
        files = item["source_file"]
        cited.update([files] if isinstance(files, str) and files else files or [])
    documents = {p.name for p in SAMPLE.iterdir() if p.suffix != ".yaml"}
    assert documents <= cited, documents - cited


def test_sample_pdf_pages_and_accents():
    from pypdf import PdfReader

    reader = PdfReader(str(SAMPLE / "guide_droit_commun.pdf"))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 5
    for number, text in enumerate(pages, start=1):
        assert "Réseau Quartiers Ressources – Guide « Mobiliser le droit commun »" in text
        assert f"Page {number} / 5" in text
    assert "contrac-\ntualisation" in pages[0]
    assert "10 mars 2017" in pages[2] and "10 mars 2017" not in pages[1]
    assert "mettre en œuvre" in pages[3]


def test_validator_reports_errors(tmp_path):
    bad = {
        "id": "sample-001",
        "question": "Quand ?",
        "answer": "Le 1er avril 2024.",
        "must_contain": ["1er avril 2024"],
        "source_file": "guide_droit_commun.pdf",
        "source_quote": "une phrase qui n'existe pas",
        "type": "date",
        "answerable": True,
    }
    gold = tmp_path / "bad.jsonl"
    gold.write_text(json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    errors = validate(gold, SAMPLE)
    assert any("must_contain" in e for e in errors)
    assert any("source_quote not found" in e for e in errors)


def test_seeds_dev_gold_matches_seeds():  # ../shared is checked at start-up (tests/conftest.py)
    assert validate(SEEDS_DEV, SEEDS) == []
