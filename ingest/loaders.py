"""Read a file into a :class:`Document`: one loader per format, one error type.

Every loader returns cleaned text; PDF pages keep their numbers. A file that
cannot be used raises :class:`LoadError` with a reason in French; a file that is
usable only in part (text cut at the cap, unreadable PDF pages) loads with a
note in ``Document.warnings``.

Memory stays bounded whatever the file size: at most ``max_text_bytes(settings)`` of a
text or HTML file is read (20 MB by default, ``ASSISTANT_MAX_TEXT_MB`` to change
it), and PDF pages and DOCX paragraphs stop being extracted once that much text is
gathered. A DOCX (a zip of XML parts) is first measured against the limits of
:mod:`ingest.archive` (unpacked size, parts, XML elements, paragraphs), before
python-docx unpacks anything: a zip bomb is a ``LoadError`` naming the limit.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.documents import SUPPORTED_EXTENSIONS
from core.settings import Settings, get_settings, limit
from core.text.numbers import french_megabytes
from ingest.clean import clean_pdf_pages, clean_text
from ingest.document import Document, Page
from ingest.header import lift_header

MAX_TEXT_BYTES = int(Settings.model_fields["max_text_mb"].default * 1024 * 1024)  # the default cap
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


class LoadError(Exception):
    """A file could not be turned into text; ``str(err)`` is the reason for the user."""


def max_text_bytes(settings: Settings) -> int:
    """The cap on text read from one file: ``Settings.max_text_mb`` (``ASSISTANT_MAX_TEXT_MB``)."""
    return int(limit(settings, "max_text_mb") * 1024 * 1024)


def load(path: Path, settings: Settings | None = None, *, pdf_extractor: str | None = None) -> Document:
    """``path`` as a clean :class:`Document` (settings: the limits; default, the environment's;
    ``pdf_extractor``: a key of :data:`PDF_EXTRACTORS`, default :data:`PDF_EXTRACTOR`; the
    measurement of scripts/pdf_fidelity.py reads with each)."""
    if pdf_extractor is not None and pdf_extractor not in PDF_EXTRACTORS:
        raise ValueError(f"unknown PDF extractor {pdf_extractor!r} (known: {', '.join(PDF_EXTRACTORS)})")
    settings = settings or get_settings()
    cap = max_text_bytes(settings)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise LoadError(f"format non pris en charge ({suffix or 'sans extension'})")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"fichier illisible ({exc.strerror or exc})") from exc
    if size == 0:
        raise LoadError("fichier vide (0 octet)")
    try:
        if suffix == ".pdf":
            doc = _load_pdf(path, cap, pdf_extractor)
        elif suffix in {".html", ".htm"}:
            html, notes = _read_text(path, cap)
            doc = _single_page(path, _html_to_markdown(html))
            doc.warnings.extend(notes)
        elif suffix == ".docx":
            doc = _load_docx(path, settings, cap)
        else:
            doc = _load_text(path, cap)
    except LoadError:
        raise
    except PermissionError as exc:
        raise LoadError("permission refusée à la lecture") from exc
    except OSError as exc:
        raise LoadError(f"fichier illisible ({exc.strerror or exc})") from exc
    except Exception as exc:  # a broken file in any library: report it, never crash the run
        import zipfile

        if suffix == ".docx" and not zipfile.is_zipfile(path):
            raise LoadError(
                "document Word corrompu ou d'un autre type (ce n'est pas une archive .docx)"
            ) from exc
        raise LoadError(f"fichier corrompu ou illisible ({type(exc).__name__}: {exc})"[:300]) from exc
    doc = lift_header(doc)
    if len(doc.text.strip()) < 20:
        raise LoadError("aucun texte exploitable (document vide, image sans couche texte ?)")
    return doc


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _read_text(path: Path, cap: int) -> tuple[str, list[str]]:
    """Decode a text file, capped at ``cap`` bytes; returns the text and notes for the user.

    Encodings: a byte-order mark (UTF-8, UTF-16, UTF-32: Windows "Unicode" text), then
    UTF-8, then cp1252 (Windows French, a superset of latin-1 for letters), then latin-1.
    A file that is UTF-8 but for a few stray bytes stays UTF-8 (the stray bytes become "\ufffd").
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        raw = handle.read(cap + 1)
    notes = []
    if len(raw) > cap:  # cut at a line end, else a space, so that no word or character is split
        cut = raw.rfind(b"\n", cap // 2, cap)
        if cut <= 0:
            cut = raw.rfind(b" ", cap // 2, cap)
        raw = raw[: cut if cut > 0 else cap]
        notes.append(
            f"texte tronqué : {french_megabytes(len(raw))} indexés sur {french_megabytes(size)} "
            f"(plafond de {french_megabytes(cap)} par fichier)"
        )
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            if encoding != "utf-8-sig" and len(raw) % (4 if encoding == "utf-32" else 2):
                raw = raw[: len(raw) - len(raw) % (4 if encoding == "utf-32" else 2)]
            return raw.decode(encoding, errors="replace"), notes
    if _looks_binary(raw):
        raise LoadError("contenu binaire, pas du texte")
    return _decode_8bit(raw, truncated=bool(notes)), notes


def _decode_8bit(raw: bytes, truncated: bool = False) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data":
            return raw[: exc.start].decode("utf-8", errors="replace")  # a character cut by the cap
    as_utf8 = raw.decode("utf-8", errors="replace")
    stray = as_utf8.count("\ufffd")
    well_formed = sum(1 for ch in as_utf8 if ord(ch) > 127) - stray
    if well_formed >= 20 * stray:  # UTF-8 with a few broken bytes, not a legacy 8-bit file
        return as_utf8
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if controls / len(sample) > 0.05:
        return True
    try:
        sample.decode("utf-8")
        return False
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:
            return False
    # not UTF-8: legacy 8-bit text is plausible if most bytes are printable ASCII
    ascii_printable = sum(1 for b in sample if 32 <= b < 127 or b in (9, 10, 13))
    return ascii_printable / len(sample) < 0.75


def split_front_matter(text: str) -> tuple[dict, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[match.end() :]


def _load_text(path: Path, cap: int) -> Document:
    text, notes = _read_text(path, cap)
    meta, body = split_front_matter(text)
    doc = _single_page(path, body)
    doc.metadata.update({k: v for k, v in meta.items() if v is not None})
    doc.warnings.extend(notes)
    return doc


def _single_page(path: Path, text: str) -> Document:
    text = clean_text(text)
    return Document(path=path, text=text, pages=[Page(None, 0, len(text))])


def _pdf_problem(path: Path) -> str:
    """Why pypdf could not read ``path``, in words a user can act on."""
    with path.open("rb") as handle:
        head = handle.read(1024)
        handle.seek(max(0, path.stat().st_size - 2048))
        tail = handle.read()
    if b"%PDF-" not in head:
        return "ce n'est pas un PDF (en-tête %PDF absent : fichier d'un autre type ou endommagé)"
    if b"%%EOF" not in tail:
        return "PDF tronqué (fichier incomplet : copie ou téléchargement interrompu ?)"
    return "PDF corrompu (structure illisible)"


# -- PDF ----------------------------------------------------------------------------------------
# An extractor reads a PDF into :class:`PdfPages` (each page's lines in reading order); every
# extractor's pages then go through the same cleaning (:func:`ingest.clean.clean_pdf_pages`).
# pypdfium2 reads best (scripts/pdf_fidelity.py, docs/pdf_fidelity.md): it gives each line its
# position, font size and weight, from which the columns, paragraphs and headings are found;
# pypdf reads the file's content stream in its order (a two-column page whose stream runs across
# the columns comes out line by line across them).
PDF_EXTRACTOR = "pypdfium2"
# PDFium is not thread-safe, not even on distinct documents: every pdfium call of the process
# (this loader, the page viewer) must hold this lock.
PDFIUM_LOCK = threading.RLock()


@dataclass
class PdfPages:
    """What an extractor read: each page's text (lines in reading order, paragraphs apart by a
    blank line), notes for the user (pages lost, text cut at the cap), the file's title and date."""

    texts: list[str]
    notes: list[str] = field(default_factory=list)
    title: str | None = None
    created: date | None = None


@dataclass(frozen=True)
class TextLine:
    """A line of text on a page, in PDF points (origin bottom left): its box, its baseline, the size
    and weight of its first character's font (None when the extractor does not say)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    baseline: float | None = None
    size: float | None = None
    bold: bool = False

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)


def _load_pdf(path: Path, cap: int, extractor: str | None = None) -> Document:
    pdf = PDF_EXTRACTORS[extractor or PDF_EXTRACTOR](path, cap)
    texts, furniture = clean_pdf_pages(pdf.texts)
    parts: list[str] = []
    pages: list[Page] = []
    offset = 0
    for number, text in enumerate(texts, start=1):
        if not text:
            continue
        if parts:
            offset += 2  # the "\n\n" joining pages
        pages.append(Page(number, offset, offset + len(text)))
        parts.append(text)
        offset += len(text)
    doc = Document(path=path, text="\n\n".join(parts), pages=pages, warnings=pdf.notes)
    if pdf.title and pdf.title.strip():
        doc.metadata["title"] = pdf.title.strip()
    if pdf.created:
        doc.metadata["file_date"] = pdf.created
    if furniture:
        doc.metadata["page_furniture"] = furniture  # running headers and footers, page numbers as « n »
    return doc


def _cap_note(done: int, total: int, cap: int) -> str:
    return f"texte tronqué : {done} pages sur {total} indexées (plafond de {french_megabytes(cap)} de texte)"


def _lost_note(lost: list[int]) -> str:
    listed = ", ".join(map(str, lost[:10])) + ("…" if len(lost) > 10 else "")
    return f"{len(lost)} page(s) illisible(s) ignorée(s) : {listed}"


_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def _pdf_date(value: str | None) -> date | None:
    """The day of a PDF date string (« D:20240603090000Z »), or None when it is missing or malformed."""
    match = _PDF_DATE.match((value or "").strip())
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1))
    except ValueError:
        return None


def _pdfium_pages(path: Path, cap: int) -> PdfPages:
    """The pages of ``path`` read by pypdfium2: positioned lines put in reading order (:func:`page_text`)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            if code in (4, 5):  # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY
                raise LoadError("PDF chiffré (protégé par mot de passe)") from exc
            if code == 2:  # FPDF_ERR_FILE
                raise LoadError("fichier illisible (ouverture refusée)") from exc
            raise LoadError(_pdf_problem(path)) from exc
        try:
            meta = _quietly(pdf.get_metadata_dict) or {}
            out = PdfPages([], title=meta.get("Title") or None, created=_pdf_date(meta.get("CreationDate")))
            total, lost, count = 0, [], len(pdf)
            for index in range(count):
                if total > cap:
                    out.notes.append(_cap_note(index, count, cap))
                    break
                try:
                    lines = _pdfium_lines(pdf, index)
                except pdfium.PdfiumError:  # one broken page does not lose the others
                    lines = []
                    lost.append(index + 1)
                text = page_text(lines)
                out.texts.append(text)
                total += len(text)
        finally:
            pdf.close()
    if lost:
        out.notes.append(_lost_note(lost))
    return out


# pdfium's marks of a hyphen ending a line (a soft hyphen in the file, a hyphen it reads as one)
_PDFIUM_HYPHENS = (0x02, 0xFFFE)


def _pdfium_lines(pdf, index: int) -> list[TextLine]:
    """The runs of characters on page ``index``, in the file's order: a run ends at a line break
    pdfium finds, where the next character sits on another line or beyond a word space or two
    (across a gutter). Boxes are pdfium's loose character boxes (the font's ascent to descent, the
    same height for every letter of a line); each run has the size and weight of its first
    character's font. Characters are read one by one: pdfium's own text rectangles, read back with
    ``get_text_bounded``, cost a pass over the page for each (a page drawn word by word has hundreds)
    and take in the accents of the line below where lines are tight."""
    import ctypes

    import pypdfium2.raw as raw

    page = pdf[index]
    textpage = page.get_textpage()
    try:
        tp = textpage.raw
        unicode_at, box_at = raw.FPDFText_GetUnicode, raw.FPDFText_GetLooseCharBox
        box = raw.FS_RECTF()
        pbox = ctypes.byref(box)
        runs: list[list] = []  # [characters, x0, y0, x1, y1, index of the first]
        run: list | None = None
        for i in range(raw.FPDFText_CountChars(tp)):
            code = unicode_at(tp, i)
            if code in (10, 13):
                run = None  # a line break
                continue
            char = "-" if code in _PDFIUM_HYPHENS else chr(code)
            if char.isspace() or not box_at(tp, i, pbox) or box.right <= box.left:
                if run is not None and not (char.isspace() and run[0][-1] == " "):
                    run[0].append(" " if char.isspace() else char)
                continue
            x0, x1, y0, y1 = box.left, box.right, box.bottom, box.top
            if run is not None:
                height = run[4] - run[2]
                same_line = min(y1, run[4]) - max(y0, run[2]) >= 0.6 * min(y1 - y0, height)
                if same_line and -0.3 * height <= x0 - run[3] <= 1.2 * height:
                    run[0].append(char)
                    run[3], run[2], run[4] = max(run[3], x1), min(run[2], y0), max(run[4], y1)
                    continue
            run = [[char], x0, y0, x1, y1, i]
            runs.append(run)
        lines = []
        for chars, x0, y0, x1, y1, first in runs:
            size = raw.FPDFText_GetFontSize(tp, first) or None
            bold = raw.FPDFText_GetFontWeight(tp, first) >= 600
            lines.append(TextLine(x0, y0, x1, y1, "".join(chars), None, size, bold))
        return lines
    finally:
        textpage.close()
        page.close()


def _pypdf_pages(path: Path, cap: int) -> PdfPages:
    """The pages of ``path`` read by pypdf's ``extract_text`` (the content stream's order)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    # pypdf logs every repair it attempts ("EOF marker not found"...): the one message the
    # user gets is the reason in the ingest summary
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise LoadError("PDF chiffré (protégé par mot de passe)")
            except LoadError:
                raise
            except DependencyError as exc:
                raise LoadError(
                    "PDF chiffré (chiffrement AES : protégé par mot de passe ou module "
                    "« cryptography » absent)"
                ) from exc
            except Exception as exc:
                raise LoadError("PDF chiffré (protégé par mot de passe)") from exc
        pages_in = reader.pages
        out = PdfPages([])
        lost, total = [], 0
        for number in range(1, len(pages_in) + 1):
            if total > cap:
                out.notes.append(_cap_note(number - 1, len(pages_in), cap))
                break
            try:
                text = pages_in[number - 1].extract_text() or ""
            except (FileNotDecryptedError, LoadError):
                raise
            except Exception:  # one broken page does not lose the others
                text = ""
                lost.append(number)
            out.texts.append(text)
            total += len(text)
        if lost:
            out.notes.append(_lost_note(lost))
        info_title = (reader.metadata or {}).get("/Title") if reader.metadata else None
        out.title = str(info_title) if info_title else None
        created = _quietly(lambda: reader.metadata.creation_date) if reader.metadata else None
        out.created = created.date() if created else None
    except FileNotDecryptedError as exc:
        raise LoadError("PDF chiffré (protégé par mot de passe)") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError) as exc:
        raise LoadError(_pdf_problem(path)) from exc
    return out


PDF_EXTRACTORS: dict[str, Callable[[Path, int], PdfPages]] = {
    "pypdfium2": _pdfium_pages,
    "pypdf": _pypdf_pages,
}


# -- reading order --------------------------------------------------------------------------------


def page_text(lines: list[TextLine]) -> str:
    """The text of a page from its positioned lines: fragments of one line merged, columns read one
    after the other, a blank line between paragraphs (a wider line gap, a change of font size or
    weight, a line ending where the next word would have fitted), a line break between the lines of
    a paragraph (:func:`ingest.clean.join_wrapped_lines` then joins them where a sentence wraps)."""
    rows = _merge_fragments([line for line in lines if line.text.strip()])
    if not rows:
        return ""
    columns = _columns(rows)
    return _with_breaks(columns)


def _overlap(a: TextLine, b: TextLine) -> float:
    """The vertical overlap of two lines, as a share of the smaller one's height."""
    return (min(a.y1, b.y1) - max(a.y0, b.y0)) / min(a.height, b.height)


def _merge_fragments(lines: list[TextLine]) -> list[TextLine]:
    """Fragments on the same line and close together (a run of another font, a page number drawn
    apart) made one line; fragments further apart than a word space or two (across a gutter) stay
    apart."""
    rows: list[TextLine] = []
    for frag in sorted(lines, key=lambda line: line.x0):
        size = frag.size or frag.height
        for n, row in enumerate(rows):
            gap = frag.x0 - row.x1
            if -0.3 * size <= gap <= 1.2 * size and _overlap(row, frag) >= 0.5:
                glue = (
                    ""
                    if row.text.endswith((" ", "\t")) or frag.text.startswith(" ") or gap < 0.12 * size
                    else " "
                )
                rows[n] = TextLine(
                    row.x0,
                    min(row.y0, frag.y0),
                    frag.x1,
                    max(row.y1, frag.y1),
                    row.text + glue + frag.text,
                    row.baseline,
                    row.size,
                    row.bold,
                )
                break
        else:
            rows.append(frag)
    return rows


def _top_down(lines: list[TextLine]) -> list[TextLine]:
    return sorted(
        lines, key=lambda line: (-(line.baseline if line.baseline is not None else line.y0), line.x0)
    )


def _columns(lines: list[TextLine], depth: int = 0) -> list[list[TextLine]]:
    """``lines`` as runs read top down, in reading order: where a gutter splits the lines, each band
    between lines that cross it is read left side then right side (each side split again, for three
    columns), a line crossing the gutter (a title, a page footer) on its own."""
    ordered = _top_down(lines)
    gutter = _gutter(ordered) if depth < 3 else None
    if gutter is None:
        return [ordered]
    runs: list[list[TextLine]] = []
    left: list[TextLine] = []
    right: list[TextLine] = []

    def close_band() -> None:
        for side in (left, right):
            if side:
                runs.extend(_columns(side, depth + 1))
            side.clear()

    for line in ordered:
        if line.x1 <= gutter:
            left.append(line)
        elif line.x0 >= gutter:
            right.append(line)
        else:
            close_band()
            runs.append([line])
    close_band()
    return runs


def _gutter(lines: list[TextLine]) -> float | None:
    """The x of a vertical strip of white between columns, or None: crossed by few lines (titles,
    headers, footers), with at least two lines on each side, each side a good part of the width,
    in the middle of the lines' extent."""
    if len(lines) < 6:
        return None
    lo, hi = min(line.x0 for line in lines), max(line.x1 for line in lines)
    width = hi - lo
    size = sorted(line.size or line.height for line in lines)[len(lines) // 2]
    best = None
    for cand in sorted({line.x1 for line in lines}):
        if not lo + 0.25 * width <= cand <= hi - 0.25 * width:
            continue
        left = [line for line in lines if line.x1 <= cand + 0.01]
        right = [line for line in lines if line.x0 > cand]
        if len(left) < 2 or len(right) < 2:
            continue
        white = min(line.x0 for line in right) - cand
        crossing = len(lines) - len(left) - len(right)
        if white < 0.8 * size or crossing > 0.2 * len(lines):
            continue
        if (
            max(line.x1 for line in left) - lo < 0.25 * width
            or hi - min(line.x0 for line in right) < 0.25 * width
        ):
            continue
        score = (crossing, -white)
        if best is None or score < best[0]:
            best = (score, cand + white / 2)
    return best[1] if best else None


def _pitch(a: TextLine, b: TextLine) -> float:
    """The distance from line ``a`` down to line ``b`` (baselines, else the lower of top and bottom)."""
    if a.baseline is not None and b.baseline is not None:
        return a.baseline - b.baseline
    return min(a.y1 - b.y1, a.y0 - b.y0)


def _with_breaks(runs: list[list[TextLine]]) -> str:
    """The runs' lines as text: a blank line where a paragraph ends, a line break elsewhere."""
    spacings = sorted(
        p / (a.size or a.height)
        for run in runs
        for a, b in zip(run, run[1:], strict=False)
        if (p := _pitch(a, b)) > 0.5 * (a.size or a.height)
    )
    usual = spacings[len(spacings) // 2] if spacings else None  # line spacing, in font sizes
    out: list[str] = []
    for run in runs:
        ends = sorted(line.x1 for line in run)
        right = ends[(4 * len(ends)) // 5]  # the column's right edge: a long word may overflow it
        for n, line in enumerate(run):
            text = " ".join(line.text.split())
            if n == 0:
                if out:
                    out.append("\n")  # a new column or band: the sentence may go on
                out.append(text)
                continue
            before = run[n - 1]
            out.append("\n\n" if _paragraph_break(before, line, usual, right) else "\n")
            out.append(text)
    return "".join(out)


def _paragraph_break(a: TextLine, b: TextLine, usual: float | None, right: float) -> bool:
    """Whether line ``b``, under ``a`` in a column whose lines end about ``right``, starts a
    paragraph: another font size or weight, a wider gap than the page's usual line spacing
    (``usual``, in font sizes), or room left on ``a`` for ``b``'s first word."""
    size_a, size_b = a.size or a.height, b.size or b.height
    if a.bold != b.bold or abs(size_a - size_b) > 0.12 * max(size_a, size_b):
        return True
    if usual and _pitch(a, b) / size_a > 1.3 * usual:
        return True
    words = b.text.split()
    if not words or words[0][0].islower() or re.search(r"\w-\s*$", a.text):
        return False  # a sentence going on, a word hyphenated: whatever the room left on line a
    first = (b.x1 - b.x0) * len(words[0]) / max(len(b.text.strip()), 1)  # width of b's first word
    return a.x1 + 1.35 * first + size_b < right  # it would have fitted on line a: a ends there


def _quietly(read):
    """A value of a file's own metadata, or None when it is missing or malformed."""
    try:
        return read()
    except Exception:  # a malformed date in a file's metadata is no date, never a failed file
        return None


# Page furniture and code: never text of the document.
HTML_DROP_TAGS = [
    "script",
    "style",
    "nav",
    "header",
    "footer",
    "aside",
    "noscript",
    "form",
    "iframe",
    "svg",
    "button",
    "template",
]


def drop_page_furniture(soup) -> None:
    """Remove from a parsed HTML page what is never the document's text (``HTML_DROP_TAGS``, navigation,
    hidden parts): the loader and the gold-set validator read pages the same way."""
    for tag in soup(HTML_DROP_TAGS):
        tag.decompose()
    for tag in soup.select('[role="navigation"], [aria-hidden="true"]'):
        tag.decompose()


def _html_to_markdown(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    drop_page_furniture(soup)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    body = soup.body or soup
    for level in range(1, 7):
        for tag in body.find_all(f"h{level}"):
            tag.replace_with(f"\n\n{'#' * level} {tag.get_text(' ', strip=True)}\n\n")
    for tag in body.find_all("li"):
        tag.replace_with(f"\n- {tag.get_text(' ', strip=True)}\n")
    for tag in body.find_all(["p", "div", "section", "article", "table", "tr", "ul", "ol", "blockquote"]):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    for tag in body.find_all("br"):
        tag.replace_with("\n")
    text = body.get_text("")
    if title and title not in text[:500]:
        text = f"# {title}\n\n{text}"
    return text


def _load_docx(path: Path, settings: Settings, cap: int) -> Document:
    """A Word file, once its zip is known to be within the limits (:mod:`ingest.archive`)."""
    from ingest.archive import ArchiveLimits, ArchiveRejected, check_archive

    try:
        check_archive(path, ArchiveLimits.from_settings(settings))
    except ArchiveRejected as exc:
        raise LoadError(str(exc)) from exc
    text, notes, created = _docx_to_markdown(path, cap)
    doc = _single_page(path, text)
    doc.warnings.extend(notes)
    if created:
        doc.metadata["file_date"] = created.date()
    return doc


def _docx_to_markdown(path: Path, cap: int) -> tuple[str, list[str], object]:
    """The paragraphs of a Word file as Markdown, capped at ``cap`` bytes of text; (text, notes,
    the file's creation date or None)."""
    import docx

    out: list[str] = []
    styles: dict = {}  # style id -> name: python-docx looks a style up among all styles at every call
    document = docx.Document(str(path))
    paragraphs = document.paragraphs
    created = _quietly(lambda: document.core_properties.created)
    total = 0
    for number, para in enumerate(paragraphs, start=1):
        text = para.text.strip()
        if not text:
            continue
        total += len(text.encode("utf-8")) + 2
        if total > cap:
            out.append(_cut_utf8(text, len(text.encode("utf-8")) - (total - cap)))
            notes = [
                f"texte tronqué : {number} paragraphes sur {len(paragraphs)} indexés "
                f"(plafond de {french_megabytes(cap)} de texte)"
            ]
            return "\n\n".join(part for part in out if part), notes, created
        key = para._p.style  # the style id of its w:p element (python-docx); None: the default style
        if key not in styles:
            styles[key] = (para.style.name or "").lower() if para.style is not None else ""
        style = styles[key]
        if style.startswith("heading") or style.startswith("titre"):
            level = int(re.sub(r"\D", "", style) or 1)
            out.append(f"{'#' * min(level, 6)} {text}")
        elif style == "title":
            out.append(f"# {text}")
        elif "list" in style or "liste" in style:
            out.append(f"- {text}")
        else:
            out.append(text)
    return "\n\n".join(out), [], created


def _cut_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, at a space when there is one in its second half."""
    if limit <= 0:
        return ""
    cut = text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    space = cut.rfind(" ", len(cut) // 2)
    return cut[:space] if space > 0 else cut
