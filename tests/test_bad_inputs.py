"""Issue 7 §1: a folder of bad files, generated here (no committed binaries), through the real CLI.

Ingesting it never crashes; each bad file gets exactly one clear message (file and
reason) in the summary and in the ``--report`` JSON; the good files of the same
folder are indexed (with their accents right); memory stays bounded on a 50 MB
file; a folder of bad files only exits non-zero; nothing already indexed is lost.

The text cap (20 MB by default, ``ASSISTANT_MAX_TEXT_MB``) is lowered to 20 KB for
the CLI run, otherwise the 50 MB file would give 20 MB of text to embed (hours on
this CPU). The default cap is exercised separately, without embedding.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from ingest_helpers import (
    by_source,
    index_records,
    ingest,
    load_and_split_alone,
    open_store,
    release_store,
    run_assistant,
)

from ingest.loaders import load
from ingest.split import split_document

IS_ROOT = os.geteuid() == 0
TEST_CAP_MB = "0.02"
BIG_MB = 50
PARA = (
    "Le contrat de ville « Engagements Quartiers 2030 » mobilise d'abord le droit commun de l'État et des "
    "collectivités ; les crédits spécifiques du programme 147 viennent en complément, jamais en substitution. "
)
GOOD_MD = """# Compte rendu du comité technique

## Ordre du jour

Le comité technique du contrat de ville s'est réuni le 12 mars 2024 pour préparer la signature.
Les partenaires ont validé le calendrier : signature au plus tard le 31 mars 2024, puis revue annuelle.

## Décisions

- Le tableau des engagements de droit commun sera présenté au comité de pilotage de juin.
- Les conseils citoyens seront associés à l'évaluation à mi-parcours prévue en 2027.
"""
LATIN1 = (
    "Note de l'équipe projet : le comité s'est réuni à Évry pour préparer la programmation. "
    "Les associations déjà financées ont reçu une réponse « favorable » à la fin de l'été.\n"
) * 3
CP1252 = (
    "Synthèse : l’appel à projets 2025 est ouvert ; les dossiers “complets” sont à déposer avant le "
    "15 janvier — œuvre collective de l’équipe projet et des délégués du préfet.\n"
) * 3
UTF16 = "Fiche écrite sous Windows : le délégué du préfet anime le comité des financeurs à Créteil.\n" * 3
HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Agenda des quartiers</title>
<style>{style}</style><script>{script}</script><script src="tracker.js"></script></head>
<body><nav><a href="/">Accueil</a> | <a href="/plan">Plan du site</a></nav>
<noscript>Activez JavaScript pour voir le menu interactif</noscript>
<main><h1>Agenda des quartiers</h1>
<p>La réunion publique sur le projet de quartier se tiendra à la maison de quartier le 4 juin 2024.</p>
<script>{script}</script><style>{style}</style></main></body></html>"""
EMOJI_NAME = "compte rendu réunion été 2024 🏙️.md"
BAD_NAME = b"note_\xe9t\xe9.txt"  # latin-1 bytes in a file name: not UTF-8

# file name -> a word its failure reason must contain
EXPECTED_FAILED = {
    "rapport tronqué.pdf": "tronqué",
    "protégé.pdf": "chiffré",
    "scan sans texte.pdf": "aucun texte",
    "vide.txt": "vide",
    "aleatoire.pdf": "pas un PDF",
    "aleatoire.txt": "binaire",
    "rapport.docx": "corrompu",
    "boucle.txt": "boucle",
    "note_\ufffdt\ufffd.txt": "nom de fichier",
}
if not IS_ROOT:  # root reads a chmod 000 file: it is then simply a good file
    EXPECTED_FAILED["interdit.txt"] = "permission"
EXPECTED_ADDED = {
    "bon_document.md",
    "note_latin1.txt",
    "note_cp1252.txt",
    "note_utf16.txt",
    "page_scripts.html",
    EMOJI_NAME,
    "ligne_longue.txt",
    "gros_50mo.txt",
} | ({"interdit.txt"} if IS_ROOT else set())
EXPECTED_WARNED = {"gros_50mo.txt": "tronqué"}


def _pdf(path: Path, pages: int = 3, text: bool = True) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for n in range(1, pages + 1):
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 6, f"Page {n}. " + PARA * 6)
        else:  # a scan: shapes, no text layer
            pdf.set_fill_color(120, 120, 120)
            pdf.rect(20, 30, 170, 220, style="F")
    pdf.output(str(path))


def build_bad_corpus(folder: Path) -> None:
    rng = random.Random(7)
    folder.mkdir(parents=True)
    (folder / "bon_document.md").write_text(GOOD_MD, encoding="utf-8")
    (folder / EMOJI_NAME).write_text(
        GOOD_MD.replace("comité technique", "comité de quartier"), encoding="utf-8"
    )
    _pdf(folder / "complet.pdf")
    whole = (folder / "complet.pdf").read_bytes()
    (folder / "complet.pdf").unlink()
    (folder / "rapport tronqué.pdf").write_bytes(whole[: int(len(whole) * 0.6)])
    from pypdf import PdfReader, PdfWriter

    _pdf(folder / "clair.pdf")
    writer = PdfWriter(clone_from=PdfReader(str(folder / "clair.pdf")))
    writer.encrypt(user_password="secret", owner_password="proprietaire", algorithm="RC4-128")
    with open(folder / "protégé.pdf", "wb") as handle:
        writer.write(handle)
    (folder / "clair.pdf").unlink()
    _pdf(folder / "scan sans texte.pdf", pages=2, text=False)
    (folder / "vide.txt").write_bytes(b"")
    (folder / "aleatoire.pdf").write_bytes(rng.randbytes(64 * 1024))
    (folder / "aleatoire.txt").write_bytes(rng.randbytes(64 * 1024))
    (folder / "rapport.docx").write_bytes(rng.randbytes(16 * 1024))
    (folder / "note_latin1.txt").write_bytes(LATIN1.encode("latin-1"))
    (folder / "note_cp1252.txt").write_bytes(CP1252.encode("cp1252"))
    (folder / "note_utf16.txt").write_bytes(UTF16.encode("utf-16"))
    style = "body{font-family:Arial;color:#123456} .menu{display:none}\n" * 40
    script = "window.tracker=function(){return 'SCRIPT_EXECUTE'};document.write('PUBLICITE');\n" * 40
    (folder / "page_scripts.html").write_text(HTML.format(style=style, script=script), encoding="utf-8")
    with open(folder / "gros_50mo.txt", "w", encoding="utf-8") as handle:
        n = 0
        while handle.tell() < BIG_MB * 1024 * 1024:
            handle.write(f"Paragraphe {n}. {PARA * 4}\n\n")
            n += 1
    (folder / "ligne_longue.txt").write_text((PARA * 60).strip(), encoding="utf-8")  # ~15 KB, no line break
    os.symlink("boucle.txt", folder / "boucle.txt")  # points at itself
    (folder / "sous dossier").mkdir()
    os.symlink("..", folder / "sous dossier" / "retour")  # a directory loop: not followed
    with open(os.path.join(os.fsencode(folder), BAD_NAME), "wb") as handle:
        handle.write(LATIN1.encode("utf-8"))
    (folder / "interdit.txt").write_text(GOOD_MD.replace("technique", "restreint"), encoding="utf-8")
    os.chmod(folder / "interdit.txt", 0)


def _name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("bad_inputs")
    corpus = work / "corpus"
    build_bad_corpus(corpus)
    run, report = ingest(
        corpus,
        index_dir=work / "index",
        report=work / "report.json",
        env={"ASSISTANT_MAX_TEXT_MB": TEST_CAP_MB},
    )
    store = open_store(work / "index")
    records = index_records(store)
    release_store(store)
    print(
        f"\nbad corpus: {len(report['files'])} files tried, {len(report['failed'])} failed, "
        f"{report['added']} added, rc={run.returncode}, {run.seconds:.1f} s, peak RSS {run.peak_rss_mb:.0f} MB"
    )
    yield {"work": work, "corpus": corpus, "run": run, "report": report, "records": records}
    os.chmod(corpus / "interdit.txt", 0o644)


def test_ingest_of_the_bad_folder_does_not_crash(bad_run):
    run = bad_run["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    # no library noise: the one message per file is the summary's
    for noise in ("EOF marker", "invalid pdf header", "startxref", "PdfReadWarning"):
        assert noise not in run.stderr


def test_each_bad_file_has_exactly_one_clear_message(bad_run):
    report, summary = bad_run["report"], bad_run["run"].stdout
    failed = {_name(f["path"]): f["reason"] for f in report["failed"]}
    assert len(failed) == len(report["failed"])  # one entry per file
    assert set(failed) == set(EXPECTED_FAILED), failed
    for name, word in EXPECTED_FAILED.items():
        assert word.lower() in failed[name].lower(), (name, failed[name])
        lines = [line for line in summary.splitlines() if name in line]
        assert len(lines) == 1, (name, lines)
        assert lines[0].startswith("ÉCHEC ") and failed[name] in lines[0]
    warned = {_name(w["path"]): w["warning"] for w in report["warnings"]}
    assert set(warned) == set(EXPECTED_WARNED)
    for name, word in EXPECTED_WARNED.items():
        assert word in warned[name]
        lines = [line for line in summary.splitlines() if name in line]
        assert len(lines) == 1 and lines[0].startswith("ATTENTION "), lines
    # the JSON report is complete: every file tried has exactly one row
    rows = [_name(f["path"]) for f in report["files"]]
    assert len(rows) == len(set(rows)) == len(EXPECTED_FAILED) + len(EXPECTED_ADDED)


def test_good_files_of_the_folder_are_indexed(bad_run):
    report = bad_run["report"]
    added = {_name(f["path"]) for f in report["files"] if f["status"] == "added"}
    assert added == EXPECTED_ADDED
    docs = by_source(bad_run["records"])
    assert set(docs) == EXPECTED_ADDED
    for name, chunks in docs.items():
        assert len(chunks) == chunks[0]["n_chunks"], name
    text = {name: "\n".join(c["text"] for c in chunks) for name, chunks in docs.items()}
    # legacy encodings decoded right: accents, apostrophes, quotes, œ
    assert "réuni à Évry" in text["note_latin1.txt"] and "« favorable »" in text["note_latin1.txt"]
    assert "l’appel à projets" in text["note_cp1252.txt"] and "“complets”" in text["note_cp1252.txt"]
    assert "— œuvre collective" in text["note_cp1252.txt"]
    assert "délégué du préfet anime le comité des financeurs à Créteil" in text["note_utf16.txt"]
    for body in text.values():
        assert "Ã" not in body and "\ufffd" not in body  # no mojibake
    # HTML: content kept, scripts and styles gone
    assert "maison de quartier le 4 juin 2024" in text["page_scripts.html"]
    for junk in (
        "SCRIPT_EXECUTE",
        "PUBLICITE",
        "font-family",
        "tracker",
        "Activez JavaScript",
        "Plan du site",
    ):
        assert junk not in text["page_scripts.html"]
    # a name with spaces, accents and an emoji is kept as it is
    assert docs[EMOJI_NAME][0]["path"].endswith("/" + EMOJI_NAME)
    # the long line is indexed whole, cut at word boundaries
    assert sum(len(c["text"]) for c in docs["ligne_longue.txt"]) >= len((PARA * 60).strip()) - 100


def test_big_file_is_capped_and_memory_stays_bounded(bad_run):
    big = by_source(bad_run["records"])["gros_50mo.txt"]
    indexed = max(c["end"] for c in big)
    assert indexed <= float(TEST_CAP_MB) * 1024 * 1024
    # the whole ingest process (Python, torch, the model, Chroma, this folder), measured for this child only
    assert bad_run["run"].peak_rss_mb < 2500, bad_run["run"].peak_rss_mb


def test_default_cap_reads_at_most_20_mb_of_a_50_mb_file(bad_run):
    """The default cap without embedding (20 MB of text would take hours to embed here):
    load and split the 50 MB file in a fresh process and measure its peak memory."""
    result = load_and_split_alone(bad_run["corpus"] / "gros_50mo.txt", "50 MB file, default cap")
    assert result["bytes"] <= result["cap"] == 20 * 1024 * 1024
    assert result["bytes"] > 19 * 1024 * 1024
    assert any("tronqué" in w for w in result["warnings"])
    assert result["rss_mb"] < 1024  # measured about 170 MB


def test_a_very_long_line_is_split_in_linear_time():
    """2 MB without a line break nor a real sentence end (abbreviations only): this used to take
    tens of minutes (the abbreviation check rescanned the line from its start at every stop)."""
    words = "selon M. Dupont et l'art. 3 du contrat de ville, le droit commun des quartiers prioritaires "
    text = (words * (2_000_000 // len(words) + 1))[:2_000_000]
    from ingest.document import Document, Page

    doc = Document(path=Path("ligne.txt"), text=text, pages=[Page(None, 0, len(text))])
    started = time.perf_counter()
    chunks = split_document(doc)
    seconds = time.perf_counter() - started
    assert seconds < 15, seconds
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(text[c.start : c.end] == c.text for c in chunks[:50])


def test_encodings_decode_without_the_cli(tmp_path, monkeypatch):
    """The decoder alone: UTF-8 with a stray byte stays UTF-8; a cap that cuts a character does not
    turn the whole file into cp1252 mojibake."""
    (tmp_path / "presque_utf8.txt").write_bytes(
        ("Quartier prioritaire, été 2024 : réunion. " * 20).encode() + b"caf\xe9\n"
    )
    text = load(tmp_path / "presque_utf8.txt").text
    assert "été 2024" in text and "Ã" not in text
    (tmp_path / "accents.txt").write_bytes(("é" * 30000).encode())
    monkeypatch.setenv("ASSISTANT_MAX_TEXT_MB", "0.0333")  # 34,917 bytes: a cut in the middle of an "é"
    doc = load(tmp_path / "accents.txt")
    assert set(doc.text) == {"é"} and doc.warnings


def test_only_bad_files_exit_non_zero_and_nothing_indexed_is_lost(bad_run, tmp_path):
    """Last: a folder of bad files only, plus a good file that went bad, into the same index."""
    before = {r["id"]: r["text"] for r in bad_run["records"]}
    only_bad = tmp_path / "que_du_mauvais"
    only_bad.mkdir()
    for name in ("vide.txt", "aleatoire.pdf", "protégé.pdf", "rapport tronqué.pdf"):
        (only_bad / name).write_bytes((bad_run["corpus"] / name).read_bytes())
    spoiled = bad_run["corpus"] / "bon_document.md"
    spoiled.write_bytes(random.Random(3).randbytes(8192))  # the indexed file is overwritten by junk
    run, report = ingest(only_bad, spoiled, index_dir=bad_run["work"] / "index", report=tmp_path / "r.json")
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert report["added"] == report["updated"] == report["skipped"] == 0
    assert len(report["failed"]) == 5
    reasons = {_name(f["path"]): f["reason"] for f in report["failed"]}
    assert "conservée" in reasons["bon_document.md"]  # the user is told the indexed version stays
    store = open_store(bad_run["work"] / "index")
    after = {r["id"]: r["text"] for r in index_records(store)}
    release_store(store)
    assert after == before


def test_a_named_path_that_does_not_exist_exits_non_zero_and_says_which(tmp_path):
    good = tmp_path / "corpus"
    good.mkdir()
    (good / "note.md").write_text(
        "# Note\n\nLe comité de suivi se réunit chaque trimestre.\n", encoding="utf-8"
    )
    absent = tmp_path / "absent"
    run = run_assistant("ingest", good, absent, "--index-dir", tmp_path / "index", "--quiet")
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"chemin introuvable : {absent}" in run.stderr
    assert "ajoutés : 1" in run.stdout  # what exists is indexed all the same
