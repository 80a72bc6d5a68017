"""Read a file into a :class:`Document`: one loader per format, one error type.

Every loader returns cleaned text; PDF pages keep their numbers. A file that
cannot be used raises :class:`LoadError` with a reason in French.
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.clean import clean_text, drop_furniture, repeated_furniture
from ingest.document import Document, Page

SUPPORTED = {".pdf", ".txt", ".md", ".markdown", ".html", ".htm", ".docx"}
MAX_TEXT_BYTES = 20 * 1024 * 1024  # larger text files are read up to this cap (memory stays bounded)
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


class LoadError(Exception):
    """A file could not be turned into text; ``str(err)`` is the reason for the user."""


def load(path: Path) -> Document:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"format non pris en charge ({suffix or 'sans extension'})")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"fichier illisible ({exc.strerror or exc})") from exc
    if size == 0:
        raise LoadError("fichier vide (0 octet)")
    try:
        if suffix == ".pdf":
            doc = _load_pdf(path)
        elif suffix in {".html", ".htm"}:
            doc = _single_page(path, _html_to_markdown(_read_text(path)))
        elif suffix == ".docx":
            doc = _single_page(path, _docx_to_markdown(path))
        else:
            doc = _load_text(path)
    except LoadError:
        raise
    except PermissionError as exc:
        raise LoadError("permission refusée à la lecture") from exc
    except OSError as exc:
        raise LoadError(f"fichier illisible ({exc.strerror or exc})") from exc
    except Exception as exc:  # a broken file in any library: report it, never crash the run
        raise LoadError(f"fichier corrompu ou illisible ({type(exc).__name__}: {exc})"[:300]) from exc
    if len(doc.text.strip()) < 20:
        raise LoadError("aucun texte exploitable (document vide, image sans couche texte ?)")
    return doc


def _read_text(path: Path) -> str:
    """Decode a text file (UTF-8, then cp1252, then latin-1), capped at MAX_TEXT_BYTES."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_TEXT_BYTES + 1)
    if len(raw) > MAX_TEXT_BYTES:  # cut at a line end so no character is split
        cut = raw.rfind(b"\n", 0, MAX_TEXT_BYTES)
        raw = raw[: cut if cut > 0 else MAX_TEXT_BYTES]
    if _looks_binary(raw):
        raise LoadError("contenu binaire, pas du texte")
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
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
    return (meta if isinstance(meta, dict) else {}), text[match.end():]


def _load_text(path: Path) -> Document:
    meta, body = split_front_matter(_read_text(path))
    doc = _single_page(path, body)
    doc.metadata.update({k: v for k, v in meta.items() if v is not None})
    return doc


def _single_page(path: Path, text: str) -> Document:
    text = clean_text(text)
    return Document(path=path, text=text, pages=[Page(None, 0, len(text))])


def _load_pdf(path: Path) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise LoadError("PDF chiffré (protégé par mot de passe)")
            except LoadError:
                raise
            except Exception as exc:
                raise LoadError("PDF chiffré (protégé par mot de passe)") from exc
        raw_pages = [page.extract_text() or "" for page in reader.pages]
        info_title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    except PdfReadError as exc:
        raise LoadError(f"PDF corrompu ou tronqué ({exc})"[:300]) from exc
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
    doc = Document(path=path, text="\n\n".join(parts), pages=pages)
    if info_title and str(info_title).strip():
        doc.metadata["title"] = str(info_title).strip()
    return doc


_DROP_TAGS = ["script", "style", "nav", "header", "footer", "aside", "noscript", "form", "iframe", "svg", "button"]


def _html_to_markdown(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for tag in soup.select('[role="navigation"], [aria-hidden="true"]'):
        tag.decompose()
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


def _docx_to_markdown(path: Path) -> str:
    import docx

    out = []
    for para in docx.Document(str(path)).paragraphs:
        style = (para.style.name or "").lower() if para.style is not None else ""
        text = para.text.strip()
        if not text:
            continue
        if style.startswith("heading") or style.startswith("titre"):
            level = int(re.sub(r"\D", "", style) or 1)
            out.append(f"{'#' * min(level, 6)} {text}")
        elif style == "title":
            out.append(f"# {text}")
        elif "list" in style or "liste" in style:
            out.append(f"- {text}")
        else:
            out.append(text)
    return "\n\n".join(out)
