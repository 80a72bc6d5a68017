"""Time to the passages and chronology, to the model's first draft text and to the verified synthesis
of « Préparer une séance » (``assistant.workspace.prepare_stream``, what the web page shows).

    python scripts/bench_workspace_stream.py                       # sample_corpus, local model
    python scripts/bench_workspace_stream.py --corpus ../shared/seeds --llm extractive

The corpus is ingested into a temporary index; one theme is prepared first and not counted (the model
is loaded). The themes are the page's own examples (``ui.handlers.THEME_EXAMPLES``). Prints, per theme,
the seconds to each step, the tokens llama.cpp produced and whether the time bound stopped it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT / "sample_corpus")
    parser.add_argument("--llm", default="local")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from assistant.pipeline import Assistant
    from assistant.workspace import prepare_stream
    from core.settings import get_settings
    from ui.handlers import THEME_EXAMPLES

    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(get_settings(index_dir=Path(tmp) / "index", llm=args.llm))
        assistant.ingest([args.corpus])
        *_, _ = prepare_stream(assistant, "politique de la ville")  # warm-up, not counted
        rows = []
        for theme in THEME_EXAMPLES:
            start, first, draft = time.perf_counter(), None, None
            for ws in prepare_stream(assistant, theme):
                now = time.perf_counter() - start
                first = first if first is not None else now
                if ws.draft and draft is None:
                    draft = now
            end = time.perf_counter() - start
            backend = assistant.backend(ws.backend)
            tokens = getattr(backend, "last_pieces", 0)
            rows.append((first, draft, end))
            print(
                f"{theme[:40]:40}  passages+chronologie {first:6.2f} s  premier brouillon "
                f"{draft if draft is not None else float('nan'):6.1f} s  fin {end:6.1f} s  jetons {tokens:4d}"
                f"  synthèse {'oui' if ws.synthesis else 'non'}  questions {len(ws.questions)}"
                f"  note « {ws.note[:40]} »"
            )
        firsts = [r[0] for r in rows]
        ends = [r[2] for r in rows]
        print(f"passages et chronologie : médiane {statistics.median(firsts):.2f} s, max {max(firsts):.2f} s")
        print(f"synthèse vérifiée : médiane {statistics.median(ends):.1f} s, max {max(ends):.1f} s")
        print(
            f"rapport fin / passages (médianes) : {statistics.median(ends) / statistics.median(firsts):.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
