"""How faithfully the PDF loader reads a PDF back: texts whose words are known, typeset into PDFs,
read by each extractor through the loader's own cleaning path, compared with the words typeset.

Usage::

    .venv/bin/python scripts/pdf_fidelity.py [--max-docs 36] [--max-pages 6] [--out docs/pdf_fidelity.md]

Sources: ``$SHARED_DIR/train/corpus/*.md`` (legal texts) and ``sample_corpus/*.md|*.txt``. Each is
typeset by :class:`Typesetter` (DejaVu Sans, French accents included) with what a real PDF carries:
a running header (the text's short name and a fixed label) and a footer « Page n / N » on every
page, long words hyphenated at line ends (« rénova- / tion »), headings in bold on lines of their
own. Three layouts: one column; two columns written column by column; two columns whose content
stream runs row by row across both columns (the text is the same, only the order in the file
differs: an extractor that follows the file's order reads it line by line across the gutter).

For each page the ground truth is the source words typeset on it, in reading order. Each PDF is
then read by :func:`ingest.loaders.load` with each extractor (``pdf_extractor=``), so that every
extractor goes through the same cleaning (furniture, hyphenation, wrapped lines). Measured, per
extractor and layout:

- ``similarity``: word-level ``difflib.SequenceMatcher`` ratio between the source words and the
  words of the loaded text (whitespace-split, all documents pooled: 2·matches / total words);
- ``furniture``: header, footer and page-number lines left in the text (target 0);
- ``page right``: share of source sentences (split after « . », « ? », « ! » followed by a capital,
  and at every block end) whose first word is found on its true page via ``Document.pages``;
- ``wraps left``: share of line breaks typeset inside a sentence (on one page) still a line break
  in the text (the sentence segmenter reads line breaks);
- ``headings alone``: share of headings that are a line of their own in the text;
- ``ms/page``: time of ``load`` (extraction and cleaning) per page.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import re
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.settings import SHARED_DIR  # noqa: E402

CREATED = datetime(2024, 6, 3, 9, 0, 0, tzinfo=UTC)
HEADER_LABEL = "banc d'essai PDF"
FOOTER = "Page {page} / {pages}"
FOOTER_PATTERN = re.compile(r"Page \d+ / \d+")
LAYOUTS = ("1 col", "1 col, justified", "2 col", "2 col, rows")

# page geometry, in points (A4)
PAGE_W, PAGE_H = 595.28, 841.89
MARGIN_X, TOP, BOTTOM = 56.0, 72.0, PAGE_H - 64.0
GUTTER = 24.0
HEADER_Y, FOOTER_Y = 40.0, PAGE_H - 34.0
# style -> (bold, font size, line height, space before)
STYLES = {
    "title": (True, 13.0, 17.0, 0.0),
    "heading": (True, 11.0, 15.0, 10.0),
    "body": (False, 10.0, 13.0, 6.0),
    "item": (False, 10.0, 13.0, 3.0),
}
HYPHEN_RATE = 0.7  # share of the lines where a long word could be cut at which it is
_VOWELS = set("aeiouyàâäéèêëîïôöùûüÿœæ")
_INSEPARABLE = re.compile(r"[cpt]h|gn|[bcfgp]l|[bcdfgptv]r")  # consonants a cut never parts
_WORD = re.compile(r"([A-Za-zÀ-ÖØ-öø-ÿœŒæÆ]+)([.,;:!?»)]*)")


def find_fonts() -> tuple[Path, Path | None]:
    """DejaVu Sans (regular, bold): matplotlib's copy (a dependency of the project), else the system's."""
    places = []
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        places.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    places.append(Path("/usr/share/fonts/truetype/dejavu"))
    for place in places:
        if (place / "DejaVuSans.ttf").is_file():
            bold = place / "DejaVuSans-Bold.ttf"
            return place / "DejaVuSans.ttf", bold if bold.is_file() else None
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if found.endswith(".ttf"):
        return Path(found), None
    raise SystemExit("aucune police Unicode (DejaVuSans.ttf) trouvée : installez matplotlib ou fonts-dejavu")


# -- sources -------------------------------------------------------------------------------------


@dataclass
class Block:
    style: str  # title, heading, body, item
    text: str


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _inline(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = text.replace("`", "")
    return " ".join(text.split())


def read_source(path: Path) -> list[Block]:
    """The blocks of a Markdown or plain text file: title, headings, paragraphs, list items."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"\A---\s*\n.*?\n---\s*\n", "", raw, flags=re.S)  # front matter
    blocks: list[Block] = []
    markdown = path.suffix == ".md"
    for chunk in re.split(r"\n[ \t>]*\n", raw):
        lines = [re.sub(r"^(?:>\s?)+", "", line).strip() for line in chunk.split("\n")]
        lines = [line for line in lines if line]
        if not lines or lines[0].startswith(("Source:", "Source :")):
            continue
        if not markdown:  # one paragraph a line; a line in capitals is a heading
            for line in lines:
                letters = [c for c in line if c.isalpha()]
                caps = letters and sum(c.isupper() for c in letters) > 0.8 * len(letters)
                blocks.append(Block("heading" if caps and len(line) < 120 else "body", _inline(line)))
            continue
        paragraph: list[str] = []
        for line in lines:
            heading = re.match(r"^(#{1,6})\s+(.*)", line)
            item = re.match(r"^[-*+]\s+(.*)", line)
            if heading or item:
                if paragraph:
                    blocks.append(Block("body", _inline(" ".join(paragraph))))
                    paragraph = []
                if heading:
                    style = "title" if len(heading.group(1)) == 1 else "heading"
                    blocks.append(Block(style, _inline(heading.group(2))))
                else:
                    blocks.append(Block("item", "- " + _inline(item.group(1))))
            else:
                paragraph.append(line)
        if paragraph:
            blocks.append(Block("body", _inline(" ".join(paragraph))))
    return [b for b in blocks if b.text]


def short_name(path: Path) -> str:
    parts = path.stem.split("_")
    return " ".join(parts[:2]).capitalize()


# -- typesetting ---------------------------------------------------------------------------------


@dataclass
class Placed:
    page: int
    column: int
    x: float
    baseline: float
    text: str
    style: str
    width: float = 0.0  # the room the line had
    last: bool = False  # the last line of its block (never justified)


@dataclass
class Typeset:
    """A typeset text: its lines, and every source word with the page it starts on."""

    lines: list[Placed] = field(default_factory=list)
    words: list[tuple[str, int]] = field(default_factory=list)
    sentence_starts: list[int] = field(default_factory=list)  # word indexes
    headings: list[tuple[str, int]] = field(default_factory=list)  # (text, index of its first word)
    wraps: list[int] = field(default_factory=list)  # word i ends a line, word i + 1 starts the next
    pages: int = 0


def _good_break(word: str, k: int) -> bool:
    """A cut ``word[:k]-`` / ``word[k:]`` a French typesetter would make (before a consonant followed
    by a vowel, or between two consonants that do not go together)."""
    a, b = word[k - 1].lower(), word[k].lower()
    c = word[k + 1].lower() if k + 1 < len(word) else ""
    if not word[k].islower() or b in _VOWELS or c not in _VOWELS:
        return False
    if a in _VOWELS:
        return True
    return not _INSEPARABLE.fullmatch(a + b) and b != "h" and word[k - 2].lower() in _VOWELS


class Typesetter:
    def __init__(self, pdf, columns: int, rng: random.Random, family: str, has_bold: bool):
        self.pdf, self.columns, self.rng = pdf, columns, rng
        self.family, self.has_bold = family, has_bold
        self.col_w = (PAGE_W - 2 * MARGIN_X - (columns - 1) * GUTTER) / columns
        self.out = Typeset()
        self.page, self.col, self.y = 1, 0, TOP

    def _font(self, style: str) -> tuple[float, float]:
        bold, size, height, _ = STYLES[style]
        self.pdf.set_font(self.family, "B" if bold and self.has_bold else "", size)
        return size, height

    def _place(
        self, text: str, style: str, indent: float, starts: list[str], first: bool, whole: bool, width: float
    ) -> None:
        size, height = STYLES[style][1], STYLES[style][2]
        if self.y + height > BOTTOM:
            self.col += 1
            if self.col == self.columns:
                self.col, self.page = 0, self.page + 1
            self.y = TOP
        x = MARGIN_X + self.col * (self.col_w + GUTTER) + indent
        self.out.lines.append(Placed(self.page, self.col, x, self.y + size, text, style, width))
        self.y += height
        if first:
            self.out.sentence_starts.append(len(self.out.words))
        if self.out.words and not first and whole:  # not the rest of a word hyphenated above
            self.out.wraps.append(len(self.out.words) - 1)
        for word in starts:
            self.out.words.append((word, self.page))

    def _hyphenate(self, token: str, room: float) -> tuple[str, str] | None:
        match = _WORD.fullmatch(token)
        if not match or len(match.group(1)) < 7:
            return None
        core, tail = match.groups()
        for k in range(len(core) - 3, 2, -1):
            if _good_break(core, k) and self.pdf.get_string_width(core[:k] + "-") <= room:
                return core[:k], core[k:] + tail
        return None

    def block(self, block: Block) -> None:
        size, _ = self._font(block.style)
        if self.y > TOP:
            self.y += STYLES[block.style][3]
        if block.style in ("title", "heading"):
            self.out.headings.append((block.text, len(self.out.words)))
        space = self.pdf.get_string_width(" ")
        hanging = 10.0 if block.style == "item" else 0.0
        indent, width = 0.0, self.col_w
        line: list[str] = []
        starts: list[str] = []
        used = 0.0
        first, whole = True, True

        def flush(rest_of_word: bool = False) -> None:
            nonlocal line, starts, used, first, whole, indent, width
            self._place(" ".join(line), block.style, indent, starts, first, whole, width)
            line, starts, used, first, whole = [], [], 0.0, False, not rest_of_word
            indent, width = hanging, self.col_w - hanging

        words = block.text.split()
        for n, token in enumerate(words):
            piece, new_word = token, True
            while True:
                gap = space if line else 0.0
                w = self.pdf.get_string_width(piece)
                if used + gap + w <= width or not line:
                    line.append(piece)
                    used += gap + w
                    if new_word:
                        starts.append(token)
                    break
                cut = None
                if new_word and block.style in ("body", "item") and self.rng.random() < HYPHEN_RATE:
                    cut = self._hyphenate(piece, width - used - gap)
                if cut:
                    line.append(cut[0] + "-")
                    starts.append(token)
                    flush(rest_of_word=True)
                    piece, new_word = cut[1], False
                    continue
                flush()
            if n + 1 < len(words) and _ends_sentence(token) and words[n + 1][:1].isupper():
                self._sentence_after(token, line, starts)
        if line:
            self._place(" ".join(line), block.style, indent, starts, first, whole, width)
        if self.out.lines:
            self.out.lines[-1].last = True

    def _sentence_after(self, token: str, line: list[str], starts: list[str]) -> None:
        # the next source word starts a sentence: its index is the count of words placed so far
        # plus those waiting on the current line
        self.out.sentence_starts.append(len(self.out.words) + len(starts))


def _ends_sentence(token: str) -> bool:
    return token[-1:] in ".?!" and not re.fullmatch(r"(?:[A-Z]|art|n|M|Mme|MM|cf|etc)\.", token)


def typeset(blocks: list[Block], columns: int, seed: int, fonts: tuple[Path, Path | None]):
    """An :class:`~fpdf.FPDF` with ``blocks`` laid out (not yet written) and their :class:`Typeset`."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(fonts[0]))
    if fonts[1]:
        pdf.add_font("DejaVu", "B", str(fonts[1]))
    setter = Typesetter(pdf, columns, random.Random(seed), "DejaVu", fonts[1] is not None)
    for block in blocks:
        setter.block(block)
    setter.out.pages = setter.page
    setter.out.sentence_starts = sorted(set(setter.out.sentence_starts))
    return pdf, setter.out


def render(
    blocks: list[Block],
    out: Path,
    *,
    name: str,
    columns: int = 1,
    by_rows: bool = False,
    justified: bool = False,
    seed: int = 0,
    max_pages: int | None = None,
    fonts: tuple[Path, Path | None] | None = None,
) -> Typeset:
    """Write ``blocks`` to the PDF ``out`` (header « name — banc d'essai PDF », footer « Page n / N »)
    and return what was typeset (the words of each page, in reading order). ``by_rows``: the
    content stream of a two-column page runs row by row across the columns; ``justified``: the
    lines of a paragraph but its last end flush right, each word drawn on its own (as many
    PDF writers do)."""
    fonts = fonts or find_fonts()
    pdf, result = typeset(blocks, columns, seed, fonts)
    if max_pages and result.pages > max_pages:
        result.lines = [line for line in result.lines if line.page <= max_pages]
        n = sum(1 for _, page in result.words if page <= max_pages)
        result.words = result.words[:n]
        shown = result.lines[-1].text.split()[-1] if result.lines else ""
        if n and shown.endswith("-") and result.words[-1][0] != shown:  # « élé- » ends the last page
            result.words[-1] = (shown, result.words[-1][1])
        result.sentence_starts = [i for i in result.sentence_starts if i < n]
        result.wraps = [i for i in result.wraps if i + 1 < n]
        result.headings = [(text, i) for text, i in result.headings if i < n]
        result.pages = max_pages
    pdf.set_title(name)
    pdf.set_creation_date(CREATED)
    header = f"{name} — {HEADER_LABEL}"
    for page in range(1, result.pages + 1):
        pdf.add_page()
        pdf.set_font("DejaVu", "", 8)
        pdf.text(MARGIN_X, HEADER_Y, header)
        lines = [line for line in result.lines if line.page == page]
        if by_rows:
            lines.sort(key=lambda line: (round(line.baseline), line.x))
        for line in lines:
            bold, size, _, _ = STYLES[line.style]
            pdf.set_font("DejaVu", "B" if bold and fonts[1] else "", size)
            words = line.text.split()
            if not justified or line.last or line.style not in ("body", "item") or len(words) < 2:
                pdf.text(line.x, line.baseline, line.text)
                continue
            widths = [pdf.get_string_width(word) for word in words]
            space = max(0.0, (line.width - sum(widths)) / (len(words) - 1))
            x = line.x
            for word, width in zip(words, widths, strict=True):
                pdf.text(x, line.baseline, word)
                x += width + space
        pdf.set_font("DejaVu", "", 8)
        footer = FOOTER.format(page=page, pages=result.pages)
        pdf.text((PAGE_W - pdf.get_string_width(footer)) / 2, FOOTER_Y, footer)
    pdf.output(str(out))
    return result


# -- extractors ------------------------------------------------------------------------------------


def _pdfium_text_pages(path: Path, cap: int):
    """pdfium's own text of each page (``get_text_range``: the content stream's order)."""
    import pypdfium2 as pdfium

    from ingest.loaders import PDFIUM_LOCK, PdfPages

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(path))
        try:
            texts = []
            for index in range(len(pdf)):
                textpage = pdf[index].get_textpage()
                texts.append(textpage.get_text_range())  # its hyphen marks: clean_pdf_pages's
                textpage.close()
        finally:
            pdf.close()
    return PdfPages(texts)


_DOCLING = {}


def _docling_pages(path: Path, cap: int):
    """docling-parse's words of each page (no model: its PDF parser alone), made lines and put in
    reading order by the loader's :func:`ingest.loaders.page_text`."""
    from docling_parse.pdf_parser import DoclingPdfParser

    from ingest.loaders import PdfPages, TextLine, page_text

    parser = _DOCLING.setdefault("parser", DoclingPdfParser(loglevel="fatal"))
    doc = parser.load(path_or_stream=str(path))
    try:
        texts = []
        for _, page in doc.iterate_pages():
            lines = []
            for cell in page.word_cells:  # its line cells run across a gutter at times
                r = cell.rect
                xs, ys = (r.r_x0, r.r_x1, r.r_x2, r.r_x3), (r.r_y0, r.r_y1, r.r_y2, r.r_y3)
                bold = "bold" in (getattr(cell, "font_name", "") or "").lower()
                lines.append(TextLine(min(xs), min(ys), max(xs), max(ys), cell.text, bold=bold))
            texts.append(page_text(lines))
    finally:
        doc.unload()
    return PdfPages(texts)


def extractors() -> dict[str, str]:
    """Label -> key of ``ingest.loaders.PDF_EXTRACTORS`` (the script's own readers added there)."""
    from ingest import loaders

    loaders.PDF_EXTRACTORS.setdefault("pypdfium2-text", _pdfium_text_pages)
    found = {
        "pypdf (extract_text)": "pypdf",
        "pypdfium2 (get_text_range)": "pypdfium2-text",
        "pypdfium2 + layout (loader)": "pypdfium2",
    }
    if importlib.util.find_spec("docling_parse"):
        loaders.PDF_EXTRACTORS.setdefault("docling-parse", _docling_pages)
        found["docling-parse words + layout"] = "docling-parse"
    return found


# -- measurement ------------------------------------------------------------------------------------


@dataclass
class Score:
    matches: int = 0
    total: int = 0  # source words + extracted words
    furniture: int = 0
    sentences: int = 0
    page_right: int = 0
    wraps: int = 0
    wraps_left: int = 0
    headings: int = 0
    headings_alone: int = 0
    seconds: float = 0.0
    pages: int = 0
    docs: int = 0
    worst: tuple[float, str] = (1.0, "")

    def add(self, other: Score) -> None:
        for item in fields(self):
            if item.name != "worst":
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        self.worst = min(self.worst, other.worst)


def furniture_lines(text: str, header: str) -> int:
    """Lines holding the running header, a « Page n / N » footer or only a number."""
    return sum(
        1
        for line in text.split("\n")
        if header in line or HEADER_LABEL in line or FOOTER_PATTERN.search(line) or line.strip().isdigit()
    )


def score(doc, truth: Typeset, header: str, name: str) -> Score:
    source = [word for word, _ in truth.words]
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", doc.text)]
    found = [doc.text[s:e] for s, e in spans]
    matcher = SequenceMatcher(None, source, found, autojunk=False)
    to_found: dict[int, int] = {}
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            to_found[a + k] = b + k
    matches = sum(size for _, _, size in matcher.get_matching_blocks())
    starts = [page.start for page in doc.pages]

    def page_of(j: int) -> int | None:
        return doc.pages[max(0, bisect_right(starts, spans[j][0]) - 1)].number if doc.pages else None

    out = Score(matches=matches, total=len(source) + len(found), docs=1, pages=truth.pages)
    out.furniture = furniture_lines(doc.text, header)
    out.worst = (2 * matches / max(1, len(source) + len(found)), name)
    for i in truth.sentence_starts:
        out.sentences += 1
        j = next((to_found[k] for k in range(i, min(i + 3, len(source))) if k in to_found), None)
        k = next((k for k in range(i, min(i + 3, len(source))) if k in to_found), None)
        if j is not None and page_of(j) == truth.words[k][1]:
            out.page_right += 1
    starts_set = set(truth.sentence_starts)
    for i in truth.wraps:
        if i + 1 in starts_set or i not in to_found or i + 1 not in to_found:
            continue
        if truth.words[i][1] != truth.words[i + 1][1]:
            continue  # a sentence going on over the page: pages stay apart (a blank line between)
        j = to_found[i]
        if to_found[i + 1] != j + 1:
            continue
        out.wraps += 1
        out.wraps_left += "\n" in doc.text[spans[j][1] : spans[j + 1][0]]
    lines = {" ".join(line.split()) for line in doc.text.split("\n")}
    for heading, _ in truth.headings:
        out.headings += 1
        out.headings_alone += " ".join(heading.split()) in lines
    return out


MIN_CHARS = 6000  # a PDF holds at least this much text: two pages or more, so that its header repeats


def sources(max_docs: int) -> list[list[Path]]:
    """The texts typeset, in groups of one PDF each: the shared corpus's legal texts and the sample
    corpus's notes, alternated; short texts gathered until a PDF has two pages or more (a running
    header is found as a line repeated across pages: a one-page PDF has none to find)."""
    shared = sorted((SHARED_DIR / "train" / "corpus").glob("*.md"))
    sample = sorted(p for p in (ROOT / "sample_corpus").iterdir() if p.suffix in (".md", ".txt"))
    mixed: list[Path] = []
    while shared or sample:
        mixed.extend(shared[:5])
        shared = shared[5:]
        if sample:
            mixed.append(sample.pop(0))
    groups: list[list[Path]] = []
    size = MIN_CHARS
    for path in mixed:
        if size >= MIN_CHARS:
            groups.append([])
            size = 0
        groups[-1].append(path)
        size += path.stat().st_size
    return groups[:max_docs]


def run(max_docs: int, max_pages: int, layouts: tuple[str, ...], names: list[str] | None):
    from core.settings import Settings
    from ingest.loaders import load

    settings = Settings()  # read once: the time measured is the loader's
    fonts = find_fonts()
    readers = extractors()
    if names:
        readers = {label: key for label, key in readers.items() if key in names or label in names}
    results: dict[tuple[str, str], Score] = {}
    with tempfile.TemporaryDirectory() as folder:
        for n, group in enumerate(sources(max_docs)):
            blocks = [block for path in group for block in read_source(path)]
            path = group[0]
            name = short_name(path)
            header = f"{name} — {HEADER_LABEL}"
            for layout in layouts:
                pdf = Path(folder) / f"{path.stem}-{layout.replace(' ', '').replace(',', '-')}.pdf"
                truth = render(
                    blocks,
                    pdf,
                    name=name,
                    columns=2 if layout.startswith("2") else 1,
                    by_rows=layout.endswith("rows"),
                    justified="justified" in layout,
                    seed=n,
                    max_pages=max_pages,
                    fonts=fonts,
                )
                for label, key in readers.items():
                    started = time.perf_counter()
                    doc = load(pdf, settings, pdf_extractor=key)
                    seconds = time.perf_counter() - started
                    got = score(doc, truth, header, path.name)
                    got.seconds = seconds
                    results.setdefault((label, layout), Score()).add(got)
    return results, readers, layouts


def table(results: dict[tuple[str, str], Score], readers, layouts) -> list[str]:
    rows = [
        "| extractor | layout | PDFs | pages | similarity (words) | worst doc | furniture lines | "
        "page right | wraps left | headings alone | ms/page |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in readers:
        for layout in layouts:
            s = results.get((label, layout))
            if not s:
                continue
            rows.append(
                f"| {label} | {layout} | {s.docs} | {s.pages} | {2 * s.matches / max(1, s.total):.4f} | "
                f"{s.worst[0]:.4f} | {s.furniture} | {s.page_right / max(1, s.sentences):.4f} | "
                f"{s.wraps_left / max(1, s.wraps):.3f} | {s.headings_alone / max(1, s.headings):.3f} | "
                f"{1000 * s.seconds / max(1, s.pages):.1f} |"
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-docs", type=int, default=40, help="PDFs made (default 40: all the texts)")
    parser.add_argument("--max-pages", type=int, default=6, help="pages kept of each PDF (default 6)")
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=LAYOUTS)
    parser.add_argument("--extractors", nargs="+", help="keys or labels (default: all found)")
    parser.add_argument("--out", type=Path, help="write the table as Markdown (e.g. docs/pdf_fidelity.md)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results, readers, layouts = run(args.max_docs, args.max_pages, tuple(args.layouts), args.extractors)
    rows = table(results, readers, layouts)
    print("\n".join(rows))
    elapsed = time.perf_counter() - started
    print(f"\n{elapsed:.0f} s")
    if args.out:
        command = "scripts/pdf_fidelity.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_markdown(args.out, rows, command.strip(), elapsed)
    return 0


def write_markdown(out: Path, rows: list[str], command: str, elapsed: float) -> None:
    text = MARKDOWN.format(command=command, table="\n".join(rows), elapsed=f"{elapsed:.0f}")
    out.write_text(text, encoding="utf-8")


MARKDOWN = """# PDF fidelity: the text of a PDF as it reads

Known texts typeset into PDFs (`scripts/pdf_fidelity.py`): the shared corpus's legal texts and the
sample corpus's notes (36 texts; short ones gathered until a PDF has two pages or more), DejaVu Sans,
a running header (the text's short name, « banc d'essai PDF ») and a footer « Page n / N » on every
page, long words hyphenated at line ends, headings in bold. Layouts: one column; one column
justified, each word drawn on its own; two columns written column by column; two columns whose
content stream runs row by row across both columns (same page, another order in the file). Each
PDF is read by `ingest.loaders.load(path, pdf_extractor=…)`: every extractor goes through the same
cleaning (`ingest.clean.clean_pdf_pages`: furniture, hyphenation, wrapped lines).

{table}

- **similarity (words)**: `difflib.SequenceMatcher` ratio between the source words and the words of
  the loaded text (whitespace-split, all PDFs of the row pooled: 2·matches / total words; target
  ≥ 0.99); **worst doc**: the lowest ratio of one PDF.
- **furniture lines**: lines of the loaded text holding the running header, a « Page n / N » or only a
  number (target 0).
- **page right**: share of the source sentences (split after « . », « ? », « ! » before a capital, and
  at every block end) whose first word is found on its true page through `Document.pages` (target 1).
- **wraps left**: share of the line breaks typeset inside a sentence (on one page) that are still a
  line break in the text; those left are after « : » or « ; », kept on purpose.
- **headings alone**: share of the headings that are a line of their own in the text.
- **ms/page**: time of `load` (extraction and cleaning) per page, one core.

Extractors: *pypdf* `extract_text` (the content stream's order); *pypdfium2* `get_text_range`
(pdfium's own text, the content stream's order); *pypdfium2 + layout*, the loader's reader: pdfium's
characters and their boxes, made lines and put in reading order by `ingest.loaders.page_text`
(columns found by their gutter, a blank line where a paragraph ends: a wider gap, another font size
or weight, room left for the next word); *docling-parse words + layout*: docling-parse's word cells
through the same `page_text` (its PDF parser alone, no model; its line cells run across the gutter
at times, and it writes « ― » and « — » as « - »).

One-off figures, 2026-12-06, commit `HEAD`, produced by `.venv/bin/python {command}` ({elapsed} s on
one core of this machine).
"""


if __name__ == "__main__":
    raise SystemExit(main())
