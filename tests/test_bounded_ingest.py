"""Bounded ingestion: no file, however small or crafted, ties up the indexer, its lock or its memory.

Found by attacking a running server: a 3.5 KB ``.docx`` of 300,000 empty paragraphs took 62 s
under the upload lock, an 88 KB one reached 3.3 GB, and a 205 KB single-line text took 48 s to
embed (a text near the 20 MB cap would have held the lock for about an hour). Every file here is
built by the test (no committed binaries) and goes through the real parts: the ``assistant``
command in a subprocess, real Chroma, the real e5 model, ``ui.library.add_files`` for an upload.

* zip bombs (``.docx``): a million paragraphs, 512 MB that unpack from a few hundred bytes,
  five million XML elements, 6,000 parts: each refused by its limit (``ingest/archive.py``),
  read from the zip's directory or counted while streaming, before python-docx parses anything;
  each load is timed and its peak memory measured in a fresh process;
* a single line of text near the 20 MB cap: refused by the passage cap before anything is embedded;
* a Word file just under the limits (99,000 paragraphs, 20 MB of text) loads in seconds and MB;
* a file slower to embed than the time budget (lowered to a few seconds here): it fails with its
  indexed version kept, and no chunk of the abandoned version left; small files embedded as one
  group keep a budget each;
* the index still answers from what it held (``--llm extractive``);
* an upload while another ingest holds the lock completes within the other file's budget.

The limits measured against the real corpora (``../shared/seeds``, ``../shared/evals/dev2/corpus``,
``sample_corpus``) are printed by ``test_real_corpora_are_far_under_the_limits`` (docs/reliability.md).
"""

from __future__ import annotations

import io
import os
import re
import threading
import time
import zipfile
from pathlib import Path

import pytest
from conftest import SHARED
from ingest_helpers import (
    LIMIT_PREFIXES,
    ROOT,
    ask_json,
    by_source,
    index_records,
    ingest,
    load_and_split_alone,
    open_store,
    release_store,
)

from core.settings import Settings

GENEROUS_S = 30  # every refusal must come well under this (measured: about 1 s each)
BUDGET_S = "3"  # the time budget per file in the slow-file runs (600 s by default)
PARA = (
    "Le contrat de ville « Engagements Quartiers 2030 » mobilise d'abord le droit commun de l'État et des "
    "collectivités ; les crédits spécifiques du programme 147 viennent en complément, jamais en substitution. "
)
GOOD_MD = """# Relevé de décisions du comité de pilotage des Glycines

## Décisions

Le comité de pilotage du quartier des Glycines s'est réuni le 14 février 2025 en mairie annexe.
La maison du projet ouvrira ses portes le 2 juin 2025 au pied de la tour B, avec une permanence
du délégué du préfet chaque mardi matin.

## Financement

La programmation 2025 réserve 42 000 euros aux actions de médiation sociale portées par les
associations du quartier.
"""
QUESTION = "Quand ouvrira la maison du projet des Glycines ?"
SLOW_OLD = "# Rapport annuel\n\n" + "\n\n".join(f"Paragraphe {n}. {PARA}" for n in range(6))
# ~300 passages: a minute or more of embedding on 2 cores, far past a budget of 3 s
SLOW_NEW = "# Rapport annuel, version longue\n\n" + "\n\n".join(
    f"Paragraphe {n} de la version longue. {PARA * 3}" for n in range(300)
)


# -- building the files -------------------------------------------------------------------------


def _docx_skeleton() -> dict[str, bytes]:
    """The parts of a real, minimal Word file (python-docx's own template)."""
    import docx

    document = docx.Document()
    document.add_paragraph("x")
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_docx(
    path: Path,
    body: bytes | None = None,
    *,
    pad: int = 0,
    extra_parts: int = 0,
    method: int = zipfile.ZIP_DEFLATED,
) -> None:
    """A Word file whose body is ``body`` (raw WordprocessingML), then ``pad`` spaces; ``extra_parts`` more entries."""
    parts = _docx_skeleton()
    xml = parts.pop("word/document.xml").decode()
    head = xml[: xml.index("<w:body>") + len("<w:body>")].encode()
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        with archive.open("word/document.xml", "w", force_zip64=pad > 1 << 30) as out:
            out.write(head)
            if body is not None:
                out.write(body)
            block = b" " * (1 << 20)
            left = pad
            while left > 0:
                out.write(block[: min(left, len(block))])
                left -= len(block)
            out.write(b"</w:body></w:document>")
        for n in range(extra_parts):
            archive.writestr(f"customXml/extra{n}.xml", b"<a/>")


BOMBS = {  # name -> (what it holds, the setting that refuses it, a word of the reason)
    "paragraphes.docx": ("1,000,000 empty paragraphs", "ASSISTANT_MAX_PARAGRAPHS", "paragraphes"),
    "decompresse.docx": ("512 MB of spaces (bzip2)", "ASSISTANT_MAX_UNPACKED_MB", "décompressée"),
    "elements.docx": ("5,000,000 empty runs in one paragraph", "ASSISTANT_MAX_XML_ELEMENTS", "XML"),
    "parties.docx": ("6,000 parts", "ASSISTANT_MAX_ZIP_PARTS", "fichiers"),
    "ligne_unique.txt": ("19.5 MB on one line", "ASSISTANT_MAX_FILE_PASSAGES", "passages"),
}


def build_bombs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_docx(folder / "paragraphes.docx", b"<w:p/>" * 1_000_000)
    write_docx(folder / "decompresse.docx", b"<w:p><w:r><w:t>", pad=512 << 20, method=zipfile.ZIP_BZIP2)
    write_docx(folder / "elements.docx", b"<w:p>" + b"<w:r/>" * 5_000_000 + b"</w:p>")
    write_docx(
        folder / "parties.docx", b"<w:p><w:r><w:t>" + PARA.encode() + b"</w:t></w:r></w:p>", extra_parts=6000
    )
    with open(folder / "ligne_unique.txt", "w", encoding="utf-8") as handle:  # no line break at all
        while handle.tell() < 19.5 * 1024 * 1024:
            handle.write(PARA * 100)


def _name(path: str) -> str:
    return Path(path).name


def _no_limit_env() -> dict:
    """The environment without any ASSISTANT_* limit a developer may have set: the defaults apply."""
    return {k: None for k in os.environ if k.startswith(LIMIT_PREFIXES)}


@pytest.fixture
def default_limits(monkeypatch):
    """This process without the limits a developer may have set: the defaults apply."""
    for key in [k for k in os.environ if k.startswith(LIMIT_PREFIXES)]:
        monkeypatch.delenv(key)


# -- the CLI runs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("bounded")
    good, bombs, index_dir = work / "bons", work / "bombes", work / "index"
    good.mkdir()
    (good / "glycines.md").write_text(GOOD_MD, encoding="utf-8")
    (good / "rapport.md").write_text(SLOW_OLD, encoding="utf-8")
    build_bombs(bombs)
    env = _no_limit_env()
    first, first_report = ingest(good, index_dir=index_dir, report=work / "first.json", env=env)
    assert first.returncode == 0 and first_report["added"] == 2, first.stdout + first.stderr[-3000:]
    store = open_store(index_dir)
    held = {r["id"]: r["text"] for r in index_records(store)}
    release_store(store)

    bomb_run, bomb_report = ingest(bombs, index_dir=index_dir, report=work / "bombs.json", env=env)

    (good / "rapport.md").write_text(SLOW_NEW, encoding="utf-8")  # the indexed file grows
    (good / "nouveau_rapport.md").write_text(SLOW_NEW.replace("annuel", "triennal"), encoding="utf-8")
    slow_env = {**env, "ASSISTANT_FILE_TIME_BUDGET_S": BUDGET_S}
    slow_run, slow_report = ingest(
        good / "rapport.md",
        good / "nouveau_rapport.md",
        index_dir=index_dir,
        report=work / "slow.json",
        env=slow_env,
    )
    store = open_store(index_dir)
    after = index_records(store)
    release_store(store)
    print(
        f"\nbombs: {len(bomb_report['failed'])} refused in {bomb_run.seconds:.1f} s (whole CLI run, "
        f"peak RSS {bomb_run.peak_rss_mb:.0f} MB); slow files with a {BUDGET_S} s budget: "
        f"{slow_run.seconds:.1f} s (whole CLI run, model load included), embed {slow_report['timings']['embed']} s"
    )
    for row in bomb_report["failed"] + slow_report["failed"]:
        print(f"  ÉCHEC {_name(row['path'])} : {row['reason']}")
    return {
        "work": work,
        "index": index_dir,
        "held": held,
        "bomb_run": bomb_run,
        "bomb_report": bomb_report,
        "slow_run": slow_run,
        "slow_report": slow_report,
        "after": after,
    }


def test_each_bomb_is_refused_by_its_limit_with_a_french_reason(runs):
    run, report = runs["bomb_run"], runs["bomb_report"]
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    failed = {_name(f["path"]): f["reason"] for f in report["failed"]}
    assert set(failed) == set(BOMBS), failed
    for name, (_, setting, word) in BOMBS.items():
        reason = failed[name]
        assert setting in reason and word in reason and " au plus " in reason, (name, reason)
        lines = [line for line in run.stdout.splitlines() if name in line]
        assert len(lines) == 1 and lines[0].startswith("ÉCHEC ") and reason in lines[0], lines
    assert "1 000 000 pour 100 000" in failed["paragraphes.docx"]
    assert "513 Mo pour 100 Mo" in failed["decompresse.docx"]  # 512 MB + the template
    assert "6 0" in failed["parties.docx"] and "5 000 au plus" in failed["parties.docx"]
    assert "3 000 au plus" in failed["ligne_unique.txt"]
    # nothing was embedded: the model is not even loaded, and the whole run is quick
    assert report["timings"]["embed"] == 0
    assert run.seconds < GENEROUS_S + 30, run.seconds
    assert report["chunks_written"] == 0


@pytest.mark.parametrize("name", sorted(n for n in BOMBS if n.endswith(".docx")))
def test_each_zip_bomb_is_refused_fast_and_in_little_memory(runs, name):
    """The loader alone, in a fresh process: refused in about a second, in tens of MB."""
    result = load_and_split_alone(runs["work"] / "bombes" / name, BOMBS[name][0])
    assert BOMBS[name][1] in result.get("error", ""), result
    assert result["seconds"] < GENEROUS_S, result
    assert result["rss_mb"] < 256, result  # measured 35-45 MB (python-docx would have parsed it: GBs)


def test_a_single_line_near_the_text_cap_is_loaded_and_split_fast(runs):
    """19.5 MB on one line: loaded and split in seconds and bounded memory (then refused by the
    passage cap, above)."""
    result = load_and_split_alone(runs["work"] / "bombes" / "ligne_unique.txt", BOMBS["ligne_unique.txt"][0])
    assert result["passages"] > Settings.model_fields["max_file_passages"].default
    assert result["seconds"] < GENEROUS_S, result
    assert result["rss_mb"] < 1024, result  # the text itself (~20 MB, a few copies) and the chunks


def test_a_docx_just_under_the_limits_loads_in_bounded_time_and_memory(tmp_path):
    """The other end: 99,000 paragraphs of real text (headings, lists, Word's run markup), 20 MB of
    text: it passes every check, and loading and splitting it stays within seconds and MB."""
    sentence = (PARA * 2)[:200]
    paragraphs = []
    for n in range(99_000):
        style = "Heading1" if n % 50 == 0 else ("ListParagraph" if n % 7 == 0 else "")
        props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        paragraphs.append(
            f'<w:p w:rsidR="00A1B2C3">{props}<w:r><w:rPr><w:lang w:val="fr-FR"/></w:rPr>'
            f'<w:t xml:space="preserve">{n} {sentence}</w:t></w:r></w:p>'
        )
    path = tmp_path / "guide_geant.docx"
    write_docx(path, "".join(paragraphs).encode())
    result = load_and_split_alone(path, "99,000 paragraphs of text")
    assert "error" not in result, result
    assert result["passages"] > 10_000  # then refused by the passage cap, before any embedding
    assert result["seconds"] < 60 and result["rss_mb"] < 1024, result


def test_a_file_slower_than_the_budget_fails_and_its_indexed_version_stays(runs):
    report, run = runs["slow_report"], runs["slow_run"]
    assert "Traceback" not in run.stderr
    failed = {_name(f["path"]): f["reason"] for f in report["failed"]}
    assert set(failed) == {"rapport.md", "nouveau_rapport.md"}, report
    for reason in failed.values():
        assert "indexation trop longue" in reason and "ASSISTANT_FILE_TIME_BUDGET_S" in reason, reason
    assert "conservée" in failed["rapport.md"] and "conservée" not in failed["nouveau_rapport.md"]
    # both stopped at the budget: 3 s each, plus one embedding call (16 passages) past it
    assert report["timings"]["embed"] < 2 * float(BUDGET_S) + GENEROUS_S, report["timings"]
    embedded = sum(int(re.search(r"(\d+) passages sur", r).group(1)) for r in failed.values())
    print(
        f"\n{embedded} passages embedded in {report['timings']['embed']} s before the {BUDGET_S} s budgets "
        f"of 2 files: {report['timings']['embed'] / max(embedded, 1):.3f} s per passage"
    )
    # the index holds exactly what it held before: the old version, no chunk of the abandoned ones
    after = {r["id"]: r["text"] for r in runs["after"]}
    assert after == runs["held"]
    docs = by_source(runs["after"])
    assert "nouveau_rapport.md" not in docs
    assert len(docs["rapport.md"]) == docs["rapport.md"][0]["n_chunks"]
    store = open_store(runs["index"])
    pending = store.version.pending()
    release_store(store)
    assert not pending


def test_the_index_still_answers_from_what_it_held(runs):
    answer = ask_json(QUESTION, runs["index"], env=_no_limit_env())
    assert not answer["abstained"], answer
    assert "2 juin 2025" in answer["answer"]
    assert "glycines.md" in {c["source"] for c in answer["citations"]}


# -- in-process: the DOCX text cap, the corpora, an upload during an ingest -----------------------


def test_a_docx_within_the_limits_loads_and_its_text_is_capped(tmp_path, monkeypatch, default_limits):
    import docx

    from ingest.loaders import load

    document = docx.Document()
    document.add_heading("Compte rendu du comité technique", level=1)
    for n in range(40):
        document.add_paragraph(f"Point {n} : {PARA}")
    document.save(tmp_path / "compte_rendu.docx")
    whole = load(tmp_path / "compte_rendu.docx")
    assert whole.text.startswith("# Compte rendu du comité technique") and not whole.warnings
    assert "Point 39" in whole.text
    monkeypatch.setenv("ASSISTANT_MAX_TEXT_MB", "0.002")  # 2,097 bytes of text
    capped = load(tmp_path / "compte_rendu.docx")
    assert len(capped.text.encode()) <= 2097 and "Point 39" not in capped.text
    assert capped.warnings and "tronqué" in capped.warnings[0]
    monkeypatch.setenv("ASSISTANT_MAX_PARAGRAPHS", "10")
    from ingest.loaders import LoadError

    with pytest.raises(LoadError, match=r"41 pour 10 au plus \(ASSISTANT_MAX_PARAGRAPHS\)"):
        load(tmp_path / "compte_rendu.docx")


def _docx_from_text(text: str, path: Path) -> None:
    """A Word version of a corpus document: Markdown headings as Word headings, one paragraph per block."""
    import docx

    document = docx.Document()
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block:
            continue
        heading = re.match(r"(#{1,6})\s+(.*)", block)
        if heading:
            document.add_heading(heading.group(2), level=len(heading.group(1)))
        else:
            for line in block.splitlines():
                document.add_paragraph(line.strip())
    document.save(str(path))


def test_real_corpora_are_far_under_the_limits(tmp_path, default_limits):
    """Each real document, as it is and as a Word file, against the defaults: the largest is far under each."""
    from ingest.archive import ArchiveLimits, check_archive
    from ingest.loaders import load
    from ingest.split import split_document

    folders = [SHARED / "seeds", SHARED / "evals" / "dev2" / "corpus"]
    folders.append(ROOT / "sample_corpus")
    from core.documents import SUPPORTED_EXTENSIONS

    files = [
        p
        for folder in folders
        for p in sorted(folder.iterdir())
        if p.suffix.lower() in SUPPORTED_EXTENSIONS and p.stem.upper() != "README"
    ]
    no_limits = ArchiveLimits(1 << 40, 1 << 40, 1 << 40, 1 << 40)
    rows, texts = [], []
    for path in files:
        doc = load(path)
        chunks = split_document(doc)
        texts += [c.text for c in chunks]
        as_docx = tmp_path / f"{path.stem}.docx"
        _docx_from_text(doc.text, as_docx)
        stats = check_archive(as_docx, no_limits)
        rows.append(
            {
                "file": path.name,
                "text_bytes": len(doc.text.encode()),
                "passages": len(chunks),
                "docx_parts": stats.parts,
                "docx_unpacked_bytes": stats.unpacked_bytes,
                "docx_paragraphs": stats.paragraphs,
                "docx_elements": stats.elements,
            }
        )
    _docx_from_text("", tmp_path / "vide.docx")
    empty = check_archive(tmp_path / "vide.docx", no_limits)  # python-docx's template alone
    largest = {key: max(r[key] for r in rows) for key in rows[0] if key != "file"}
    biggest = max(rows, key=lambda r: r["text_bytes"])
    ratios = {
        "text_bytes_per_passage": round(biggest["text_bytes"] / biggest["passages"]),
        "text_bytes_per_docx_paragraph": round(biggest["text_bytes"] / biggest["docx_paragraphs"]),
        "docx_elements_per_paragraph": round(
            (biggest["docx_elements"] - empty.elements) / biggest["docx_paragraphs"], 1
        ),
        "docx_unpacked_bytes_per_text_byte": round(
            (biggest["docx_unpacked_bytes"] - empty.unpacked_bytes) / biggest["text_bytes"], 2
        ),
        "template": {
            "parts": empty.parts,
            "unpacked_bytes": empty.unpacked_bytes,
            "elements": empty.elements,
        },
    }
    from core.settings import get_settings
    from index.embeddings import make_embed_model

    model = make_embed_model(get_settings())
    model.get_text_embedding_batch(texts[:16])  # warm-up
    started = time.perf_counter()
    model.get_text_embedding_batch(texts)
    per_passage = (time.perf_counter() - started) / len(texts)
    print(
        f"\n{len(rows)} documents; largest of each: {largest}\nlargest file {biggest['file']}: {ratios}\n"
        f"embedding the {len(texts)} real passages: {per_passage:.3f} s per passage, so "
        f"{Settings.model_fields['max_file_passages'].default} passages in "
        f"{per_passage * Settings.model_fields['max_file_passages'].default:.0f} s "
        f"(budget {Settings.model_fields['file_time_budget_s'].default:g} s)"
    )
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    assert len(rows) >= 20
    # each limit at least 50 times the largest real document (the corpora are short: their largest
    # file has 17 KB of text, a long guide 50 to 100 times more; the extrapolation is in
    # docs/reliability.md)
    assert largest["passages"] * 50 < defaults["max_file_passages"]
    assert largest["docx_paragraphs"] * 50 < defaults["max_paragraphs"]
    assert largest["docx_elements"] * 50 < defaults["max_xml_elements"]
    assert largest["docx_parts"] * 50 < defaults["max_zip_parts"]
    assert largest["docx_unpacked_bytes"] * 50 < defaults["max_unpacked_mb"] * 1024 * 1024


def test_an_upload_during_another_ingest_completes_within_the_limits(tmp_path, monkeypatch, default_limits):
    """The UI path: ``add_files`` while another ingest, slower than its budget, holds the lock."""
    from assistant.pipeline import Assistant
    from core.settings import get_settings
    from ui import library

    monkeypatch.setenv("ASSISTANT_FILE_TIME_BUDGET_S", BUDGET_S)
    settings = get_settings(
        index_dir=tmp_path / "index",
        upload_dir=tmp_path / "uploads",
        data_dir=ROOT / "data",
        llm="extractive",
    )
    bot = Assistant(settings)
    assert bot.embed_model is not None and bot.store.count() == 0  # loaded now, not in the threads
    slow = tmp_path / "long" / "rapport_long.md"
    slow.parent.mkdir()
    slow.write_text(SLOW_NEW, encoding="utf-8")
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "glycines.md").write_text(GOOD_MD, encoding="utf-8")
    write_docx(incoming / "bombe.docx", b"<w:p/>" * 1_000_000)

    other: dict = {}

    def other_ingest():
        other["report"] = bot.ingest([slow])
        other["end"] = time.perf_counter()

    thread = threading.Thread(target=other_ingest)
    started = time.perf_counter()
    thread.start()
    deadline = time.monotonic() + 120
    while not bot.store.version.pending() and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)  # until the other ingest is writing (it holds the lock)
    assert thread.is_alive(), "the other ingest ended before the upload started"
    upload_start = time.perf_counter()
    outcome = library.add_files(bot, [incoming / "glycines.md", incoming / "bombe.docx"])
    upload_end = time.perf_counter()
    thread.join(timeout=300)
    waited = other["end"] - upload_start
    print(
        f"\nupload during an ingest: the other ingest held the lock {other['end'] - started:.1f} s "
        f"(budget {BUDGET_S} s), the upload waited {max(waited, 0):.1f} s and took "
        f"{upload_end - upload_start:.1f} s in all\n{outcome.summary()}"
    )
    other_failed = other["report"].by_status("failed")
    assert len(other_failed) == 1 and "indexation trop longue" in other_failed[0].reason
    assert upload_end - upload_start < GENEROUS_S
    report = outcome.report
    assert [_name(r.path) for r in report.by_status("added")] == ["glycines.md"]
    refused = {_name(r.path): r.reason for r in report.by_status("failed")}
    assert set(refused) == {"bombe.docx"} and "ASSISTANT_MAX_PARAGRAPHS" in refused["bombe.docx"]
    assert not (library.upload_dir(settings) / "bombe.docx").exists()  # a refused upload is not kept
    assert {d["source"] for d in bot.store.documents()} == {"glycines.md"}
    answer = bot.ask(QUESTION)
    assert not answer.abstained and "2 juin 2025" in answer.answer


def test_small_files_embedded_together_keep_the_budget_per_file(tmp_path, monkeypatch, default_limits):
    """Files under 128 passages are embedded as one group: past the budget the group falls back to
    one file at a time, each with its own budget, so a slow file fails alone and a quick one is added."""
    from core.settings import get_settings
    from index.ingestor import EMBED_GROUP_CHUNKS, Ingestor

    monkeypatch.setenv("ASSISTANT_FILE_TIME_BUDGET_S", "0.01")  # one embedding call (16 passages) per file
    folder = tmp_path / "petits"
    folder.mkdir()
    (folder / "glycines.md").write_text(GOOD_MD, encoding="utf-8")
    medium = "# Rapport\n\n" + "\n\n".join(f"Paragraphe {n}. {PARA * 3}" for n in range(140))
    (folder / "rapport_moyen.md").write_text(medium, encoding="utf-8")
    ingestor = Ingestor(get_settings(index_dir=tmp_path / "index"))
    sizes = {path.name: len(ingestor.nodes_for(path)) for path in folder.iterdir()}
    assert sizes["glycines.md"] <= 16 < sizes["rapport_moyen.md"] < EMBED_GROUP_CHUNKS, sizes
    started = time.perf_counter()
    report = ingestor.run([folder], progress=False)
    seconds = time.perf_counter() - started
    print(
        f"\ngroup of {sizes} with a 0.01 s budget: {seconds:.1f} s (model load included)\n{report.summary()}"
    )
    assert [_name(r.path) for r in report.by_status("added")] == ["glycines.md"]
    failed = report.by_status("failed")
    assert [_name(r.path) for r in failed] == ["rapport_moyen.md"]
    assert "indexation trop longue" in failed[0].reason and "conservée" not in failed[0].reason
    assert {d["source"] for d in ingestor.store.documents()} == {"glycines.md"}
    assert not ingestor.store.version.pending()
