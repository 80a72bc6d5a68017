"""Limits of a zipped document (DOCX, or any other zip-based format), checked before it is unpacked.

A ``.docx`` is a zip of XML parts, and python-docx unpacks and parses every part in memory.
A few kilobytes can unpack to gigabytes, or hold a million paragraphs (measured: 300,000 empty
paragraphs in 3.5 KB kept the indexer busy for 62 s; 5 million empty runs, 78 KB, took 690 MB
to parse). :func:`check_archive` measures what a parser would face with bounded work and memory,
and raises :class:`ArchiveRejected` (the limit and the measured value, in French) before any
parser sees the file:

1. the number of entries, read from the end-of-central-directory record before :mod:`zipfile`
   builds its directory, then counted exactly (``ASSISTANT_MAX_ZIP_PARTS``);
2. the unpacked size, the sum of the sizes the directory declares (``ZipInfo.file_size``):
   :mod:`zipfile` never unpacks more than an entry declares (it stops there, and a lying
   entry then fails its CRC check), so this bounds everything after it
   (``ASSISTANT_MAX_UNPACKED_MB``);
3. XML elements and paragraphs, counted by streaming every entry through lxml's incremental
   parser, each element freed once counted, and stopped at the element limit
   (``ASSISTANT_MAX_XML_ELEMENTS``, ``ASSISTANT_MAX_PARAGRAPHS``): elements bound the memory
   of the real parse (about 130 bytes each), paragraphs the loader's loop.

Every entry is counted, not only ``word/document.xml``: python-docx parses headers, footers,
notes and any part a relationship points to, whatever its name.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from core.settings import ENV_PREFIX, Settings, limit
from core.text.numbers import french_count, french_megabytes


class ArchiveRejected(ValueError):
    """A zipped document is over a limit; ``str(err)`` names the limit and the value measured (French)."""


@dataclass(frozen=True)
class ArchiveLimits:
    unpacked_bytes: int
    parts: int
    paragraphs: int
    elements: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchiveLimits:
        """The limits of ``settings``; a value of 0 or less means the default."""
        return cls(
            unpacked_bytes=int(limit(settings, "max_unpacked_mb") * 1024 * 1024),
            parts=int(limit(settings, "max_zip_parts")),
            paragraphs=int(limit(settings, "max_paragraphs")),
            elements=int(limit(settings, "max_xml_elements")),
        )


@dataclass
class ArchiveStats:
    parts: int = 0
    unpacked_bytes: int = 0
    paragraphs: int = 0
    elements: int = 0


def _over(what: str, measured: str, limit: str, setting: str) -> ArchiveRejected:
    return ArchiveRejected(f"{what} : {measured} pour {limit} au plus ({ENV_PREFIX}{setting.upper()})")


def declared_entries(path: Path) -> int | None:
    """The number of entries the end-of-central-directory record declares (zip64 too); None if absent.

    Read from the last 64 KB of the file, before :mod:`zipfile` parses a directory that could hold
    hundreds of thousands of entries (250,000 empty entries: 21 MB, 1 s and 150 MB to parse).
    """
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        length = min(size, 22 + 0xFFFF)
        handle.seek(size - length)
        tail = handle.read(length)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        (entries,) = struct.unpack("<H", tail[at + 10 : at + 12])
        locator = tail[at - 20 : at] if at >= 20 else b""
        if entries == 0xFFFF and locator[:4] == b"PK\x06\x07":
            (offset,) = struct.unpack("<Q", locator[8:16])
            if offset < size:
                handle.seek(offset)
                record = handle.read(40)
                if len(record) == 40 and record[:4] == b"PK\x06\x06":
                    (entries,) = struct.unpack("<Q", record[32:40])
    return entries


def _scan(stream, limits: ArchiveLimits, stats: ArchiveStats) -> bool:
    """Count the elements and paragraphs of one entry as lxml parses it; False once over the element limit.

    lxml reads the entry in its own encoding (UTF-8, UTF-16…), as python-docx will, so no markup is
    missed; elements are freed as soon as they are counted: memory stays flat (~20 MB). An entry
    that is not XML (an image) stops at its first bytes; a broken one at its first error (it fails
    later in the parser that would have read it).
    """
    from lxml import etree

    try:
        for _, element in etree.iterparse(
            stream, events=("end",), resolve_entities=False, load_dtd=False, no_network=True
        ):
            stats.elements += 1
            tag = element.tag
            if isinstance(tag, str) and (tag == "p" or tag.endswith("}p")):
                stats.paragraphs += 1
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
            if stats.elements > limits.elements:
                return False
    except etree.XMLSyntaxError:
        pass
    return True


def check_archive(path: Path, limits: ArchiveLimits) -> ArchiveStats:
    """Measure the zip at ``path`` against ``limits``; raises :class:`ArchiveRejected` at the first one passed.

    A file that is not a zip raises :class:`zipfile.BadZipFile` (the caller words it). Work and memory
    are bounded by ``limits``: the directory is parsed only when it declares few enough entries, and
    entries are streamed only once their declared total is under the unpacked-size limit.
    """
    stats = ArchiveStats()
    declared = declared_entries(path)
    if declared is not None and declared > limits.parts:
        raise _over(
            "trop de fichiers dans l'archive",
            french_count(declared),
            french_count(limits.parts),
            "max_zip_parts",
        )
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        stats.parts = len(infos)
        if stats.parts > limits.parts:  # a record that under-declares its entries
            raise _over(
                "trop de fichiers dans l'archive",
                french_count(stats.parts),
                french_count(limits.parts),
                "max_zip_parts",
            )
        stats.unpacked_bytes = sum(info.file_size for info in infos)
        if stats.unpacked_bytes > limits.unpacked_bytes:
            raise _over(
                "archive trop volumineuse une fois décompressée",
                french_megabytes(stats.unpacked_bytes),
                french_megabytes(limits.unpacked_bytes),
                "max_unpacked_mb",
            )
        for info in infos:
            if info.is_dir() or not info.file_size:
                continue
            with archive.open(info) as stream:  # never more than info.file_size bytes
                if not _scan(stream, limits, stats):
                    raise _over(
                        "structure XML trop lourde",
                        f"plus de {french_count(limits.elements)} éléments",
                        french_count(limits.elements),
                        "max_xml_elements",
                    )
    if stats.paragraphs > limits.paragraphs:
        raise _over(
            "trop de paragraphes",
            french_count(stats.paragraphs),
            french_count(limits.paragraphs),
            "max_paragraphs",
        )
    return stats
