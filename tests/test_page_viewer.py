"""The page viewer (ui/pages.py) and passages shown as text (ui/passage.py), on documents written here:
a PDF whose cited sentence is printed at a known place of page 2, and a Markdown charter."""

from __future__ import annotations

import io
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from ui.pages import find_quote, highlight_boxes, render_page
from ui.passage import blocks, passage_html

FILLER = (
    "Le programme local accompagne les associations des quartiers prioritaires dans leurs projets "
    "culturels, sportifs et educatifs, avec un suivi annuel des actions et des publics touches. "
)
CITED = (
    "Le comite des financeurs se reunit chaque trimestre sous la presidence du sous-prefet charge "
    "de la cohesion sociale, qui arrete la liste des projets retenus."
)
SECTION = (
    "Les habitants, les associations et les services de la commune travaillent ensemble a l'amelioration "
    "du cadre de vie, de la tranquillite publique et de l'acces aux services publics du quartier. "
)
CHARTER = f"""# Charte de la vie de quartier de Valbourg

## Preambule

{SECTION * 4}

## Les principes

{SECTION * 4}

## Le conseil de quartier

Le conseil de quartier de Valbourg compte douze membres tires au sort parmi les habitants.
Il est renouvele tous les deux ans.

## Les moyens

La commune met une salle a disposition du conseil et lui verse une dotation annuelle de 3 000 euros.

## Le suivi

{SECTION * 4}

## L'evaluation

{SECTION * 4}
"""


def write_pdf(path) -> float:
    """Three pages; ``CITED`` on page 2 after two paragraphs. Returns the top of ``CITED`` in points."""
    from fpdf import FPDF

    pdf = FPDF()  # millimetres, A4
    pdf.set_font("helvetica", size=11)
    top = 0.0
    for n in range(1, 4):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Guide des subventions, page {n}. " + FILLER * 3)
        pdf.ln(4)
        pdf.multi_cell(0, 6, FILLER * 2)
        pdf.ln(4)
        if n == 2:
            top = pdf.get_y() * 72 / 25.4
            pdf.multi_cell(0, 6, CITED)
            pdf.ln(4)
        pdf.multi_cell(0, 6, FILLER)
    pdf.output(str(path))
    return top


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("viewer_docs")
    top = write_pdf(folder / "guide_subventions.pdf")
    (folder / "charte_valbourg.md").write_text(CHARTER, encoding="utf-8")
    return folder, top


@pytest.fixture(scope="module")
def viewer_assistant(corpus, seeds_assistant, settings_factory):
    from assistant.pipeline import Assistant

    shared = Assistant(
        settings_factory("viewer_index", llm="extractive"), embed_model=seeds_assistant.embed_model
    )
    assert shared.ingest([corpus[0]]).usable == 2
    return shared


@pytest.fixture(scope="module")
def viewer_server(viewer_assistant, tmp_path_factory):
    from ui.server import serve_in_background

    demo, url = serve_in_background(
        viewer_assistant, feedback_path=tmp_path_factory.mktemp("viewer_fb") / "f.sqlite"
    )
    yield url.rstrip("/")
    demo.close()


def test_a_quote_is_found_on_the_page_whatever_its_line_breaks_hyphens_case_and_accents():
    page = (
        "Titre\r\nLe Comité de pilo-\r\ntage se réunit deux fois par an, à l'initiative du préfet et du\r\n"
        "président de l'intercommunalité.\r\nAutre phrase."
    )
    (start, count), *rest = find_quote(page, "le comite de pilotage se reunit deux fois par an")

    assert not rest and page[start : start + count] == "Le Comité de pilo-\r\ntage se réunit deux fois par an"
    # two quotes (a blank line between them), each found where it is
    spans = find_quote(page, "Titre\n\nAutre phrase")
    assert [page[s : s + n] for s, n in spans] == ["Titre", "Autre phrase"]
    # a word changed: the runs of letters still found, in order, cover most of the sentence
    spans = find_quote(
        page, "Le Comité de pilotage se réunit trois fois par an, à l'initiative du préfet et du président."
    )
    found = "".join(page[s : s + n] for s, n in spans)
    assert "Comité de pilo" in found and "initiative du préfet" in found and "trois" not in found
    assert find_quote(page, "Le budget annuel est voté en décembre.") == []


def test_the_page_image_highlights_the_cited_sentence_where_it_is_printed(corpus, tmp_path):
    import pypdfium2 as pdfium
    from PIL import Image

    folder, top = corpus
    pdf = pdfium.PdfDocument(str(folder / "guide_subventions.pdf"))
    boxes = highlight_boxes(pdf[1], CITED)
    assert boxes, "la phrase citée n'a pas été trouvée sur la page 2"
    first_top = min(b[1] for b in boxes) / 1.5  # back to points
    assert abs(first_top - top) < 6, (first_top, top)
    assert highlight_boxes(pdf[0], CITED) == []  # not on page 1
    pdf.close()

    png = render_page(folder / "guide_subventions.pdf", 2, CITED, tmp_path)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    left, top_px, right, bottom = boxes[0]
    r, g, b = image.getpixel((int(left) + 3, int((top_px + bottom) / 2)))
    assert r > 200 and g > 170 and b < 160, (r, g, b)  # yellow under the sentence
    r, g, b = image.getpixel((int(left) + 3, int(top_px) - 40))  # the paragraph above: not highlighted
    assert b > 200 or (r, g, b) < (100, 100, 100), (r, g, b)
    assert list(tmp_path.glob("*.png")), "image non mise en cache"
    assert render_page(folder / "guide_subventions.pdf", 2, CITED, tmp_path) == png
    with pytest.raises(ValueError, match="pas de page 7"):
        render_page(folder / "guide_subventions.pdf", 7, CITED, tmp_path)


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("content-type", ""), err.read()


def test_the_server_gives_indexed_pages_and_files_only_with_french_reasons(
    viewer_server, viewer_assistant, corpus
):
    from ingest.pipeline import doc_id_for

    pdf_id = doc_id_for(corpus[0] / "guide_subventions.pdf")
    md_id = doc_id_for(corpus[0] / "charte_valbourg.md")
    status, kind, body = _get(f"{viewer_server}/viewer/page?doc={pdf_id}&page=2&q=comite%20des%20financeurs")
    assert (status, kind) == (200, "image/png") and body.startswith(b"\x89PNG")
    status, kind, body = _get(f"{viewer_server}/viewer/file?doc={pdf_id}")
    assert (status, kind) == (200, "application/pdf") and body.startswith(b"%PDF")
    cases = {
        f"page?doc={pdf_id}&page=9": (404, "n'a pas de page 9 (il en a 3)"),
        f"page?doc={pdf_id}&page=deux": (400, "Numéro de page invalide"),
        f"page?doc={md_id}&page=1": (404, "n'est pas un PDF"),
        "page?doc=0000000000000000&page=1": (404, "Document introuvable"),
        f"file?doc={doc_id_for(corpus[0].parent)}": (404, "Document introuvable"),  # not an indexed file
    }
    for route, (code, words) in cases.items():
        status, _, body = _get(f"{viewer_server}/viewer/{route}")
        assert status == code and words in body.decode(), (route, status, body)


def test_passages_read_as_paragraphs_headings_and_items_with_the_cited_sentence_marked():
    pdf_like = (
        "Le conseil citoyen est consulte sur le projet de contrat et sur ses avenants, dans\n"
        "les deux mois qui suivent leur transmission par la contrac-\ntualisation.\n"
        "Composition\n"
        "Il comprend des habitants tires au sort et des acteurs locaux, dans une proportion qui\n"
        "garantit la place des habitants.\n"
        "- un college habitants ;\n- un college acteurs locaux.\n\n## Fonctionnement\nIl se reunit deux fois."
    )
    kinds = [kind for kind, _, _ in blocks(pdf_like)]
    assert kinds == ["para", "para", "para", "item", "item", "heading", "para"]
    start = pdf_like.index("Il comprend")
    html = passage_html(pdf_like, [(start, start + len("Il comprend des habitants tires au sort"))])
    assert "dans les deux mois" in html and "contractualisation." in html  # line breaks and a cut word joined
    assert '<p class="p-heading"><strong>Fonctionnement</strong></p>' in html and "##" not in html
    assert '<mark class="cited">Il comprend des habitants tires au sort</mark>' in html
    assert html.count("<mark") == 1  # only the cited words, never the question's generic ones
    assert "&lt;script&gt;" in passage_html("<script>alert(1)</script>")


def test_the_text_around_a_passage_comes_from_its_document(viewer_assistant, corpus):
    from ingest.pipeline import doc_id_for

    doc_id = doc_id_for(corpus[0] / "charte_valbourg.md")
    document = viewer_assistant.store.document_text(doc_id)
    ids, metas = viewer_assistant.store.chunks_of(str(corpus[0] / "charte_valbourg.md"))
    got = viewer_assistant.store.collection.get(ids=ids, include=["documents", "metadatas"])
    for text, meta in zip(got["documents"], got["metadatas"], strict=True):
        assert document[meta["start"] : meta["end"]] == text
    start = document.index("La commune met")
    end = start + len("La commune met une salle a ")
    [(before, after)] = viewer_assistant.surroundings([{"doc_id": doc_id, "start": start, "end": end}])
    assert "## Les moyens" in before and "douze membres" in before and after.startswith("disposition")
    assert "# Charte" not in before and "L'evaluation" not in after  # about 600 characters each side
    assert viewer_assistant.store.document_text("0000000000000000") == ""


def test_a_pdf_citation_opens_its_page_highlighted_and_a_text_citation_its_context(browser, viewer_server):
    from test_ui_browser import ask, open_app, open_tab, save_screenshot, serious_violations, wait

    box = open_app(browser, viewer_server)
    ask(browser, box, "Qui preside le comite des financeurs ?")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#chatbot a.cite"))
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#sources details.src-page"))
    browser.find_elements(By.CSS_SELECTOR, "#chatbot a.cite")[0].click()
    image = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#sources details.src-page[open] img"))
    wait(
        browser,
        lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image),
    )
    assert "page=2" in image.get_attribute("src") and "Page 2" in image.get_attribute("alt")
    link = browser.find_element(By.CSS_SELECTOR, "#sources details.src-page[open] a")
    assert link.get_attribute("href").endswith("#page=2") and "page 2" in link.text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)
    save_screenshot(browser, "citation_page_pdf.png")
    assert serious_violations(browser) == []  # with the page image open

    ask(browser, box, "Combien de membres compte le conseil de quartier de Valbourg ?")
    wait(browser, lambda d: "douze" in d.find_element(By.CSS_SELECTOR, "#sources .src-turn").text)
    card = browser.find_element(By.CSS_SELECTOR, "#sources .src-turn .src-card")
    assert "#" not in card.find_element(By.CSS_SELECTOR, ".src-text").text  # Markdown turned into text
    card.find_element(By.CSS_SELECTOR, "details.src-context summary").click()
    context = wait(
        browser, lambda d: card.find_element(By.CSS_SELECTOR, "details.src-context[open] .ctx-text")
    )
    assert "Les moyens" in context.text or "Le conseil de quartier" in context.text
    passage = context.find_element(By.CSS_SELECTOR, ".ctx-passage")
    shown = browser.execute_script(  # the box scrolled to the passage
        "const b = arguments[0].getBoundingClientRect(), p = arguments[1].getBoundingClientRect();"
        "return p.top >= b.top - 1 && p.top < b.bottom;",
        context,
        passage,
    )
    assert shown
    assert card.find_elements(By.CSS_SELECTOR, "mark.cited")
    save_screenshot(browser, "citation_contexte_texte.png")
    everything = ("minor", "moderate", "serious", "critical")
    assert serious_violations(browser, everything) == []  # with the context open: not even a moderate one
    # the workspace with long passages that scroll (each reachable by the keyboard), headings in order
    open_tab(browser, "Préparer une séance")
    browser.find_element(By.CSS_SELECTOR, "#ws-theme textarea").send_keys("programme local des associations")
    browser.find_element(By.ID, "ws-prepare").click()
    wait(browser, lambda d: "Passages par document" in d.find_element(By.ID, "workspace").text)
    assert serious_violations(browser, everything) == []


@pytest.fixture(scope="module")
def browser(chromium_path):
    from test_ui_browser import make_driver

    driver = make_driver(chromium_path)
    yield driver
    driver.quit()
