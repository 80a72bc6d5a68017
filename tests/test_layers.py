"""The shape of the code, part of ``make test``: data flows one way (the import-linter contract of
pyproject.toml, and an upward import breaks it), no private name is imported across packages, and
ruff (lint and format) passes.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "prompts", "ingest", "index", "assistant", "ui", "evals")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def tree_copy(tmp_path) -> Path:
    """The packages and pyproject.toml copied aside, so a probe module can be added to them."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layer_contract_holds():
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    "module, upward",
    [
        ("core/probe.py", "from assistant.pipeline import Assistant"),
        ("index/probe.py", "import ui.render"),
        ("ingest/probe.py", "from index.store import ChunkStore"),
    ],
)
def test_an_upward_import_breaks_the_contract(tree_copy, module, upward):
    (tree_copy / module).write_text(f"{upward}\n", encoding="utf-8")
    done = _lint_imports(tree_copy)
    assert done.returncode != 0, done.stdout[-2000:]
    assert "BROKEN" in done.stdout and module.split("/")[0] + ".probe" in done.stdout


def _private_imports(source: str, package: str, label: str) -> list[str]:
    """``from other_package.x import _name`` in ``source`` (a private name of another top-level package)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if top in PACKAGES and top != package:
                found += [f"{label}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    return found


def test_no_private_name_is_imported_across_packages():
    found = [
        hit
        for name in PACKAGES
        for path in sorted((ROOT / name).rglob("*.py"))
        for hit in _private_imports(path.read_text(encoding="utf-8"), name, str(path.relative_to(ROOT)))
    ]
    assert found == []


def test_the_private_name_check_catches_one():
    source = "from index.embeddings import _load\nfrom ui.render import _card\n"
    assert _private_imports(source, "ui", "ui/probe.py") == ["ui/probe.py: index.embeddings._load"]


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff_passes(command):
    done = subprocess.run(
        [str(Path(sys.executable).with_name("ruff")), *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
