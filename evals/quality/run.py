"""Run an evaluation: ingest a corpus, ask every gold question under each configuration, score.

``run_eval(questions_path, corpus, configs, out_dir, index_dir=None) -> dict``

A configuration is ``RETRIEVAL`` or ``RETRIEVAL+BACKEND``:

* retrieval configurations (``bm25``, ``dense``, ``hybrid``, ``llamaindex-default``)
  rank the top 10 passages and get retrieval metrics only; the first three share one
  ``Assistant`` (one ingest) and call ``assistant.retrieve(question, mode=...)``;
* answer configurations (``hybrid+extractive``, ``hybrid+local``, ...) call
  ``assistant.ask(question, llm=BACKEND, mode=RETRIEVAL)`` and get answer, citation
  and refusal metrics. ``llamaindex-default+extractive`` runs the same answer code
  over the peer pipeline's retriever and its default top-k (see ``evals.peer``).

The returned dict (also written as ``results.json``) holds ``meta``, per-config
aggregates overall and by question type, the winners per metric, hybrid's
comparisons with the other pipelines, and every per-question row.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.llm import registry
from evals.provenance import git_state
from evals.quality.aggregate import PEER, classify_failure, score_question, summarize
from evals.quality.metrics import gold_sources

RETRIEVALS = ("bm25", "dense", "hybrid", PEER)
ANSWER_BACKENDS = tuple(name for name in registry.names() if name != registry.AUTO)
DEFAULT_CONFIGS = ("bm25", "dense", "hybrid", PEER, "hybrid+extractive", f"{PEER}+extractive")
RANKING_K = 10
REQUIRED = ("id", "question", "type", "answerable", "must_contain", "source_file")


class EvalError(ValueError):
    """Bad input (questions file, corpus, configuration name); the message is for the user."""


@dataclass(frozen=True)
class Config:
    name: str
    retrieval: str
    backend: str | None = None

    @property
    def kind(self) -> str:
        return "answer" if self.backend else "retrieval"


def parse_configs(spec) -> list[Config]:
    """``"bm25,hybrid+extractive"`` or a list of names -> configurations (order kept, duplicates dropped)."""
    if spec is None:
        spec = DEFAULT_CONFIGS
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    out, seen = [], set()
    for raw in names:
        name = raw.strip()
        if not name or name in seen:
            continue
        seen.add(name)
        retrieval, _, backend = name.partition("+")
        if retrieval not in RETRIEVALS:
            raise EvalError(f"configuration inconnue : {name!r} (recherche : {', '.join(RETRIEVALS)})")
        if backend and backend not in ANSWER_BACKENDS:
            raise EvalError(
                f"configuration inconnue : {name!r} (moteurs de réponse : {', '.join(ANSWER_BACKENDS)})"
            )
        out.append(Config(name, retrieval, backend or None))
    if not out:
        raise EvalError("aucune configuration")
    return out


def load_questions(path, limit: int | None = None) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise EvalError(f"fichier de questions introuvable : {path}")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{path}:{number} : JSON invalide ({exc})") from exc
        missing = [f for f in REQUIRED if not isinstance(item, dict) or f not in item]
        if missing:
            raise EvalError(f"{path}:{number} : champs manquants : {', '.join(missing)}")
        items.append(item)
    if not items:
        raise EvalError(f"aucune question dans {path}")
    return items[:limit] if limit else items


# -- rows --------------------------------------------------------------------------
def _passage_json(rank: int, p) -> dict:
    if isinstance(p, dict):
        return {
            "rank": rank,
            "source": p.get("source", ""),
            "page": p.get("page"),
            "score": round(float(p.get("score") or 0.0), 6),
            "text": p.get("text", ""),
        }
    return {
        "rank": rank,
        "source": p.source,
        "page": p.page,
        "score": round(float(p.score or 0.0), 6),
        "text": p.text,
    }


def _row(config: Config, item: dict) -> dict:
    return {
        "config": config.name,
        "id": item["id"],
        "type": item["type"],
        "answerable": bool(item["answerable"]),
        "question": item["question"],
        "history": item.get("history"),
        "must_contain": item["must_contain"],
        "source_file": item["source_file"],
    }


def retrieval_row(config: Config, item: dict, assistant, mode: str) -> dict:
    row = _row(config, item)
    t0 = time.perf_counter()
    try:
        passages = assistant.retrieve(item["question"], k=RANKING_K, mode=mode)
    except Exception as exc:  # one broken question must not stop the run; the report counts errors
        row.update(time_ms=None, error=f"{type(exc).__name__}: {exc}", retrieved=[], scores={})
        return row
    row["time_ms"] = (time.perf_counter() - t0) * 1000
    row["retrieved"] = [_passage_json(i, p) for i, p in enumerate(passages, start=1)]
    row["scores"] = score_question(item, row["retrieved"])
    return row


def answer_row(config: Config, item: dict, assistant, mode: str) -> dict:
    row = _row(config, item)
    row["context_k"] = assistant.settings.context_k
    t0 = time.perf_counter()
    try:
        answer = assistant.ask(
            item["question"], history=item.get("history"), llm=config.backend, mode=mode
        ).to_dict()
    except Exception as exc:  # recorded as a wrong answer with its reason
        row.update(
            time_ms=None,
            error=f"{type(exc).__name__}: {exc}",
            retrieved=[],
            scores={},
            failure={"code": "error", "why": f"error: {type(exc).__name__}: {exc}"},
        )
        return row
    row["time_ms"] = (time.perf_counter() - t0) * 1000
    row["answer"] = answer["answer"]
    row["abstained"] = answer["abstained"]
    row["refusal_reason"] = answer.get("refusal_reason")
    row["fallback"] = answer.get("fallback")  # "extractive" when the model's answer was replaced
    row["fallback_reason"] = answer.get("fallback_reason")
    row["draft"] = answer.get("draft")  # the model's text before the citation check
    row["citations"] = [
        {"id": c["id"], "source": c["source"], "page": c["page"], "text": c["text"]}
        for c in answer["citations"]
    ]
    row["timings_ms"] = answer["timings_ms"]
    row["retrieved"] = [_passage_json(i, p) for i, p in enumerate(answer["retrieved"], start=1)]
    row["scores"] = score_question(item, row["retrieved"], answer, context_k=row["context_k"])
    row["failure"] = classify_failure(row)
    return row


# -- the run -----------------------------------------------------------------------
def _say(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def _under(path: str, root: Path) -> bool:
    p = Path(path or "")
    return p == root or root in p.parents


def _quiet(func):
    """Run ``func`` with ``threads`` torch intra-op threads (restored afterwards; None leaves torch's
    default, and the function receives the number in use) and stdout sent to stderr."""

    @functools.wraps(func)
    def wrapper(*args, threads: int | None = 1, **kwargs):
        import torch

        from index.embeddings import torch_threads

        with torch_threads(threads or 0), contextlib.redirect_stdout(sys.stderr):
            return func(*args, threads=threads or torch.get_num_threads(), **kwargs)

    return wrapper


@_quiet
def run_eval(
    questions_path,
    corpus,
    configs=None,
    out_dir=None,
    index_dir=None,
    *,
    progress: bool = True,
    limit: int | None = None,
    command: str | None = None,
    settings=None,
    threads: int | None = 1,
    embed_model=None,
) -> dict:
    """Evaluate ``configs`` on the gold questions over ``corpus``; write the outputs to ``out_dir`` if given.

    ``index_dir``: index folder to ingest into (incremental); a temporary folder,
    deleted afterwards, when None. ``settings``: base ``Settings`` (its index
    folder is replaced); by default from the environment. ``threads``: torch
    intra-op threads during the run (restored afterwards; None leaves torch's
    default). One thread is the default: on a small shared CPU, two threads make
    every e5 query wait on a busy core (measured: ~1.5 s instead of ~0.05 s).
    llama-index's "Using MockLLM" notices go to stderr, so stdout stays clean.
    """
    from tqdm import tqdm

    from assistant.llm.base import BackendUnavailable
    from assistant.pipeline import Assistant
    from core.settings import get_settings
    from evals.quality.validate_gold import validate
    from ingest.pipeline import IngestReport, collect_files

    started = time.perf_counter()
    items = load_questions(questions_path, limit)
    configs = parse_configs(configs)
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise EvalError(f"dossier du corpus introuvable : {corpus}")
    root = corpus.resolve()

    tmp = None
    if index_dir is None:
        tmp = index_dir = Path(tempfile.mkdtemp(prefix="assistant-eval-"))
    try:
        base = settings or get_settings()
        settings = base.model_copy(update={"index_dir": Path(index_dir), "llm": "extractive"})
        gold_errors = validate(questions_path, corpus)
        if gold_errors:
            _say(
                progress,
                f"Attention : le jeu de questions a {len(gold_errors)} erreur(s) de validation "
                f"(python -m evals.quality.validate_gold) ; première : {gold_errors[0]}",
            )

        _say(progress, f"Ingestion de {corpus} dans {index_dir}")
        assistant = Assistant(settings, embed_model=embed_model)
        ingest = assistant.ingest([corpus], progress=progress)
        if not ingest.usable:
            raise EvalError(f"aucun document utilisable dans {corpus}")
        documents = assistant.store.documents()
        foreign = sorted(d["path"] for d in documents if not _under(d["path"], root))
        if foreign:
            _say(
                progress,
                f"Attention : l'index contient {len(foreign)} document(s) hors du corpus ; "
                "les résultats en tiennent compte (--index-dir vide ou temporaire recommandé).",
            )
        indexed = {d["source"] for d in documents}
        gold_files = set().union(*(gold_sources(it) for it in items)) - {""}
        not_indexed = sorted(gold_files - indexed)

        peer = peer_assistant = None
        if any(c.retrieval == PEER for c in configs):
            from evals.peer import LlamaIndexDefaultRetriever
            from evals.peer import peer_assistant as make_peer

            _say(progress, "Construction du pipeline llama-index par défaut (en mémoire)")
            files = collect_files([corpus], IngestReport())
            peer = LlamaIndexDefaultRetriever(files, assistant.embed_model)
            peer_assistant = make_peer(settings, peer, assistant.embed_model)

        rows: list[dict] = []
        config_info: dict[str, dict] = {}
        bar = tqdm(
            total=len(configs) * len(items),
            desc="Évaluation",
            unit="q",
            disable=not progress,
            file=sys.stderr,
        )
        for config in configs:
            target = peer_assistant if config.retrieval == PEER else assistant
            mode = "dense" if config.retrieval == PEER else config.retrieval
            info = {
                "kind": config.kind,
                "retrieval": config.retrieval,
                "backend": config.backend,
                "chunks": len(peer.nodes) if config.retrieval == PEER else assistant.store.count(),
                "context_k": target.settings.context_k if config.backend else None,
                "skipped": None,
            }
            config_info[config.name] = info
            bar.set_postfix_str(config.name)
            try:  # warm-up, untimed: models, BM25, vocabulary, backend
                target.retrieve("contrat de ville", k=RANKING_K, mode=mode)
                if config.backend:
                    _ = target.vocabulary
                    target.backend(config.backend)
            except BackendUnavailable as exc:
                info["skipped"] = f"{type(exc).__name__}: {exc}"
                _say(progress, f"\n{config.name} ignorée : {exc}")
                bar.update(len(items))
                continue
            for item in items:
                if config.backend:
                    rows.append(answer_row(config, item, target, mode))
                else:
                    rows.append(retrieval_row(config, item, target, mode))
                bar.update(1)
        bar.close()

        summary = summarize(rows, config_info)

        types: dict[str, int] = {}
        for it in items:
            types[it["type"]] = types.get(it["type"], 0) + 1
        meta = {
            "command": command,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "questions": str(questions_path),
            "corpus": str(corpus),
            "n_questions": len(items),
            "n_answerable": sum(bool(it["answerable"]) for it in items),
            "types": dict(sorted(types.items())),
            "configs": [c.name for c in configs],
            "index_dir": None if tmp else str(index_dir),
            "settings": {
                k: (str(v) if isinstance(v, Path) else v)
                for k, v in settings.model_dump().items()
                if k
                in (
                    "embed_model",
                    "chunk_size",
                    "chunk_overlap",
                    "top_k",
                    "context_k",
                    "llm_max_tokens",
                    "llm_model_path",
                )
            },
            "documents": len(documents),
            "chunks": assistant.store.count(),
            "ingest": {
                "seconds": round(ingest.seconds, 2),
                "failed": [f.path for f in ingest.by_status("failed")],
                "foreign_documents": foreign,
                "gold_files_not_indexed": not_indexed,
            },
            "peer": None
            if peer is None
            else {
                "chunks": len(peer.nodes),
                "chunk_size": peer.chunk_size,
                "chunk_overlap": peer.chunk_overlap,
                "top_k": peer.default_top_k,
                "build_seconds": round(peer.build_seconds, 2),
            },
            "gold_validation_errors": gold_errors,
            "ranking_k": RANKING_K,
            "torch_threads": threads,
            "git": git_state(),
            "seconds": None,
        }
        results = {"meta": meta, **summary, "questions": rows}
        meta["seconds"] = round(time.perf_counter() - started, 1)
        if out_dir is not None:
            from evals.quality.report import write_outputs

            results["outputs"] = {k: str(v) for k, v in write_outputs(results, out_dir).items()}
        return results
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
