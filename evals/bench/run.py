"""``assistant bench``: ingest throughput, query latency, memory and scale, on this machine, in one run.

:func:`run_bench` runs each measurement in its own process (:mod:`evals.bench_worker`)
one after the other, so that each peak memory figure is that measurement's own
and no model stays loaded between them:

1. ``ingest``: a full ingest of the bench corpus into an empty index, the model
   loaded beforehand (its load time is reported apart), split into
   load+clean+split / embed / store; then the model alone on exactly the same
   chunk texts (the practical limit) in the same process;
2. ``reingest``: the same corpus again, in a new process: nothing changed;
3. ``query``: start-up, idle memory, BM25 / dense / hybrid retrieval and
   extractive answers over every question, then the local LLM on a few;
4. ``peer``: the llama-index default pipeline (``evals.peer``) on the same files
   and questions, for the ratios;
5. ``scale``: the same query measurements (without the LLM) over indexes grown
   with synthetic documents (``evals.synthetic``) to each size of the ladder.

Scale indexes are embedded with :class:`evals.bench_embed.ComposedEmbedding`
(real e5 vectors of the generator's sentences, averaged per chunk) and cached
under ``<out>/cache`` by generator version, seed, pool size, model, chunking,
real corpus content and size; each is grown from the previous one. Their build
figures are those of the run that built them (``cached: true`` says so).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
SEEDS_DEV = SHARED / "evals" / "seeds_dev.jsonl"
SAMPLE = ROOT / "sample_corpus"
SAMPLE_GOLD = ROOT / "evals" / "sample_gold.jsonl"
SEEDS_CHUNKS = 46  # chunks of ../shared/seeds with the default settings: the "1x" of the scale ladder

FULL_SCALES = (500, 5_000, 50_000)
QUICK_SCALES = (300,)


class BenchError(RuntimeError):
    """A measurement failed; the message is for the user."""


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
    def make(cls, out: Path, quick: bool = False, **overrides) -> "BenchConfig":
        """Defaults for a full or a quick run; explicit non-None overrides win."""
        have_seeds = SEEDS.is_dir() and SEEDS_DEV.is_file()
        if quick:
            corpus = [SEEDS] if have_seeds else [SAMPLE]
            questions = [SEEDS_DEV] if have_seeds else [SAMPLE_GOLD]
            base = dict(limit=20, scales=QUICK_SCALES, llm_questions=2, llm_budget_s=90.0, pool_size=400)
        else:
            corpus = ([SEEDS] if have_seeds else []) + [SAMPLE]
            questions = ([SEEDS_DEV] if have_seeds else []) + [SAMPLE_GOLD]
            base = dict(limit=None, scales=FULL_SCALES, llm_questions=8, llm_budget_s=200.0, pool_size=2000)
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(out=Path(out), quick=quick, corpus=corpus, questions=questions, **base)


# -- running workers -------------------------------------------------------------------
def _say(cfg: BenchConfig, message: str) -> None:
    if cfg.progress:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_worker(cfg: BenchConfig, task: str, args: dict, name: str | None = None) -> dict:
    """Run one measurement in a fresh Python process; its log goes to ``<out>/logs/NAME.log``."""
    name = name or task
    work = cfg.out / "work"
    logs = cfg.out / "logs"
    work.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    args = {"threads": cfg.threads, **args, "spawned_at": time.time()}
    if cfg.profile:
        args.update(profile_dir=str(cfg.out / "profiles"), profile_name=name)
    args_path, result_path = work / f"{name}.args.json", work / f"{name}.result.json"
    args_path.write_text(json.dumps(args, ensure_ascii=False, default=str), encoding="utf-8")
    result_path.unlink(missing_ok=True)
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    started = time.perf_counter()
    with (logs / f"{name}.log").open("w", encoding="utf-8") as log:
        proc = subprocess.run([sys.executable, "-m", "evals.bench_worker", task, str(args_path), str(result_path)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not result_path.exists():
        tail = (logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")[-2000:]
        raise BenchError(f"la mesure « {name} » a échoué (code {proc.returncode}) ; journal : "
                         f"{logs / (name + '.log')}\n{tail}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["parent_wall_s"] = round(wall, 2)
    return result


# -- machine ------------------------------------------------------------------------------
def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    versions = {}
    for pkg in ("torch", "sentence-transformers", "transformers", "chromadb", "llama-index-core", "bm25s", "xllamacpp"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            pass
    return {"cores": os.cpu_count(), "cpu_model": cpu, "memory_gb": mem_gb, "python": platform.python_version(),
            "platform": platform.platform(), "load_average_at_start": [round(x, 2) for x in load] if load else None,
            "packages": versions}


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (out.stdout.strip() + ("+modifications" if dirty else "")) or None
    except (OSError, subprocess.SubprocessError):
        return None


# -- scale indexes ------------------------------------------------------------------------
def _corpus_digest(paths: list[Path]) -> str:
    from ingest.pipeline import IngestReport, collect_files

    digest = hashlib.sha1()
    for path in sorted(collect_files(paths, IngestReport()), key=str):
        digest.update(f"{path}:{hashlib.sha1(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()[:10]


def ensure_scale_indexes(cfg: BenchConfig, base_index: Path, base_chunks: int, known: Path) -> list[dict]:
    """Cached index folders for every size of the ladder, built (grown from the previous one) when missing."""
    from assistant.config import get_settings
    from evals.bench_embed import model_tag
    from evals.synthetic import Generator, corpus_key, write_chunks
    from index.embeddings import resolve_embed_model

    settings = get_settings()
    key = corpus_key(cfg.seed, cfg.pool_size)
    cache = cfg.out / "cache"
    docs_dir = cache / key / "docs"
    generator = None
    tag = "-".join([key, model_tag(resolve_embed_model(settings)), _corpus_digest(cfg.corpus),
                    f"c{settings.chunk_size}o{settings.chunk_overlap}"])
    previous, prev_docs, prev_build = base_index, 0, 0.0
    ladder = []
    for target in sorted(cfg.scales):
        index_dir = cache / "indexes" / f"{tag}-t{target}"
        meta_path = index_dir / "bench_build.json"
        if meta_path.exists():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            meta["cached"] = True
            _say(cfg, f"index de {target} passages : en cache ({index_dir.name})")
        else:
            generator = generator or Generator(cfg.seed, cfg.pool_size)
            t = time.perf_counter()
            paths, synthetic = write_chunks(docs_dir, max(target - base_chunks, 1), generator,
                                            settings.chunk_size, settings.chunk_overlap)
            generate_s = time.perf_counter() - t
            _say(cfg, f"construction de l'index de {target} passages ({len(paths)} documents synthétiques, "
                      f"{synthetic} passages synthétiques)")
            if index_dir.exists():
                shutil.rmtree(index_dir)
            shutil.copytree(previous, index_dir, ignore=shutil.ignore_patterns("bench_build.json"))
            result = run_worker(cfg, "build_scale", {
                "index_dir": str(index_dir), "paths": [str(p) for p in paths[prev_docs:]], "seed": cfg.seed,
                "pool_size": cfg.pool_size, "cache_dir": str(cache / "pool"), "known": str(known),
            }, name=f"build_{target}")
            meta = {"target_chunks": target, "synthetic_docs": len(paths), "synthetic_chunks": synthetic,
                    "grown_from_docs": prev_docs, "generate_s": round(generate_s, 2), "increment": result,
                    "build_s_cumulative": round(prev_build + result["seconds"], 2),
                    "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cached": False}
            meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        ladder.append({"target": target, "index_dir": index_dir, "build": meta})
        previous, prev_docs, prev_build = index_dir, meta["synthetic_docs"], meta["build_s_cumulative"]
    return ladder


# -- the run ---------------------------------------------------------------------------------
def run_bench(cfg: BenchConfig, command: str | None = None) -> dict:
    started = time.perf_counter()
    cfg.out.mkdir(parents=True, exist_ok=True)
    work = cfg.out / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for path in cfg.corpus + cfg.questions:
        if not Path(path).exists():
            raise BenchError(f"introuvable : {path}")
    result: dict = {
        "meta": {
            "command": command, "quick": cfg.quick,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": machine_info(), "git": _git_commit(), "config": _config_json(cfg),
        },
    }
    base_index = work / "base_index"
    corpus = [str(Path(p).resolve()) for p in cfg.corpus]
    questions = [str(Path(p).resolve()) for p in cfg.questions]

    _say(cfg, f"ingestion complète de {', '.join(Path(p).name for p in corpus)}")
    ingest = run_worker(cfg, "ingest", {"index_dir": str(base_index), "paths": corpus,
                                        "known_out": str(work / "known.npz")})
    ingest["ratio_to_raw_embedding"] = _ratio(ingest["chunks_per_s"], ingest["raw_embed"]["chunks_per_s"])
    ingest["embed_phase_ratio_to_raw"] = _ratio(ingest["embed_phase_chunks_per_s"],
                                                ingest["raw_embed"]["chunks_per_s"])
    result["ingest"] = ingest

    if cfg.tune:
        _say(cfg, "réglage : threads x taille de lot du modèle seul")
        result["tune"] = run_worker(cfg, "tune", {"index_dir": str(base_index), "known": str(work / "known.npz")})

    _say(cfg, "ré-ingestion sans changement")
    result["reingest"] = run_worker(cfg, "reingest", {"index_dir": str(base_index), "paths": corpus})

    _say(cfg, f"latence des requêtes et réponses ({ingest['chunks']} passages ; LLM local : "
              f"{cfg.llm_questions} question(s) au plus)")
    query = run_worker(cfg, "query", {"index_dir": str(base_index), "questions": questions, "limit": cfg.limit,
                                      "llm_questions": cfg.llm_questions, "llm_budget_s": cfg.llm_budget_s})
    result["query"] = query

    _say(cfg, "pipeline llama-index par défaut (pair)")
    peer = run_worker(cfg, "peer", {"index_dir": str(work / "peer_unused"), "paths": corpus,
                                    "questions": questions, "limit": cfg.limit})
    result["peer"] = {**peer, "ratios": peer_ratios(ingest, query, peer)}

    points = [_scale_point(ingest["chunks"], query, None, ingest["chunks"])]
    if cfg.scales:
        ladder = ensure_scale_indexes(cfg, base_index, ingest["chunks"], work / "known.npz")
        for step in ladder:
            _say(cfg, f"latence à l'échelle ~{step['target']} passages")
            q = run_worker(cfg, "query", {"index_dir": str(step["index_dir"]), "questions": questions,
                                          "limit": cfg.limit, "llm_questions": 0}, name=f"query_{step['target']}")
            points.append(_scale_point(q["chunks"], q, step["build"], ingest["chunks"]))
    result["scale"] = points
    result["targets"] = targets(result)
    result["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _config_json(cfg: BenchConfig) -> dict:
    data = asdict(cfg)
    return {k: (str(v) if isinstance(v, Path) else [str(x) for x in v] if isinstance(v, list) else v)
            for k, v in data.items()}


def _ratio(a, b) -> float | None:
    return round(a / b, 3) if a and b else None


def peer_ratios(ingest: dict, query: dict, peer: dict) -> dict:
    """Peer / ours: above 1 means the llama-index default is slower (or bigger) than the assistant."""
    r = query["retrieval"]
    ours_answer = query["answers"].get("extractive", {}).get("total_ms", {})
    return {
        "ingest_time": _ratio(peer["build_s"], ingest["seconds"]),
        "ingest_time_note": "llama-index default build (read + split + embed, in memory) / our full ingest "
                            "(model loaded beforehand in both)",
        "query_p50_vs_hybrid": _ratio(peer["retrieval_dense"]["p50"], r.get("hybrid", {}).get("p50")),
        "query_p95_vs_hybrid": _ratio(peer["retrieval_dense"]["p95"], r.get("hybrid", {}).get("p95")),
        "query_p50_vs_dense": _ratio(peer["retrieval_dense"]["p50"], r.get("dense", {}).get("p50")),
        "extractive_answer_p50": _ratio(peer["answers_extractive_ms"]["p50"], ours_answer.get("p50")),
        "extractive_answer_p95": _ratio(peer["answers_extractive_ms"]["p95"], ours_answer.get("p95")),
        "evidence@5": {"peer_dense": peer["retrieval_dense"].get("evidence@5"),
                       "ours_hybrid": r.get("hybrid", {}).get("evidence@5")},
    }


def _scale_point(chunks: int, q: dict, build: dict | None, base_chunks: int) -> dict:
    """One row of the scale table; ``x_base``: size relative to the real corpus ingested first (1x)."""
    r = q["retrieval"]
    ans = q["answers"].get("extractive", {})
    return {
        "chunks": chunks, "x_base": round(chunks / max(base_chunks, 1), 1),
        "x_seeds": round(chunks / SEEDS_CHUNKS, 1), "synthetic": build is not None,
        "startup_s": q["startup_s"], "process_start_to_ready_s": q["process_start_to_ready_s"],
        "idle_rss_mb": q["idle_rss_mb"], "peak_rss_answering_mb": q["peak_rss_answering_mb"],
        "index_mb": q["index_mb"], "index_mb_per_1000_chunks": round(q["index_mb"] * 1000 / max(chunks, 1), 2),
        "retrieval_ms": {mode: {k: r[mode][k] for k in ("p50", "p95", "mean", "n")} for mode in r},
        "evidence@5": {mode: r[mode].get("evidence@5") for mode in r if "evidence@5" in r[mode]},
        "extractive_ms": {"p50": ans.get("total_ms", {}).get("p50"), "p95": ans.get("total_ms", {}).get("p95")},
        "build": build,
    }


TARGETS = [
    ("ingest >= 80 % of the raw embedding throughput", "ingest.ratio_to_raw_embedding", ">=", 0.8),
    ("no-change re-ingest of the corpus < 2 s (in process)", "reingest.seconds_in_process", "<", 2.0),
    ("retrieval p95 < 150 ms at the largest scale (hybrid)", "scale[-1].retrieval_ms.hybrid.p95", "<", 150.0),
    ("extractive answer p95 < 300 ms", "query.answers.extractive.total_ms.p95", "<", 300.0),
    ("local LLM first token < 8 s (p95)", "query.answers.local.first_token_ms.p95", "<", 8000.0),
    ("local LLM whole answer < 25 s (p95)", "query.answers.local.total_ms.p95", "<", 25000.0),
    ("server idle memory < 1.5 GB without the LLM", "query.idle_rss_mb", "<", 1536.0),
]


def _get(data, path: str):
    import re

    for part in re.findall(r"[^.\[\]]+|\[-?\d+\]", path):
        if data is None:
            return None
        if part.startswith("["):
            index = int(part[1:-1])
            data = data[index] if isinstance(data, list) and data else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def targets(result: dict) -> list[dict]:
    rows = []
    for label, path, op, limit in TARGETS:
        value = _get(result, path)
        met = None if value is None else (value >= limit if op == ">=" else value < limit)
        rows.append({"target": label, "value": value, "limit": f"{op} {limit:g}", "met": met, "path": path})
    return rows
