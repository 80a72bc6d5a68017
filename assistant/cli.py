"""Command line: ``assistant ingest|ask|docs|serve|eval|bench|feedback``. ``--help`` documents each."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.offline import apply_offline_env

apply_offline_env()

KIND_CHOICES = ["circulaire", "cycle", "guide", "autre"]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index-dir", type=Path, help="dossier de l'index (défaut : data/index ou ASSISTANT_INDEX_DIR)")


def _settings(args, **extra):
    from assistant.config import get_settings

    return get_settings(index_dir=getattr(args, "index_dir", None), **extra)


def cmd_ingest(args) -> int:
    from ingest.pipeline import Ingestor

    settings = _settings(args)
    report = Ingestor(settings).run(args.paths, prune=args.prune, progress=not args.quiet)
    print(report.summary())
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if report.usable else 1


def _filters(args):
    from assistant.retrieve import Filters

    return Filters(kinds=tuple(args.kind or ()), year_min=args.year_min, year_max=args.year_max)


def cmd_ask(args) -> int:
    from assistant.api import Assistant, QuestionError

    assistant = Assistant(_settings(args, llm=args.llm))
    filters = _filters(args)
    if args.questions:
        return _ask_batch(assistant, args, filters)
    if not args.question:
        print("Indiquez une question, ou --questions FICHIER.jsonl.", file=sys.stderr)
        return 2
    try:
        answer = assistant.ask(args.question, filters=filters)
    except QuestionError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print(format_answer(answer))
    return 0


def _ask_batch(assistant, args, filters) -> int:
    from assistant.api import QuestionError

    failures = 0
    out = sys.stdout
    for number, line in enumerate(args.questions.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            result = assistant.ask(item["question"], filters=filters).to_dict()
            result = {"id": item.get("id", str(number)), **result}
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            result, failures = {"id": str(number), "error": f"ligne {number} invalide : {exc}"}, failures + 1
        except QuestionError as exc:
            result, failures = {"id": item.get("id", str(number)), "error": str(exc)}, failures + 1
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return 1 if failures else 0


def format_answer(answer) -> str:
    lines = [answer.answer, ""]
    if answer.citations:
        lines.append("Sources :")
        for c in answer.citations:
            page = f", page {c.passage.page}" if c.passage.page else ""
            lines.append(f"[{c.id}] {c.passage.title} ({c.passage.source}{page})")
            lines.append(f"    « {' '.join(c.passage.text.split())[:300]} »")
    elif answer.suggestions:
        lines.append("Documents les plus proches :")
        lines.extend(f"- {s['title']} ({s['source']})" for s in answer.suggestions)
    lines.append(f"\n[{answer.backend} — {answer.timings_ms.get('total', 0):.0f} ms]")
    return "\n".join(lines)


def cmd_docs(args) -> int:
    from index.store import ChunkStore

    for doc in ChunkStore(_settings(args)).documents():
        print(f"{doc['kind']:<10} {doc['date'] or '—':<10} {doc['chunks']:>4} passages  {doc['title'][:70]}  ({doc['source']})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Assistant documentaire « politique de la ville » : ingestion, questions avec sources citées, "
                    "interface web, évaluation et mesures de performance. Tout fonctionne hors ligne.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="indexer des fichiers et dossiers (PDF, TXT, MD, HTML, DOCX)",
                       description="Indexe des fichiers et des dossiers (récursivement). Un fichier inchangé est "
                                   "ignoré, un fichier modifié remplace ses passages.")
    _common(p)
    p.add_argument("paths", nargs="+", type=Path, help="fichiers ou dossiers")
    p.add_argument("--prune", action="store_true", help="retirer les documents dont le fichier a disparu")
    p.add_argument("--report", type=Path, help="écrire un rapport JSON (fichiers, échecs et raisons)")
    p.add_argument("--quiet", action="store_true", help="sans barre de progression")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="poser une question (ou un fichier JSONL de questions)",
                       description="Répond en français à partir des documents indexés, avec les sources citées.")
    _common(p)
    p.add_argument("question", nargs="?", help="la question")
    p.add_argument("--questions", type=Path, help="fichier JSONL (champs id, question) ; une réponse JSON par ligne")
    p.add_argument("--llm", choices=["auto", "local", "openai", "extractive"], help="moteur de réponse")
    p.add_argument("--kind", action="append", choices=KIND_CHOICES, help="filtrer par type de document (répétable)")
    p.add_argument("--year-min", type=int, help="année minimale du document")
    p.add_argument("--year-max", type=int, help="année maximale du document")
    p.add_argument("--json", action="store_true", help="sortie JSON stable")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("docs", help="lister les documents indexés")
    _common(p)
    p.set_defaults(func=cmd_docs)

    for register in _extensions():
        register(sub, _common)
    return parser


def _extensions():
    """Subcommands defined next to their feature (serve, eval, bench, feedback)."""
    import importlib

    for module, attr in (("ui.cli", "register"), ("evals.cli", "register"), ("evals.bench_cli", "register")):
        try:
            yield getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(module.split(".")[0]):
                continue
            raise


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
