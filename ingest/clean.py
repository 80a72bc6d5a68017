"""Text cleaning: markdown links, hyphenation, page furniture, whitespace."""

from __future__ import annotations

import re
from collections import Counter

from core.text.instructions import strip_template
from core.text.unicode import clean_unicode

_AUTOLINK = re.compile(r"\s*\(?<(?:https?|mailto):[^>\s]*>\)?|\s*\(/[\w./-]+\)")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_HYPHEN_BREAK = re.compile(r"(\w+)-[ \t]*\n[ \t]*([a-zàâäçéèêëîïôöùûüÿœæ]\w*)")
_COMPOUND = re.compile(r"\w+(?:-\w+)+")
_SLIDE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_MANY_BLANKS = re.compile(r"\n{3,}")
_BOLD = re.compile(r"(\*\*|__)(.+?)\1")
_INLINE_TAGS = re.compile(r"</?(?:sup|sub|b|i|em|strong|span|u|small|mark|abbr)\b[^>]*>", re.I)


def normalize_unicode(text: str) -> str:
    """Line ends as ``\n``, clean Unicode (:func:`core.text.unicode.clean_unicode`), no chat-template
    token or prompt delimiter (a document is data, never instructions)."""
    return strip_template(clean_unicode(text.replace("\r\n", "\n").replace("\r", "\n")))


def strip_markdown_links(text: str) -> str:
    text = _AUTOLINK.sub("", text)
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    return _MD_LINK.sub(lambda m: m.group(1), text)


def dehyphenate(text: str, compounds: set[str] | None = None, words: set[str] | None = None) -> str:
    """Rejoin words cut by a hyphen at the end of a line before a lower-case letter
    (``contrac-\\ntualisation``). A word of ``compounds`` (lower case, hyphenated: the compound words
    the document writes elsewhere, « peut-être », « vis-à-vis ») keeps its hyphen unless ``words``
    (lower case; default, those of ``text``) has it whole."""
    compounds = compounds or set()
    if compounds and words is None:
        words = {w.lower() for w in re.findall(r"\w+", text)}

    def mend(match: re.Match) -> str:
        left, right = match.groups()
        pair = f"{left}-{right}".lower()
        keep = any(c.endswith(pair) or c.startswith(pair) for c in compounds if pair in c)
        if keep and f"{left}{right}".lower() not in words:
            return f"{left}-{right}"
        return left + right

    return _HYPHEN_BREAK.sub(mend, text)


def drop_slide_numbers(text: str) -> str:
    """Drop lines holding only a number (slide or page numbers)."""
    return "\n".join("" if _SLIDE_NUMBER.match(line) else line for line in text.split("\n"))


# A hyphen ending a line, as extractors write it: pdfium's marks (\x02, \ufffe), a soft hyphen,
# the Unicode hyphens. Made a plain hyphen before the soft hyphens are removed as invisible.
_LINE_END_HYPHEN = re.compile(r"[\x02\ufffe\u00ad\u2010\u2011-][ \t]*(?=\n|\Z)")
# pdfium's mark of a hyphen ending a line whose break it dropped itself (« intercom\ufffemunal »)
_PDFIUM_JOINED_HYPHEN = re.compile("\ufffe(?=[^\\W\\d_])")
_NUMBER = re.compile(r"\d+")


def _furniture_keys(line: str, number: int) -> set[str]:
    """What makes ``line`` (on page ``number``) the same line on every page: its words, and for each
    number in it the line with that number written as its distance to the page's number (« Page 3 / 12 »
    on page 3 and « Page 4 / 12 » on page 4 are both « page {p+0} / 12 »; a heading, « Article 12 », is
    never a page number, nor is a line of over 100 characters)."""
    text = " ".join(line.split()).lower()
    keys = {text}
    if _HEADING_LINE.match(line.strip()) or len(text) > 100:
        return keys  # « Article 3 » atop page 2 and « Article 4 » atop page 3 are no page number
    for match in _NUMBER.finditer(text):
        if len(match.group()) <= 4:
            shift = int(match.group()) - number
            keys.add(f"{text[: match.start()]}{{p{shift:+d}}}{text[match.end() :]}")
    return keys


def _edge_lines(page: str, edge: int) -> list[str]:
    lines = [line for line in page.split("\n") if line.strip()]
    return lines[:edge] + lines[-edge:] if len(lines) > 2 * edge else lines


def repeated_furniture(pages: list[str], edge: int = 3) -> set[str]:
    """Running headers and footers: lines among the first or last ``edge`` of a page that come back
    on most pages (on both pages of a two-page document), a page number moving with the page.

    Returns keys for :func:`drop_furniture` (see :func:`_furniture_keys`)."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for number, page in enumerate(pages, start=1):
        keys: set[str] = set()
        for line in _edge_lines(page, edge):
            keys |= _furniture_keys(line, number)
        counts.update(keys)
    threshold = max(2, -(-3 * len(pages) // 5))  # 60 % of the pages, rounded up
    return {key for key, n in counts.items() if n >= threshold and key.strip()}


def drop_furniture(page: str, furniture: set[str], number: int = 0, dropped: list[str] | None = None) -> str:
    """``page`` (page ``number`` of its document) without its lines that are ``furniture``; the lines
    removed are added to ``dropped`` when given."""
    if not furniture:
        return page
    kept = []
    for line in page.split("\n"):
        keys = _furniture_keys(line, number) & furniture if line.strip() else set()
        if not keys:
            kept.append(line)
        elif dropped is not None:  # shown with its page number as « n »
            text = " ".join(line.split())
            shift = re.search(r"\{p([+-]\d+)\}", min(keys))
            if text.lower() not in keys and shift:
                text = re.sub(rf"(?<!\d){number + int(shift.group(1))}(?!\d)", "n", text, count=1)
            dropped.append(text)
    return "\n".join(kept)


# A line saying the page's number: « Page 3 », « Page 3 / 12 », « 3 sur 12 », « - 3 - », « p. 3 ».
_PAGE_NUMBER_LINE = re.compile(
    r"^[\s|–—-]*(?:page\s+|p\.\s*)?(\d{1,4})(?:\s*(?:/|sur)\s*\d{1,4})?[\s|–—-]*$", re.I
)


def drop_page_number(page: str, number: int, edge: int = 2, dropped: list[str] | None = None) -> str:
    """``page`` without a line among its first or last ``edge`` that only gives its number
    ``number`` (the footer of a one-page document, which no repetition shows)."""
    lines = page.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for i in filled[:edge] + filled[-edge:]:
        match = _PAGE_NUMBER_LINE.match(lines[i])
        if match and int(match.group(1)) == number:
            if dropped is not None:
                dropped.append(re.sub(rf"(?<!\d){number}(?!\d)", "n", " ".join(lines[i].split()), count=1))
            lines[i] = ""
    return "\n".join(lines)


# Lines that end where a line break must stay: a sentence, a clause of a list (« ; »), an
# introduction (« : »).
_LINE_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"»)\]’']*\s*$")
# An abbreviation ending a line: « Art. », « art. », « al. », « n. », « M. », a code's « L. », « R. ».
# A code's single letter (group 1) goes on with a figure only: « annexe B. » can end a sentence.
_ABBREVIATION_END = re.compile(r"(?:^|[\s(])(?:Art|art|al|chap|cf|pp?|MM|Mme|M|([A-Z]))\.$")
# A heading of a legal text or of a report: « Article 3 », « Art. 12 bis », « Article L. 441-1 »,
# « Chapitre II », « TITRE IER », « Section 2 : Dispositions générales » (short). Capitalised: « article
# L. 302-7 » or « titre optionnel » in a sentence is no heading.
_HEADING_LINE = re.compile(
    r"^\s*(?:Article|ARTICLE|Art\.|Chapitre|CHAPITRE|Titre|TITRE|Section|SECTION|Sous-section|"
    r"SOUS-SECTION|Livre|LIVRE|Annexe|ANNEXE|Partie|PARTIE)\s+(?:[LRDA]\.?\s?)?"
    r"(?:\d[\w-]*|[IVXLC]+(?:er|ER)?|premier|PREMIER|unique|UNIQUE|liminaire|préliminaire|PRÉLIMINAIRE)"
    r"(?:\s+(?:bis|ter|quater|quinquies|sexies))?\s*(?:[.:–—-]\s+.{0,60}|[.:])?$"
)
# A bullet: always a list item.
_BULLET = re.compile(r"^\s*[•▪·*]\s")
# An enumeration mark: « - », « 1° », « 2) », « 3. », « a) », « II. - ». A list item when the line
# above ends a clause or what follows the mark is capitalised; else a sentence wrapped before a
# figure (« prévues au / 4° de l'article 34 »).
_ENUMERATION = re.compile(
    r"^\s*(?:[-–—]\s*|\d{1,3}\s?[°º)]\s*|\d{1,2}\.\s+|[a-z]\)\s*|[IVXL]+\.?\s?[-–—―]\s*)(\S?)"
)


def _starts_item(line: str, following: str) -> bool:
    if _BULLET.match(following):
        return True
    mark = _ENUMERATION.match(following)
    return bool(mark) and (bool(re.search(r"[:;.!?]\W*$", line)) or mark.group(1)[:1].isupper())


def _is_capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and not any(c.islower() for c in letters)


def _keeps_break(line: str, following: str) -> bool:
    """Whether the line break between ``line`` and ``following`` is the text's, not the page's."""
    if _starts_item(line, following) or _HEADING_LINE.match(following):
        return True
    if _is_capitals(line) and not re.search(r"[.!?…]\W*$", line):  # a heading in capitals goes on
        return any(c.islower() for c in following)  # in capitals (or figures: « QUARTIERS / 2030 »)
    abbreviation = _ABBREVIATION_END.search(line)
    if abbreviation and re.match(r"\d" if abbreviation.group(1) else r"\w", following):
        return False  # « Art. » / « L5134-20 », « L. » / « 441-1 »: no sentence ends there
    return bool(_LINE_ENDS_SENTENCE.search(line) or _HEADING_LINE.match(line))


def join_wrapped_lines(text: str) -> str:
    """Lines of a PDF page joined where a sentence only wraps: a line break stays where a line ends
    a sentence, a clause or an introduction (``. ! ? … : ;``), where a line is a heading (« Article 3 »,
    a line in capitals) or the next one starts a list item (« • », « - », « 1° », « a) », « II. - »,
    after a clause or before a capital); not after an abbreviation (« Art. » / « L5134-20 »). Blank
    lines (paragraphs) stay. A word ending a line on a hyphen before a capital or a digit keeps its
    hyphen and loses the break (« Saint-\nDenis »: hyphenated words before a lower-case letter are
    :func:`dehyphenate`'s)."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        previous = out[-1] if out else ""
        if previous and line and not _keeps_break(previous, line):
            glue = "" if re.search(r"\w-$", previous) else " "
            out[-1] = previous + glue + line
        else:
            out.append(line)
    return "\n".join(out)


def mend_page_hyphens(pages: list[str]) -> list[str]:
    """A word hyphenated across two pages (« rénova- » / « tion ») made whole on the first one."""
    pages = list(pages)
    for i in range(len(pages) - 1):
        head = re.search(r"(\w)-\Z", pages[i])
        rest = re.match(r"([a-zàâäçéèêëîïôöùûüÿœæ]+[.,;:!?»)]*)[ \t]*\n?", pages[i + 1])
        if head and rest:
            pages[i] = pages[i][:-1] + rest.group(1)
            pages[i + 1] = pages[i + 1][rest.end() :]
    return pages


def clean_pdf_pages(pages: list[str]) -> tuple[list[str], list[str]]:
    """The text of each page of a PDF as it reads, and the running headers and footers dropped.

    The pages are an extractor's lines in reading order, paragraphs apart by a blank line. Made of
    them: the page furniture dropped (:func:`repeated_furniture`), words hyphenated at a line end
    mended (:func:`dehyphenate`, also across a page), wrapped lines joined
    (:func:`join_wrapped_lines`), spaces tidied."""
    pages = [_PDFIUM_JOINED_HYPHEN.sub("", page.replace("\r\n", "\n")) for page in pages]
    pages = [normalize_unicode(_LINE_END_HYPHEN.sub("-", page)) for page in pages]
    furniture = repeated_furniture(pages)
    dropped: list[str] = []
    pages = [
        drop_page_number(drop_furniture(page, furniture, n, dropped), n, dropped=dropped)
        for n, page in enumerate(pages, start=1)
    ]
    compounds = {word.lower() for page in pages for word in _COMPOUND.findall(page)}
    words = {word.lower() for page in pages for word in re.findall(r"\w+", page)}
    # no line of only a number is dropped but the page's own (drop_page_number): in the body it is
    # a year or a figure that a line wrap left alone (« Quartiers / 2030 »)
    pages = [tidy(dehyphenate(page, compounds, words)) for page in pages]
    pages = [join_wrapped_lines(page) for page in mend_page_hyphens(pages)]
    return pages, list(dict.fromkeys(dropped))


def tidy(text: str) -> str:
    """Collapse runs of spaces, strip line ends, keep paragraphs and list items."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _MANY_BLANKS.sub("\n\n", text).strip()


def clean_text(text: str, *, markdown: bool = True) -> str:
    """The cleaning every format goes through once it is plain text."""
    text = normalize_unicode(text)
    if markdown:
        text = strip_markdown_links(text)
        text = _BOLD.sub(r"\2", text)
        text = _INLINE_TAGS.sub("", text)
    text = dehyphenate(text)
    text = drop_slide_numbers(text)
    return tidy(text)
