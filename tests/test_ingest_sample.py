"""Issue 2: the sample corpus through the real CLI: PDF pages, HTML cleaning, metadata
(sidecar and front matter), a changed file replacing its chunks, ``--prune``.

The corpus is copied to a temporary folder (the test edits and deletes files).
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest
import yaml
from ingest_helpers import ROOT, by_source, index_records, ingest, open_store, release_store

from ingest.loaders import load

PDF = "guide_droit_commun.pdf"
HTML = "cycle_engagements_quartiers_2030.html"
# a phrase from each page of the PDF (scripts/make_sample_pdf.py: distinct facts on distinct pages)
PDF_PAGES = {
    1: "programme 147",
    2: "La loi du 21 février 2014",
    3: "L'instruction du 10 mars 2017",
    4: "La méthode en cinq étapes",
    5: "Le tableau des engagements",
}
# in the HTML page but outside its content: style, script, navigation menu, footer
HTML_FURNITURE = [
    "font-family",
    "dataLayer",
    "trackVisit",
    "Agenda des formations",
    "Nous contacter",
    "Mentions légales",
    "cookies",
]
NEW_FAQ = (
    "\n\n### Où trouver le tableau de bord du contrat ?\n\n"
    "Le tableau de bord trimestriel du contrat est publié sur l'intranet de l'intercommunalité "
    "par le chef de projet, après validation par le comité technique.\n"
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    work = tmp_path_factory.mktemp("sample_cli")
    corpus = work / "corpus"
    shutil.copytree(ROOT / "sample_corpus", corpus)
    run, report = ingest(corpus, index_dir=work / "index", report=work / "r1.json")
    store = open_store(work / "index")
    state = {
        "work": work,
        "corpus": corpus.resolve(),
        "run": run,
        "report": report,
        "records": index_records(store),
    }
    release_store(store)
    return state


@pytest.fixture(scope="module")
def changed(sample):
    """Second run: one file edited, one sidecar entry edited, one file deleted; with --prune."""
    corpus, work = sample["corpus"], sample["work"]
    faq = corpus / "faq_contrats_de_ville.md"
    faq.write_text(faq.read_text(encoding="utf-8") + NEW_FAQ, encoding="utf-8")
    sidecar = corpus / "metadata.yaml"
    meta = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    meta["loi_2014_reperes.txt"]["title"] = "Loi Lamy : repères (titre corrigé)"
    sidecar.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    (corpus / "participation_citoyenne.md").unlink()
    run, report = ingest(corpus, index_dir=work / "index", report=work / "r2.json", prune=True)
    store = open_store(work / "index")
    records = index_records(store)
    release_store(store)
    return {"run": run, "report": report, "records": records}


def test_sample_ingest_succeeds(sample):
    run, report = sample["run"], sample["report"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert report["failed"] == [] and report["warnings"] == [] and report["notes"] == []
    assert report["added"] == 8 and report["files_read"] == 8
    assert set(by_source(sample["records"])) == {
        p.name for p in sample["corpus"].iterdir() if p.name != "metadata.yaml"
    }


def test_pdf_chunks_have_the_right_pages(sample):
    chunks = by_source(sample["records"])[PDF]
    assert {c["page"] for c in chunks} == {1, 2, 3, 4, 5}
    for page, phrase in PDF_PAGES.items():
        holding = [c for c in chunks if phrase in c["text"]]
        assert holding, phrase
        for c in holding:  # every passage holding the phrase cites the page it is on
            assert c["page"] == page and c["page_end"] == page, (phrase, c["page"], c["page_end"])
    # repeated page header and footer are gone, hyphenation across lines is repaired
    text = " ".join(c["text"] for c in chunks)
    assert "Réseau Quartiers Ressources – Guide" not in text and "Page 3 / 5" not in text
    assert "contractualisation" in text and "contrac-" not in text
    # offsets index the loader's text, page by page
    doc = load(sample["corpus"] / PDF)
    for c in chunks:
        assert doc.text[c["start"] : c["end"]] == c["text"]
        assert doc.page_at(c["start"]) == c["page"]


def test_html_keeps_content_and_drops_scripts_navigation_and_styles(sample):
    chunks = by_source(sample["records"])[HTML]
    text = "\n".join(c["text"] for c in chunks)
    assert "Les nouveaux contrats de ville sont désormais signés" in text
    assert "aux délégués du préfet et aux agents des services de l’État" in text
    for furniture in HTML_FURNITURE:
        assert furniture not in text, furniture
    assert "<" not in text and "{" not in text


def test_sidecar_and_front_matter_metadata_are_used(sample):
    docs = dict(by_source(sample["records"]))
    sidecar = yaml.safe_load((sample["corpus"] / "metadata.yaml").read_text(encoding="utf-8"))
    for name, meta in sidecar.items():
        for chunk in docs[name]:
            assert chunk["title"] == meta["title"], name
            assert chunk["kind"] == meta["kind"], name
            expected = meta["date"] if isinstance(meta["date"], date) else date.fromisoformat(meta["date"])
            assert chunk["date"] == expected.isoformat() and chunk["year"] == expected.year, name
    # front matter (no sidecar entry): its values are used and its text is not indexed
    circ = docs["circulaire_31_aout_2023_synthese.md"]
    assert {c["title"] for c in circ} == {
        "Synthèse de la circulaire du 31 août 2023 : élaborer les contrats de ville 2024-2030"
    }
    assert {(c["kind"], c["date"]) for c in circ} == {("circulaire", "2023-08-31")}
    assert not any("kind: circulaire" in c["text"] for c in circ)
    # neither: inferred from the text
    part = docs["participation_citoyenne.md"][0]
    assert part["title"].startswith("La participation des habitants dans les contrats de ville")
    assert part["date"] == "2024-03-01"


def test_changed_file_replaces_its_chunks(sample, changed):
    report = changed["report"]
    assert changed["run"].returncode == 0, changed["run"].stderr[-3000:]
    assert sorted(f["path"].rsplit("/", 1)[-1] for f in report["files"] if f["status"] == "updated") == [
        "faq_contrats_de_ville.md",
        "loi_2014_reperes.txt",
    ]
    assert report["skipped"] == 5 and report["added"] == 0
    before = by_source(sample["records"])["faq_contrats_de_ville.md"]
    after = by_source(changed["records"])["faq_contrats_de_ville.md"]
    assert (
        len({c["content_hash"] for c in after}) == 1 and after[0]["content_hash"] != before[0]["content_hash"]
    )
    assert len(after) == after[0]["n_chunks"]
    assert not {c["id"] for c in before} & {c["id"] for c in after}  # no old chunk left behind
    assert any("tableau de bord trimestriel" in c["text"] for c in after)
    # no duplicates anywhere: one set of chunks per document, as many as it says
    for source, chunks in by_source(changed["records"]).items():
        assert len(chunks) == chunks[0]["n_chunks"], source
        assert len({c["text"] for c in chunks}) == len(chunks), source


def test_sidecar_edit_updates_metadata(changed):
    loi = by_source(changed["records"])["loi_2014_reperes.txt"]
    assert {c["title"] for c in loi} == {"Loi Lamy : repères (titre corrigé)"}


def test_prune_removes_the_deleted_file(sample, changed):
    assert [p.rsplit("/", 1)[-1] for p in changed["report"]["pruned"]] == ["participation_citoyenne.md"]
    assert "participation_citoyenne.md" not in by_source(changed["records"])
    untouched = ("guide_droit_commun.pdf", HTML, "gouvernance_circulaire_4_janvier_2024.txt")
    before, after = by_source(sample["records"]), by_source(changed["records"])
    for name in untouched:
        assert [c["id"] for c in after[name]] == [c["id"] for c in before[name]]
    expected = (
        sum(len(c) for c in before.values())
        - len(before["participation_citoyenne.md"])
        - len(before["faq_contrats_de_ville.md"])
        + len(after["faq_contrats_de_ville.md"])
        - len(before["loi_2014_reperes.txt"])
        + len(after["loi_2014_reperes.txt"])
    )
    assert len(changed["records"]) == expected
