"""What one ``assistant bench`` run measures: corpus, questions, scale ladder, LLM budget, threads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.settings import PROJECT_ROOT, SHARED_DIR

SEEDS = SHARED_DIR / "seeds"
SEEDS_DEV = SHARED_DIR / "evals" / "seeds_dev.jsonl"
SAMPLE = PROJECT_ROOT / "sample_corpus"
SAMPLE_GOLD = PROJECT_ROOT / "evals" / "sample_gold.jsonl"
SEEDS_CHUNKS = 46  # chunks of ../shared/seeds with the default settings: the "1x" of the scale ladder

FULL_SCALES = (500, 5_000, 50_000)
QUICK_SCALES = (300,)


@dataclass
class BenchConfig:
    out: Path = Path("bench_out")
    quick: bool = False
    threads: int | None = None  # torch intra-op threads in every worker; None: torch's default (all cores)
    corpus: list[Path] = field(default_factory=list)
    questions: list[Path] = field(default_factory=list)
    limit: int | None = None  # questions per query measurement
    scales: tuple[int, ...] = ()
    llm_questions: int = 0
    llm_budget_s: float = 240.0
    seed: int = 0
    pool_size: int = 2000
    profile: bool = False  # a pyinstrument profile of every measurement in <out>/profiles
    tune: bool = False  # also measure the model alone for threads x batch size
    progress: bool = True

    @classmethod
    def make(cls, out: Path, quick: bool = False, **overrides) -> BenchConfig:
        """Defaults for a full or a quick run; explicit non-None overrides win."""
        have_seeds = SEEDS.is_dir() and SEEDS_DEV.is_file()
        if quick:
            corpus = [SEEDS] if have_seeds else [SAMPLE]
            questions = [SEEDS_DEV] if have_seeds else [SAMPLE_GOLD]
            base = {
                "limit": 20,
                "scales": QUICK_SCALES,
                "llm_questions": 2,
                "llm_budget_s": 90.0,
                "pool_size": 400,
            }
        else:
            corpus = ([SEEDS] if have_seeds else []) + [SAMPLE]
            questions = ([SEEDS_DEV] if have_seeds else []) + [SAMPLE_GOLD]
            base = {
                "limit": None,
                "scales": FULL_SCALES,
                "llm_questions": 8,
                "llm_budget_s": 200.0,
                "pool_size": 2000,
            }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(out=Path(out), quick=quick, corpus=corpus, questions=questions, **base)

    def to_json(self) -> dict:
        """The configuration as JSON values (paths as strings), for ``bench.json``."""
        return {
            k: (str(v) if isinstance(v, Path) else [str(x) for x in v] if isinstance(v, list) else v)
            for k, v in asdict(self).items()
        }
