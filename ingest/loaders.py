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
from pathlib import Path

from core.documents import SUPPORTED_EXTENSIONS
from core.settings import Settings, get_settings, limit
from core.text.numbers import french_megabytes
from ingest.clean import clean_text, drop_furniture, repeated_furniture
from ingest.document import Document, Page
from ingest.header import lift_header

MAX_TEXT_BYTES = int(Settings.model_fields["max_text_mb"].default * 1024 * 1024)  # the default cap
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


class LoadError(Exception):
    """A file could not be turned into text; ``str(err)`` is the reason for the user."""


def max_text_bytes(settings: Settings) -> int:
    """The cap on text read from one file: ``Settings.max_text_mb`` (``ASSISTANT_MAX_TEXT_MB``)."""
    return int(limit(settings, "max_text_mb") * 1024 * 1024)


def load(path: Path, settings: Settings | None = None) -> Document:
    """``path`` as a clean :class:`Document` (settings: the limits; default, the environment's)."""
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
            doc = _load_pdf(path, cap)
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


def _load_pdf(path: Path, cap: int) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    # pypdf logs every repair it attempts ("EOF marker not found"...): the one message the
    # user gets is the reason in the ingest summary
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    notes: list[str] = []
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
        raw_pages, lost, total = [], [], 0
        for number in range(1, len(pages_in) + 1):
            if total > cap:
                notes.append(
                    f"texte tronqué : {number - 1} pages sur {len(pages_in)} indexées "
                    f"(plafond de {french_megabytes(cap)} de texte)"
                )
                break
            try:
                text = pages_in[number - 1].extract_text() or ""
            except (FileNotDecryptedError, LoadError):
                raise
            except Exception:  # one broken page does not lose the others
                text = ""
                lost.append(number)
            raw_pages.append(text)
            total += len(text)
        if lost:
            listed = ", ".join(map(str, lost[:10])) + ("…" if len(lost) > 10 else "")
            notes.append(f"{len(lost)} page(s) illisible(s) ignorée(s) : {listed}")
        info_title = (reader.metadata or {}).get("/Title") if reader.metadata else None
        created = _quietly(lambda: reader.metadata.creation_date) if reader.metadata else None
    except FileNotDecryptedError as exc:
        raise LoadError("PDF chiffré (protégé par mot de passe)") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError) as exc:
        raise LoadError(_pdf_problem(path)) from exc
    furniture = repeated_furniture(raw_pages)
    parts: list[str] = []
    pages: list[Page] = []
    offset = 0
    for number, raw in enumerate(raw_pages, start=1):
        text = clean_text(drop_furniture(raw, furniture), markdown=False)
        if not text:
            continue
        if parts:
            offset += 2  # the "\n\n" joining pages
        pages.append(Page(number, offset, offset + len(text)))
        parts.append(text)
        offset += len(text)
    doc = Document(path=path, text="\n\n".join(parts), pages=pages, warnings=notes)
    if info_title and str(info_title).strip():
        doc.metadata["title"] = str(info_title).strip()
    if created:
        doc.metadata["file_date"] = created.date()
    return doc


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
