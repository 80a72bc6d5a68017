"""A PDF read as it reads (issue: PDF text as it reads): running header and footer dropped, a word
hyphenated at a line end mended, wrapped lines joined, headings on lines of their own, the page of
every sentence exact, two columns read one after the other. Small PDFs drawn here, line by line,
from French sentences written for the purpose (scripts/pdf_fidelity.py measures the same on the
corpus)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from ingest.loaders import load

ROOT = Path(__file__).resolve().parents[1]
HEADER = "Note d'étape — Quartier des Tilleuls"
# page -> lines as drawn (x, text); a line starting with « # » is a heading, in bold
PAGES = {
    1: [
        "# Article 1",
        "Le comité de pilotage du contrat de ville se réunit deux fois par an, au printemps",
        "et à l'automne, sous la présidence conjointe du préfet et du président de",
        "l'intercommunalité. Il arrête la programmation annuelle des actions de la rénova-",
        "tion urbaine et suit l'avancement des engagements des signataires.",
        "# Article 2",
        "Le conseil citoyen désigne deux représentants au comité de pilotage.",
    ],
    2: [
        "# Article 3",
        "La maison du projet accueille les habitants du lundi au vendredi, de neuf heures",
        "à dix-huit heures.",
        "Le bilan de la concertation est publié sur le site de la commune avant la fin de",
        "l'année.",
    ],
}
PAGE_2_SENTENCE = (
    "La maison du projet accueille les habitants du lundi au vendredi, de neuf heures à dix-huit heures."
)


def _fonts() -> tuple[Path, Path | None]:
    spec = importlib.util.spec_from_file_location("pdf_fidelity", ROOT / "scripts" / "pdf_fidelity.py")
    module = sys.modules.setdefault("pdf_fidelity", importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)
    try:
        return module.find_fonts()
    except SystemExit as exc:  # no Unicode font on this machine
        pytest.skip(str(exc))


def _pdf(path: Path, pages: dict[int, list[tuple[float, float, str]]]) -> None:
    """A PDF of ``pages`` (page -> (x, y from the top, text) in points; « # » opens a bold heading),
    each page with the running header and « Page n / N » at its foot."""
    from fpdf import FPDF

    regular, bold = _fonts()
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold or regular))
    for number in sorted(pages):
        pdf.add_page()
        pdf.set_font("DejaVu", "", 8)
        pdf.text(56, 40, HEADER)
        for x, y, text in pages[number]:
            heading = text.startswith("# ")
            pdf.set_font("DejaVu", "B" if heading else "", 11 if heading else 10)
            pdf.text(x, y, text.removeprefix("# "))
        pdf.set_font("DejaVu", "", 8)
        footer = f"Page {number} / {len(pages)}"
        pdf.text((pdf.w - pdf.get_string_width(footer)) / 2, pdf.h - 34, footer)
    pdf.output(str(path))


def _one_column() -> dict[int, list[tuple[float, float, str]]]:
    out = {}
    for number, lines in PAGES.items():
        y, placed = 80.0, []
        for text in lines:
            y += 22.0 if text.startswith("# ") and placed else 0.0
            placed.append((56.0, y, text))
            y += 13.0
        out[number] = placed
    return out


def test_a_pdf_reads_as_its_text(tmp_path):
    path = tmp_path / "note.pdf"
    _pdf(path, _one_column())
    doc = load(path)
    lines = doc.text.split("\n")
    # the running header and the footer are gone, kept as the pages' metadata
    assert not [line for line in lines if HEADER in line or re.search(r"Page \d+ / \d+", line)]
    assert doc.metadata["page_furniture"] == [HEADER, "Page n / 2"]
    # « rénova- / tion » is one word again, the sentence it is in one line
    assert "rénovation urbaine" in doc.text and "rénova-" not in doc.text
    assert (
        "Il arrête la programmation annuelle des actions de la rénovation urbaine et suit "
        "l'avancement des engagements des signataires." in lines[2]
    )
    # headings stay lines of their own
    assert {"Article 1", "Article 2", "Article 3"} <= set(lines)
    # the page of every sentence is the page it is on
    start = doc.text.index(PAGE_2_SENTENCE)
    assert doc.page_at(start) == 2 and doc.page_at(start + len(PAGE_2_SENTENCE) - 1) == 2
    assert doc.page_at(doc.text.index("Le conseil citoyen désigne")) == 1
    assert doc.page_at(doc.text.index("Le bilan de la concertation")) == 2
    assert [page.number for page in doc.pages] == [1, 2]


LEFT = [
    "# Article 1",
    "Le comité de pilotage se réunit deux",
    "fois par an, au printemps et à l'automne.",
    "# Article 2",
    "Le conseil citoyen désigne deux repré-",
    "sentants au comité de pilotage.",
]
RIGHT = [
    "# Article 3",
    "La maison du projet accueille les",
    "habitants du lundi au vendredi.",
    "# Article 4",
    "Le bilan de la concertation est publié",
    "avant la fin de l'année.",
]


def test_two_columns_are_read_one_after_the_other(tmp_path):
    """Two columns drawn row by row across the page: the file's order is not the reading order."""
    rows = []
    for n, (left, right) in enumerate(zip(LEFT, RIGHT, strict=True)):
        y = 80.0 + 16.0 * n
        rows += [(56.0, y, left), (310.0, y, right)]
    path = tmp_path / "colonnes.pdf"
    _pdf(path, {1: rows, 2: _one_column()[2]})
    doc = load(path)
    first = doc.text[doc.pages[0].start : doc.pages[0].end]
    assert [line for line in first.split("\n") if line.startswith("Article")] == [
        "Article 1",
        "Article 2",
        "Article 3",
        "Article 4",
    ]
    for sentence in (
        "Le comité de pilotage se réunit deux fois par an, au printemps et à l'automne.",
        "Le conseil citoyen désigne deux représentants au comité de pilotage.",
        "La maison du projet accueille les habitants du lundi au vendredi.",
        "Le bilan de la concertation est publié avant la fin de l'année.",
    ):
        assert sentence in first.split("\n"), sentence
