"""The library view: indexed documents, and adding files by upload (when the server allows it).

Uploads are checked before anything is written: allowed extension, size cap,
a content signature that matches the extension, and a sanitised base name (no
folder part, no "..", no control characters) resolved strictly inside the
upload folder. Accepted files are then ingested with the same rules as
``assistant ingest`` (a re-upload of the same name replaces that document).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from core.documents import FORMATS_LABEL, SUPPORTED_EXTENSIONS, kind_label
from core.text.dates import french_date
from index.ingestor import INGEST_LOCK
from ingest.identity import nature_label

MAX_NAME = 120
COLUMNS = [
    "Titre",
    "Nature",
    "Numéro",
    "Date",
    "Liens avec d'autres textes",
    "Passages",
    "Ajouté le",
    "Fichier",
]
FILE_COLUMN = COLUMNS.index("Fichier")


class UploadRejected(ValueError):
    """The message is for the user (French)."""


@dataclass
class UploadOutcome:
    saved: list[Path] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name as given, reason)
    report: object = None

    def summary(self) -> str:
        lines = []
        if self.report is not None:
            lines.append(self.report.summary())
        for name, reason in self.rejected:
            lines.append(f"REFUSÉ {name} : {reason}")
        if not lines:
            lines.append("Aucun fichier reçu.")
        return "\n".join(lines)


def upload_dir(settings) -> Path:
    return Path(settings.upload_dir) if settings.upload_dir else Path(settings.data_dir) / "uploads"


def documents_rows(assistant) -> list[list]:
    """One row per indexed document (:data:`COLUMNS`): its identity, date and links with the other
    indexed texts (« abrogé par … », « modifie … », :mod:`assistant.relations`)."""
    relations = assistant.relations()
    rows = []
    for doc in relations.rows.values():
        ingested = _local_time(doc.get("ingested_at") or "")
        rows.append(
            [
                doc.get("title") or doc.get("source") or "",
                nature_label(doc.get("nature") or "")
                if doc.get("nature")
                else kind_label(doc.get("kind", "")),
                doc.get("number") or "",
                french_date(doc.get("date")),
                " ; ".join(relations.of(doc.get("path") or "")),
                int(doc.get("chunks") or 0),
                ingested,
                doc.get("source") or "",
            ]
        )
    return rows


def _local_time(iso: str) -> str:
    """'2024-05-02T09:30:00+00:00' -> '02/05/2024 11:30' (local time of the server)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return iso


def sanitize_name(name: str) -> str:
    """A safe base name from a user-supplied file name; raises UploadRejected if nothing usable remains."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").split("/")[-1]  # drop any folder part (Unix or Windows)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")  # control and format characters
    name = re.sub(r"[^\w .,()'&+@=-]", "_", name)  # letters (accents kept), digits, a few signs
    name = re.sub(r"\s+", " ", name).strip(" .")  # no leading dots (hidden files, "..")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        raise UploadRejected("nom de fichier sans extension")
    stem = stem[: MAX_NAME - len(ext) - 1].strip(" .") or "document"
    return f"{stem}.{ext.lower()}"


def _signature_ok(path: Path, ext: str) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if ext == ".pdf":
        return head.startswith(b"%PDF-")
    if ext == ".docx":
        return head.startswith(b"PK\x03\x04")
    return b"\x00" not in head or head.startswith((b"\xff\xfe", b"\xfe\xff"))  # text formats: not binary


def check_upload(source: Path, original_name: str, max_bytes: int) -> str:
    """Validate one uploaded file; returns its sanitised name or raises UploadRejected."""
    name = sanitize_name(original_name)
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise UploadRejected(
            f"format non pris en charge ({ext or 'sans extension'}) ; formats acceptés : {FORMATS_LABEL}"
        )
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise UploadRejected(f"fichier illisible ({exc.strerror})") from exc
    if size == 0:
        raise UploadRejected("fichier vide")
    if size > max_bytes:
        raise UploadRejected(
            f"fichier trop volumineux ({size / 1e6:.1f} Mo ; maximum {max_bytes / 1e6:.0f} Mo)"
        )
    if not _signature_ok(source, ext):
        raise UploadRejected(f"le contenu ne correspond pas à l'extension {ext}")
    return name


def store_upload(source: Path, name: str, folder: Path) -> Path:
    """Copy ``source`` to ``folder/name`` atomically; refuses any target outside ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    target = (root / name).resolve()
    if target.parent != root or not target.is_relative_to(root):
        raise UploadRejected("nom de fichier refusé (chemin hors du dossier de dépôt)")
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise UploadRejected("nom de fichier refusé (un élément non modifiable porte ce nom)")
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=root)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def add_files(assistant, files: list, max_bytes: int | None = None) -> UploadOutcome:
    """Check, store and ingest uploaded files. ``files`` are paths (str/Path) or objects with ``.name``.

    The name shown by the browser is the temp file's base name (Gradio keeps the
    original one); it is sanitised again here whatever it is.
    """
    settings = assistant.settings
    max_bytes = max_bytes or settings.max_upload_mb * 1024 * 1024
    folder = upload_dir(settings)
    outcome = UploadOutcome()
    accepted: list[tuple[Path, str]] = []
    for item in files or []:
        if isinstance(item, (str, os.PathLike)):
            path, original = Path(item), Path(item).name
        else:  # Gradio FileData / temp-file wrappers: a server path plus the name the browser sent
            path = Path(getattr(item, "path", None) or getattr(item, "name", ""))
            original = getattr(item, "orig_name", None) or path.name
        try:
            accepted.append((path, check_upload(path, original, max_bytes)))
        except UploadRejected as exc:
            outcome.rejected.append((original, str(exc)))
    if not accepted:
        return outcome
    with INGEST_LOCK:
        backups: dict[Path, Path] = {}
        for path, name in accepted:
            try:
                target = folder / name
                previous = _backup(target)
                saved = store_upload(path, name, folder)
                if previous:
                    backups[saved] = previous
                outcome.saved.append(saved)
            except (UploadRejected, OSError) as exc:
                outcome.rejected.append((name, str(exc)))
        if outcome.saved:
            try:
                outcome.report = assistant.ingest(outcome.saved)
                failed = {Path(r.path).resolve() for r in outcome.report.by_status("failed")}
            except Exception:
                failed = {p.resolve() for p in outcome.saved}
                raise
            finally:
                # A file that could not be indexed does not stay in the folder; a replaced version comes back.
                for saved in outcome.saved:
                    previous = backups.get(saved)
                    if saved.resolve() in failed:
                        if previous:
                            os.replace(previous, saved)
                        else:
                            saved.unlink(missing_ok=True)
                    elif previous:
                        previous.unlink(missing_ok=True)
    return outcome


def _backup(target: Path) -> Path | None:
    """Move aside the current version of ``target`` (restored if the new one cannot be indexed)."""
    if not target.is_file() or target.is_symlink():
        return None
    fd, tmp = tempfile.mkstemp(prefix=".previous-", dir=target.parent)
    os.close(fd)
    shutil.copy2(target, tmp)
    return Path(tmp)
