"""Time to the first answer text and to the end of the answer, as a script sees them: ``gradio_client``
against a running server (``/chat``, which streams the quick answer then the final one).

    python scripts/bench_chat_stream.py                       # seeds dev questions, local model
    python scripts/bench_chat_stream.py --limit 10 --llm extractive

The seeds are ingested into a temporary index; one question is asked first and not counted (the
model is loaded and its system prompt cached). Each question is its own conversation (a new
client), as in the evaluation: ``/chat`` keeps a client's history, and a question that reads as a
follow-up of the previous one would first be rewritten by the model. Prints, per question, the seconds to the first text
and to the end, whether the first text was the quick answer, then medians, p95 and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=Path, default=SHARED / "evals" / "seeds_dev.jsonl")
    parser.add_argument("--corpus", type=Path, default=SHARED / "seeds")
    parser.add_argument("--llm", default="local")
    parser.add_argument("--limit", type=int, default=0, help="questions asked (0: all)")
    args = parser.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from gradio_client import Client

    from assistant.pipeline import Assistant
    from core.settings import get_settings
    from evals.stats import percentile
    from ui.render import QUICK_LABEL
    from ui.server import serve_in_background

    questions = [
        json.loads(line)["question"] for line in args.questions.read_text("utf-8").splitlines() if line
    ]
    questions = questions[: args.limit] if args.limit else questions
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(get_settings(index_dir=Path(tmp) / "index", llm=args.llm))
        assistant.ingest([args.corpus])
        demo, url = serve_in_background(assistant, feedback_path=Path(tmp) / "fb.sqlite")
        try:

            def client():
                return Client(url, analytics_enabled=False, verbose=False)

            client().predict("Qui signe les contrats de ville ?", api_name="/chat")  # warm-up, not counted
            rows = []
            for question in questions:
                session = client()  # a conversation of its own
                started = time.perf_counter()
                job = session.submit(question, api_name="/chat")
                first, quick = None, False
                for output in job:
                    text = output if isinstance(output, str) else output[0]
                    if first is None:
                        first, quick = time.perf_counter() - started, text.startswith(QUICK_LABEL)
                job.result()
                end = time.perf_counter() - started
                first = end if first is None else first
                rows.append((first, end, quick))
                print(f"{first:7.2f} s {end:7.2f} s {'rapide' if quick else 'finale':7} {question[:70]}")
        finally:
            demo.close()
    firsts, ends = [r[0] for r in rows], [r[1] for r in rows]
    print(f"\n{len(rows)} questions, backend {args.llm}, {sum(r[2] for r in rows)} with a quick answer first")
    for label, values in (("first text", firsts), ("end", ends)):
        print(
            f"{label + ':':11} median {statistics.median(values):.2f} s, p95 {percentile(values, 95):.2f} s, "
            f"max {max(values):.2f} s"
        )
    print(f"ratio end / first text (medians): {statistics.median(ends) / statistics.median(firsts):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
