"""The page viewer: the image of a PDF page with the cited passage highlighted, and the file itself.

:class:`PageRoutes`, an ASGI middleware (behind the login gate), answers two requests; anything
else goes on to Gradio:

- ``viewer/page?doc=ID&page=N&q=TEXT``: a PNG of page N of indexed document ID, rendered by
  pypdfium2, the characters of TEXT (the cited sentences) under a translucent highlight; cached
  under ``<data_dir>/pages`` (the key holds the file's size and date, so a changed file is redrawn);
- ``viewer/file?doc=ID``: the indexed file, inline (a browser opens a PDF at ``#page=N``).

Only files of indexed documents are served, looked up by their id in the index: a request cannot
name a path. The passage is found on the page by its letters and digits alone (case, accents,
spaces, hyphens and ligatures ignored: the indexed text is pdfium's after the ingest's layout and
cleaning steps, which join lines and mend hyphens, the page's is pdfium's raw characters); where
the whole quote is not found, the long runs of letters it shares with the page.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path
from urllib.parse import parse_qs, quote

from ingest.loaders import PDFIUM_LOCK

SCALE = 1.5  # pixels per PDF point: a 612-point page is 918 pixels wide
MIN_RUN = 8  # letters: the shortest run shared with the page that counts, when the whole quote is not there
MIN_SHARE = 0.6  # of the quote's letters those runs must cover
MAX_QUOTE = 1200  # characters of the quote read from a request
HIGHLIGHT = (250, 204, 21, 110)  # translucent yellow
OUTLINE = (180, 83, 9, 255)
PAGE_ROUTE, FILE_ROUTE = "viewer/page", "viewer/file"


def page_url(doc_id: str, page: int, quote_text: str) -> str:
    """Relative URL of the image of ``page`` with ``quote_text`` highlighted (works under a path prefix;
    a blank line separates quotes)."""
    return f"{PAGE_ROUTE}?doc={quote(doc_id)}&page={int(page)}&q={quote(quote_text[:MAX_QUOTE])}"


def file_url(doc_id: str, page: int | None = None) -> str:
    return f"{FILE_ROUTE}?doc={quote(doc_id)}" + (f"#page={int(page)}" if page else "")


def _folded(text: str) -> tuple[str, list[int]]:
    """Letters and digits of ``text``, case and accents folded, with the index of each in ``text``."""
    out, where = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch).casefold():
            if c.isalnum():
                out.append(c)
                where.append(i)
    return "".join(out), where


def _stretches(page: str, wanted: str) -> list[tuple[int, int]]:
    """(start, length) in ``page`` of ``wanted`` (both folded); where it is not there whole, the runs of
    at least ``MIN_RUN`` letters it shares with the page (difflib), near the longest one, when they
    cover ``MIN_SHARE`` of it (a sentence the ingest cleaned and the raw page read a little differently)."""
    at = page.find(wanted)
    if at >= 0:
        return [(at, len(wanted))]
    runs = [
        b
        for b in SequenceMatcher(None, page, wanted, autojunk=False).get_matching_blocks()
        if b.size >= MIN_RUN
    ]
    if not runs:
        return []
    anchor = max(runs, key=lambda b: b.size)
    near = [b for b in runs if abs(b.a - anchor.a) <= len(wanted)]
    if sum(b.size for b in near) < MIN_SHARE * len(wanted):
        return []
    return [(b.a, b.size) for b in near]


def find_quote(page_text: str, quote_text: str) -> list[tuple[int, int]]:
    """(start, count) of each stretch of ``page_text`` that spells ``quote_text`` (see the module's
    doc; a blank line separates quotes searched one by one); stretches separated only by spaces and
    punctuation are one."""
    page, where = _folded(page_text)
    found = []
    for piece in quote_text.split("\n\n"):
        wanted = _folded(piece)[0]
        if wanted and page:
            found.extend(_stretches(page, wanted))
    spans: list[list[int]] = []
    for at, length in sorted(found):
        first, last = where[at], where[at + length - 1]
        if spans and (first <= spans[-1][1] + 1 or not _folded(page_text[spans[-1][1] + 1 : first])[0]):
            spans[-1][1] = max(spans[-1][1], last)
        else:
            spans.append([first, last])
    return [(first, last - first + 1) for first, last in spans]


def highlight_boxes(pdf_page, quote_text: str) -> list[tuple[float, float, float, float]]:
    """Boxes (left, top, right, bottom, in pixels at ``SCALE``) of the quote's lines on ``pdf_page``."""
    textpage = pdf_page.get_textpage()
    try:
        text = textpage.get_text_range()
        height = pdf_page.get_height()
        boxes = []
        # a stretch may run over several lines: pdfium gives one rectangle per line
        for start, count in find_quote(text, quote_text):
            for k in range(textpage.count_rects(start, count)):
                left, bottom, right, top = textpage.get_rect(k)
                boxes.append((left * SCALE, (height - top) * SCALE, right * SCALE, (height - bottom) * SCALE))
        return boxes
    finally:
        textpage.close()


def render_page(path: Path, page: int, quote_text: str, cache_dir: Path) -> bytes:
    """PNG of page ``page`` (from 1) of the PDF at ``path`` with ``quote_text`` highlighted.
    Raises ``ValueError`` (French) when the page does not exist."""
    stat = path.stat()
    key = hashlib.sha1(
        f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{page}\0{SCALE}\0{quote_text}".encode()
    ).hexdigest()
    cached = cache_dir / f"{key}.png"
    if cached.exists():
        return cached.read_bytes()
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    with PDFIUM_LOCK:  # PDFium is not thread-safe: an ingest may be reading another PDF
        pdf = pdfium.PdfDocument(str(path))
        try:
            if not 1 <= page <= len(pdf):
                raise ValueError(f"le document n'a pas de page {page} (il en a {len(pdf)})")
            pdf_page = pdf[page - 1]
            image = pdf_page.render(scale=SCALE).to_pil().convert("RGBA")
            boxes = highlight_boxes(pdf_page, quote_text) if quote_text else []
        finally:
            pdf.close()
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for left, top, right, bottom in boxes:
        draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=HIGHLIGHT)
        draw.line((left - 4, top - 2, left - 4, bottom + 2), fill=OUTLINE, width=3)
    out = io.BytesIO()
    Image.alpha_composite(image, layer).convert("RGB").save(out, format="PNG", optimize=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(out.getvalue())
    return out.getvalue()


class PageRoutes:
    """ASGI middleware answering ``viewer/page`` and ``viewer/file`` from ``store`` (an
    :class:`index.store.ChunkStore`), caching images in ``cache_dir``."""

    def __init__(self, app, store, cache_dir: Path):
        self.app, self.store, self.cache_dir = app, store, Path(cache_dir)

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        route = next((r for r in (PAGE_ROUTE, FILE_ROUTE) if path.endswith("/" + r)), None)
        if route is None or scope.get("method") not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        from starlette.concurrency import run_in_threadpool

        query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()}
        response = await run_in_threadpool(self._answer, route, query)
        await response(scope, receive, send)

    def _answer(self, route: str, query: dict):
        from starlette.responses import FileResponse, PlainTextResponse, Response

        found = self.store.document_file(query.get("doc", ""))
        if not found or not Path(found).is_file():
            return PlainTextResponse(
                "Document introuvable : il n'est pas (ou plus) dans l'index, ou son fichier a été déplacé.",
                status_code=404,
            )
        path = Path(found)
        if route == FILE_ROUTE:
            media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return FileResponse(path, media_type=media, filename=path.name, content_disposition_type="inline")
        if path.suffix.lower() != ".pdf":
            return PlainTextResponse(
                f"« {path.name} » n'est pas un PDF : pas d'image de page.", status_code=404
            )
        page = query.get("page", "1")
        if not page.isdigit():
            return PlainTextResponse(f"Numéro de page invalide : « {page[:20]} ».", status_code=400)
        try:
            page = int(page)
            png = render_page(path, page, query.get("q", "")[:MAX_QUOTE], self.cache_dir)
        except ValueError as exc:
            return PlainTextResponse(f"« {path.name} » : {exc}.", status_code=404)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})
