"""The code a result comes from: commit and uncommitted files of the project's git checkout."""

from __future__ import annotations

import subprocess

from core.settings import PROJECT_ROOT


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10).stdout


def git_state() -> dict | None:
    """``{"commit": short hash, "modified": [tracked files with uncommitted changes]}``, None outside git."""
    try:
        commit = _git("rev-parse", "--short", "HEAD").strip()
        status = _git("status", "--porcelain", "--untracked-files=no").splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit or None, "modified": [line[3:] for line in status]} if commit else None
