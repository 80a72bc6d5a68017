"""Files to chunks: which files to read, what decides a re-read (content hash), the run's report.

:func:`collect_files` walks the paths given; :func:`document_hash` is what the index compares to
skip an unchanged file; :func:`read_chunks` loads, describes and splits one file. Writing the
chunks is :mod:`index.ingestor`'s job. A bad file never stops a run: it is reported once, with
its reason (:class:`IngestReport`). See docs/reliability.md.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.documents import SUPPORTED_EXTENSIONS
from core.provision import sha256_file
from core.settings import Settings
from core.types import Chunk
from ingest.loaders import load
from ingest.metadata import SIDECAR_NAMES, SidecarError, describe, read_sidecar, sidecar_for
from ingest.split import split_document


@dataclass
class FileResult:
    path: str
    status: str  # added | updated | skipped | failed
    chunks: int = 0
    reason: str = ""  # why a file failed
    warning: str = ""  # why a usable file was indexed only in part (text cut at the cap...)


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(
        default_factory=list
    )  # problems that are not one file's (a broken metadata.yaml)
    seconds: float = 0.0
    timings: dict = field(default_factory=lambda: {"load_split": 0.0, "embed": 0.0, "store": 0.0})

    def by_status(self, status: str) -> list[FileResult]:
        return [f for f in self.files if f.status == status]

    @property
    def chunks_written(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("added", "updated"))

    @property
    def usable(self) -> int:
        return sum(f.status != "failed" for f in self.files)

    def to_dict(self) -> dict:
        return {
            "files_read": len(self.files),
            "added": len(self.by_status("added")),
            "updated": len(self.by_status("updated")),
            "skipped": len(self.by_status("skipped")),
            "failed": [{"path": f.path, "reason": f.reason} for f in self.by_status("failed")],
            "warnings": [{"path": f.path, "warning": f.warning} for f in self.files if f.warning],
            "notes": self.notes,
            "ignored": self.ignored,
            "pruned": self.pruned,
            "chunks_written": self.chunks_written,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "files": [asdict(f) for f in self.files],
        }

    def summary(self) -> str:
        lines = [
            f"Fichiers lus : {len(self.files)} — ajoutés : {len(self.by_status('added'))}, "
            f"mis à jour : {len(self.by_status('updated'))}, inchangés : {len(self.by_status('skipped'))}, "
            f"en échec : {len(self.by_status('failed'))}",
            f"Passages écrits : {self.chunks_written} — durée : {self.seconds:.1f} s",
        ]
        if self.pruned:
            lines.append(f"Documents retirés (fichiers disparus) : {len(self.pruned)}")
        if self.ignored:
            lines.append(f"Fichiers ignorés (format non pris en charge, ou README) : {len(self.ignored)}")
        for f in self.by_status("failed"):
            lines.append(f"ÉCHEC {f.path} : {f.reason}")
        for f in self.files:
            if f.warning:
                lines.append(f"ATTENTION {f.path} : {f.warning}")
        lines.extend(f"ATTENTION {note}" for note in self.notes)
        return "\n".join(lines)


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes (:func:`core.provision.sha256_file`)."""
    return sha256_file(path)


# Raised when the way files are read and cut changes what is stored (provenance headers lifted,
# page breaks kept per chunk, identities and relations read): an unchanged file is indexed again
# once, then re-ingest is a no-op.
READER_VERSION = "3"


def document_hash(path: Path) -> str:
    """What decides whether a file must be indexed again: its bytes, its ``metadata.yaml`` entry
    (editing the title, kind or date re-indexes it) and :data:`READER_VERSION`."""
    content = file_hash(path)
    entry = sidecar_for(path)
    extra = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str) if entry else ""
    return hashlib.sha256(f"{READER_VERSION}\0{content}\0{extra}".encode()).hexdigest()


def display_path(path) -> str:
    """``path`` as text that can always be printed and stored (undecodable bytes shown as \ufffd)."""
    return os.fsencode(path).decode("utf-8", errors="replace")


def _name_is_utf8(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
        return True
    except UnicodeEncodeError:  # bytes that are not UTF-8 in a name (a copy from an old Windows share)
        return False


def doc_id_for(path: Path) -> str:
    return hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:16]


def collect_files(paths: list[Path], report: IngestReport) -> list[Path]:
    """Files under ``paths`` (recursively, without following directory symlinks), sorted, unique."""
    found: dict[str, Path] = {}
    for root in paths:
        root = Path(root)
        if root.is_dir():
            for folder, dirs, names in os.walk(
                root,
                followlinks=False,
                onerror=lambda e: report.files.append(
                    FileResult(display_path(e.filename), "failed", reason=f"dossier illisible ({e.strerror})")
                ),
            ):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                _check_sidecar(Path(folder), names, report)
                for name in sorted(names):
                    _consider(Path(folder) / name, found, report, explicit=False)
        elif root.exists() or root.is_symlink():
            _consider(root, found, report, explicit=True)
        else:
            report.files.append(
                FileResult(display_path(root), "failed", reason="fichier ou dossier introuvable")
            )
    return list(found.values())


def _check_sidecar(folder: Path, names: list[str], report: IngestReport) -> None:
    if not any(name in SIDECAR_NAMES for name in names):
        return
    try:
        read_sidecar(folder)
    except SidecarError as exc:
        report.notes.append(
            f"{display_path(folder)}/metadata.yaml ignoré ({exc}) : titres, types et dates "
            "des fichiers de ce dossier sont déduits de leur texte"
        )


def _consider(path: Path, found: dict, report: IngestReport, explicit: bool) -> None:
    if path.name.startswith(".") or path.name in SIDECAR_NAMES:
        return
    if not _name_is_utf8(path):
        report.files.append(
            FileResult(
                display_path(path),
                "failed",
                reason="nom de fichier illisible (caractères non UTF-8) : renommez le fichier",
            )
        )
        return
    if not explicit and path.stem.upper() == "README":  # a folder's own description, not a document
        report.ignored.append(str(path))
        return
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # broken link, symlink loop
        reason = (
            "lien symbolique en boucle"
            if "loop" in str(exc).lower() or isinstance(exc, RuntimeError)
            else "lien symbolique cassé ou fichier inaccessible"
        )
        report.files.append(FileResult(str(path), "failed", reason=reason))
        return
    if not resolved.is_file():
        if explicit:
            report.files.append(FileResult(str(path), "failed", reason="ni un fichier ni un dossier"))
        return
    if not _name_is_utf8(resolved):
        report.files.append(
            FileResult(
                display_path(path),
                "failed",
                reason="nom de fichier illisible (caractères non UTF-8) : renommez le fichier",
            )
        )
        return
    if resolved.suffix.lower() not in SUPPORTED_EXTENSIONS:
        if explicit:
            report.files.append(
                FileResult(str(path), "failed", reason=f"format non pris en charge ({resolved.suffix})")
            )
        else:
            report.ignored.append(str(path))
        return
    found.setdefault(str(resolved), resolved)


def read_chunks(path: Path, settings: Settings) -> tuple[dict, list[Chunk], list[str]]:
    """Load, describe and split one file: (document metadata, chunks, warnings for the user).

    Raises :class:`ingest.loaders.LoadError` (reason in French) when the file cannot be used."""
    doc = load(path, settings)
    return describe(doc), split_document(doc, settings), doc.warnings
