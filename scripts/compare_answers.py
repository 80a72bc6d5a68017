"""Dump every answer of the gold sets, or compare two dumps: the check of a change that must not move answers.

It goes through the command line only (``assistant ingest`` then ``assistant ask --questions --json``),
so the same script runs on the code before and after a refactoring::

    python scripts/compare_answers.py dump /tmp/before      # at the old commit
    python scripts/compare_answers.py dump /tmp/after       # at the new one
    python scripts/compare_answers.py diff /tmp/before /tmp/after

Sets: ``../shared/evals/seeds_dev.jsonl`` over ``../shared/seeds``, ``../shared/evals/dev2/``, and
``evals/sample_gold.jsonl`` over ``sample_corpus``; extractive backend unless ``--llm`` says otherwise.
Each row keeps what a user sees (answer, refusal, citations with their passage and metadata,
suggestions, fallback, standalone question) and the retrieved ranking; timings are left out.
``diff`` prints every difference and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SETS = {
    "seeds_dev": (SHARED / "evals" / "seeds_dev.jsonl", SHARED / "seeds"),
    "dev2": (SHARED / "evals" / "dev2" / "questions.jsonl", SHARED / "evals" / "dev2" / "corpus"),
    "sample": (ROOT / "evals" / "sample_gold.jsonl", ROOT / "sample_corpus"),
}
KEPT = ("answer", "abstained", "citations", "suggestions", "fallback", "standalone_question", "backend")


def _assistant() -> str:
    exe = Path(sys.executable).with_name("assistant")
    return str(exe) if exe.exists() else "assistant"


def _row(result: dict) -> dict:
    row = {"id": result.get("id")}
    if "error" in result:
        return {**row, "error": result["error"]}
    row.update({key: result.get(key) for key in KEPT})
    for citation in row["citations"] or []:
        citation.pop("score", None)  # the fused rank score is not something a user reads
    row["retrieved"] = [[p["source"], p["page"], p["start"], p["end"]] for p in result.get("retrieved", [])]
    return row


def dump(out: Path, llm: str, only: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, (questions, corpus) in SETS.items():
        if only and name not in only:
            continue
        with tempfile.TemporaryDirectory(prefix=f"cmp-{name}-") as index:
            subprocess.run(
                [_assistant(), "ingest", str(corpus), "--index-dir", index, "--quiet"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            done = subprocess.run(
                [
                    _assistant(),
                    "ask",
                    "--questions",
                    str(questions),
                    "--json",
                    "--llm",
                    llm,
                    "--index-dir",
                    index,
                ],
                capture_output=True,
                text=True,
            )
        rows = [_row(json.loads(line)) for line in done.stdout.splitlines() if line.strip()]
        (out / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows), encoding="utf-8"
        )
        print(f"{name}: {len(rows)} answers -> {out / (name + '.jsonl')}")


def _load(path: Path) -> dict[str, dict]:
    return {row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def diff(before: Path, after: Path) -> int:
    differences = 0
    for name in SETS:
        a_path, b_path = before / f"{name}.jsonl", after / f"{name}.jsonl"
        if not a_path.exists() or not b_path.exists():
            print(f"{name}: missing in {'before' if not a_path.exists() else 'after'}")
            differences += 1
            continue
        a, b = _load(a_path), _load(b_path)
        added = sorted(
            {
                k
                for key in a
                for c in (b.get(key) or {}).get("citations") or []
                for k in c
                if any(k not in old for old in (a[key].get("citations") or []))
            }
        )
        if added:
            print(f"{name}: citations gained {', '.join(added)} (new fields, not compared)")
        for key in set(a) & set(b):
            for citation in b[key].get("citations") or []:
                for k in added:
                    citation.pop(k, None)
        changed = [key for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]
        for key in changed:
            old, new = a.get(key) or {}, b.get(key) or {}
            fields = sorted(f for f in set(old) | set(new) if old.get(f) != new.get(f))
            print(f"{name} {key}: differs in {', '.join(fields)}")
            for field in fields:
                print(f"  before {field}: {json.dumps(old.get(field), ensure_ascii=False)[:400]}")
                print(f"  after  {field}: {json.dumps(new.get(field), ensure_ascii=False)[:400]}")
        print(f"{name}: {len(a)} before, {len(b)} after, {len(changed)} different")
        differences += len(changed)
    print("no difference" if not differences else f"{differences} differences")
    return 1 if differences else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("dump", help="answer every gold question, write one JSONL per set")
    p.add_argument("out", type=Path)
    p.add_argument("--llm", default="extractive")
    p.add_argument(
        "--set", action="append", default=[], choices=list(SETS), help="only this set (repeatable)"
    )
    p = sub.add_parser("diff", help="compare two dumps; exit 1 on any difference")
    p.add_argument("before", type=Path)
    p.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.out, args.llm, args.set)
        return 0
    return diff(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
