"""Issue 2: `assistant ingest ../shared/seeds` through the real CLI, real Chroma, real e5 model.

One ingest of the seeds (about 40 s on a 2-core machine, nearly all of it embedding),
then a second identical run that must add nothing and cost a small fraction of the first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ingest_helpers import by_source, index_records, ingest, open_store

from core.documents import KINDS
from ingest.loaders import load

SEED_FILES = 5  # the README of the folder is a description, not a document


@pytest.fixture(scope="module")
def seeds_runs(seeds_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("seeds_cli")
    index_dir = work / "index"
    first, report1 = ingest(seeds_dir, index_dir=index_dir, report=work / "r1.json")
    second, report2 = ingest(seeds_dir, index_dir=index_dir, report=work / "r2.json")
    return {"index_dir": index_dir, "first": first, "report1": report1, "second": second, "report2": report2}


@pytest.fixture(scope="module")
def records(seeds_runs):
    return index_records(open_store(seeds_runs["index_dir"]))


def test_first_run_indexes_every_seed(seeds_runs):
    run, report = seeds_runs["first"], seeds_runs["report1"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert report["files_read"] == SEED_FILES and report["added"] == SEED_FILES
    assert report["failed"] == [] and report["warnings"] == []
    assert report["chunks_written"] > 5 * SEED_FILES
    assert [Path(p).name for p in report["ignored"]] == ["README.md"]
    assert f"Fichiers lus : {SEED_FILES}" in run.stdout and "Passages écrits" in run.stdout


def test_second_identical_run_adds_nothing_and_is_cheap(seeds_runs):
    run, first, second = seeds_runs["second"], seeds_runs["report1"], seeds_runs["report2"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert second["chunks_written"] == 0
    assert second["skipped"] == SEED_FILES and second["added"] == 0 and second["updated"] == 0
    assert second["timings"]["embed"] == 0
    # the run itself (the report's clock, not the interpreter start-up): a small fraction of the first
    assert second["seconds"] <= 0.1 * first["seconds"], (second["seconds"], first["seconds"])
    print(
        f"\nseeds: first run {first['seconds']:.1f} s ({first['chunks_written']} passages), "
        f"second run {second['seconds']:.2f} s"
    )


def test_second_run_keeps_exactly_the_same_chunks(seeds_runs, records):
    per_doc = by_source(records)
    assert len(per_doc) == SEED_FILES
    assert len(records) == seeds_runs["report1"]["chunks_written"]
    for source, chunks in per_doc.items():
        assert len(chunks) == chunks[0]["n_chunks"], source
        assert [c["chunk_index"] for c in chunks] == list(range(len(chunks)))
        assert len({c["content_hash"] for c in chunks}) == 1


def test_chunks_carry_source_kind_title_heading_and_offsets(seeds_dir, records):
    texts = {}
    for record in records:
        path = Path(record["path"])
        assert path.parent == seeds_dir.resolve() and record["source"] == path.name
        assert record["kind"] in KINDS
        assert record["title"].strip()
        assert isinstance(record["heading"], str)
        assert re.fullmatch(r"[0-9a-f]{16}-[0-9a-f]{12}-\d{4}", record["id"])
        assert record["page"] == 0  # text files have no pages
        # offsets index the text the loader produced (cleaned: links turned into labels, etc.)
        if path not in texts:
            texts[path] = load(path).text
        start, end = record["start"], record["end"]
        assert 0 <= start < end <= len(texts[path])
        assert texts[path][start:end] == record["text"], (record["source"], start, end)
    with_heading = sum(1 for r in records if r["heading"])
    assert with_heading >= 0.8 * len(records)  # the seeds are structured by headings


def test_seed_metadata_is_sensible(records):
    docs = {source: chunks[0] for source, chunks in by_source(records).items()}
    # the README of the folder describes 002 as cycle material and 004 as a resource guide
    assert docs["002_ade2664f57edfe95.txt"]["kind"] == "cycle"
    assert docs["004_8649248bb84313d8.txt"]["kind"] == "guide"
    assert docs["004_8649248bb84313d8.txt"]["title"] == "Préparation des contrats de ville"
    # headings are paths of the document's own titles
    headings = {r["heading"] for r in records if r["source"] == "001_85bdaab2edbe695c.txt"}
    assert "Objectifs" in headings or any(h.endswith("Objectifs") for h in headings)
