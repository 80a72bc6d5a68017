"""Without ../shared the suite stops at start-up with a message naming what is missing, instead of
skipping the ~70 tests (and the evaluation gate) that need the seeds and their gold questions.

Each case runs pytest in a subprocess on a one-test file, with this project's tests/conftest.py
loaded as a plugin (``-p conftest``) and SHARED_DIR pointing where the case says.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from conftest import DEV2, SEEDS, SEEDS_DEV, SHARED_ENV, child_pytest

CHILD = textwrap.dedent("""
    import os
    from pathlib import Path

    import conftest


    def test_paths_come_from_shared_dir():
        assert conftest.SHARED == Path(os.environ["SHARED_DIR"])
        assert conftest.SEEDS.is_dir() and conftest.SEEDS_DEV.is_file()
""")


def run_child(tmp_path: Path, shared: Path) -> tuple[int, str]:
    test = tmp_path / "test_child.py"
    test.write_text(CHILD, encoding="utf-8")
    done = child_pytest(tmp_path, test, **{SHARED_ENV: str(shared)})
    return done.returncode, done.stdout + done.stderr


def test_a_missing_shared_folder_stops_the_run_and_says_what_to_do(tmp_path):
    absent = tmp_path / "nowhere" / "shared"
    code, out = run_child(tmp_path, absent)
    assert code != 0, out
    assert code == 4, out  # pytest's usage error: nothing ran, nothing was skipped
    assert f"{absent / 'seeds'} (dossier)" in out, out
    assert f"{absent / 'evals' / 'seeds_dev.jsonl'} (fichier)" in out, out
    assert "clonez" in out and "SHARED_DIR" in out, out
    assert "passed" not in out and "skipped" not in out, out


def test_a_shared_folder_without_the_gold_questions_stops_the_run(tmp_path):
    partial = tmp_path / "shared"
    shutil.copytree(SEEDS, partial / "seeds")
    code, out = run_child(tmp_path, partial)
    assert code == 4, out
    assert f"{partial / 'evals' / 'seeds_dev.jsonl'} (fichier)" in out, out
    assert f"{partial / 'seeds'} (dossier)" not in out, out


def test_shared_dir_points_the_tests_at_another_copy(tmp_path):
    copy = tmp_path / "elsewhere"
    shutil.copytree(SEEDS, copy / "seeds")
    (copy / "evals").mkdir()
    shutil.copy(SEEDS_DEV, copy / "evals" / SEEDS_DEV.name)
    shutil.copytree(DEV2, copy / "evals" / "dev2")
    code, out = run_child(tmp_path, copy)
    assert code == 0 and "1 passed" in out, out
