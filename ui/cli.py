"""Command line: ``assistant ingest|ask|docs|serve|feedback`` and the commands of installed plugins
(``eval``, ``bench``: entry points of the group :data:`COMMANDS_GROUP`). ``--help`` documents each."""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from importlib.metadata import entry_points
from pathlib import Path

import core  # noqa: F401  (the offline environment, before any library is imported)
from core.documents import FORMATS_LABEL, KINDS
from ui.passage import paragraphs

# Packages add subcommands here: ``register(subparsers, common)`` (pyproject.toml, [project.entry-points]).
COMMANDS_GROUP = "assistant_politique_ville.commands"


def _common(parser: argparse.ArgumentParser, index_dir_help: str | None = None) -> None:
    """The flags every subcommand shares; a subcommand may say what ``--index-dir`` means for it."""
    parser.add_argument(
        "--index-dir",
        type=Path,
        help=index_dir_help or "dossier de l'index (défaut : data/index ou ASSISTANT_INDEX_DIR)",
    )


def _settings(args, **extra):
    from core.settings import get_settings

    return get_settings(index_dir=getattr(args, "index_dir", None), **extra)


def cmd_ingest(args) -> int:
    from index.ingestor import Ingestor

    settings = _settings(args)
    report = Ingestor(settings).run(args.paths, prune=args.prune, progress=not args.quiet)
    print(report.summary())
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    missing = [str(path) for path in args.paths if not Path(path).exists()]
    if missing:  # a path the user named that does not exist is an error, whatever else was indexed
        print(f"Erreur : chemin introuvable : {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0 if report.usable else 1


def _filters(args):
    from assistant.retrieve import Filters

    return Filters(kinds=tuple(args.kind or ()), year_min=args.year_min, year_max=args.year_max)


def cmd_ask(args) -> int:
    from assistant.pipeline import Assistant
    from assistant.question import QuestionError

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
    """One JSON answer per line of ``--questions``; a bad line gets a JSON ``error`` saying why, in French."""
    from assistant.question import QuestionError

    failures, seen = 0, {}
    for number, line in enumerate(args.questions.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        ident = str(number)
        try:
            item = _batch_item(line, number)
            ident = str(item.get("id", number))
            if ident in seen:
                raise ValueError(f"ligne {number} : identifiant « {ident} » déjà utilisé ligne {seen[ident]}")
            seen[ident] = number
            answer = assistant.ask(item["question"], history=item.get("history"), filters=filters)
            result = {"id": ident, **answer.to_dict()}
        except (ValueError, QuestionError) as exc:
            result, failures = {"id": ident, "error": str(exc)}, failures + 1
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 1 if failures else 0


def _batch_item(line: str, number: int) -> dict:
    """A line of a questions file as ``{"id": …, "question": …}``; ValueError with a French reason."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"ligne {number} : JSON invalide ({exc.msg}, colonne {exc.colno})") from None
    if not isinstance(item, dict):
        raise ValueError(
            f'ligne {number} : un objet JSON est attendu, par exemple {{"id": "q1", "question": "…"}}'
        )
    if "question" not in item:
        raise ValueError(f"ligne {number} : champ « question » manquant")
    if not isinstance(item["question"], str):
        raise ValueError(f"ligne {number} : le champ « question » doit être un texte")
    history = item.get("history")
    if history is not None and not (
        isinstance(history, list)
        and all(
            isinstance(m, dict)
            and m.get("role") in ("user", "assistant")
            and isinstance(m.get("content"), str)
            for m in history
        )
    ):
        raise ValueError(
            f"ligne {number} : le champ « history » doit être une liste de tours "
            '{"role": "user" ou "assistant", "content": "…"}'
        )
    return item


def format_answer(answer) -> str:
    lines = [answer.answer, ""]
    if answer.acronyms:
        lines += [
            "Sigles lus en toutes lettres : " + " ; ".join(f"{a} : {v}" for a, v in answer.acronyms.items()),
            "",
        ]
    if answer.citations:
        lines.append("Sources :")
        for c in answer.citations:
            page = f", page {c.passage.page}" if c.passage.page else ""
            lines.append(f"[{c.id}] {c.passage.title} ({c.passage.source}{page})")
            if c.passage.superseded:
                lines.append(f"    ⚠ {c.passage.superseded}")
            text = c.passage.text
            cited = " […] ".join(text[a:b] for a, b in c.spans) or text  # the sentences it is cited for
            lines.append(f"    « {' '.join(paragraphs(cited))[:300]} »")
    elif answer.suggestions:
        lines.append("Documents les plus proches :")
        lines.extend(f"- {s['title']} ({s['source']})" for s in answer.suggestions)
    lines.append(f"\n[{answer.backend} — {answer.timings_ms.get('total', 0):.0f} ms]")
    return "\n".join(lines)


def cmd_docs(args) -> int:
    from assistant.relations import Relations
    from index.store import ChunkStore
    from ingest.identity import nature_label

    relations = Relations(ChunkStore(_settings(args)).documents())
    for doc in relations.rows.values():
        nature = nature_label(doc.get("nature") or "") + (f" n° {doc['number']}" if doc.get("number") else "")
        print(
            f"{nature:<22} {doc['date'] or '—':<10} {doc['chunks']:>4} passages  "
            f"{doc['title'][:70]}  ({doc['source']})"
        )
        for link in relations.of(doc.get("path") or ""):
            print(f"{'':<34}↳ {link}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Assistant documentaire « politique de la ville » : ingestion, questions avec sources citées, "
        "interface web, évaluation et mesures de performance. Tout fonctionne hors ligne.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "ingest",
        help=f"indexer des fichiers et dossiers ({FORMATS_LABEL})",
        description="Indexe des fichiers et des dossiers (récursivement). Un fichier inchangé est "
        "ignoré, un fichier modifié remplace ses passages.",
    )
    _common(p)
    p.add_argument("paths", nargs="+", type=Path, help="fichiers ou dossiers")
    p.add_argument("--prune", action="store_true", help="retirer les documents dont le fichier a disparu")
    p.add_argument("--report", type=Path, help="écrire un rapport JSON (fichiers, échecs et raisons)")
    p.add_argument("--quiet", action="store_true", help="sans barre de progression")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "ask",
        help="poser une question (ou un fichier JSONL de questions)",
        description="Répond en français à partir des documents indexés, avec les sources citées.",
    )
    _common(p)
    p.add_argument("question", nargs="?", help="la question")
    p.add_argument(
        "--questions",
        type=Path,
        help="fichier JSONL (champs id, question, et history facultatif : les tours précédents) ; "
        "une réponse JSON par ligne",
    )
    p.add_argument("--llm", choices=_backends(), help="moteur de réponse")
    p.add_argument("--kind", action="append", choices=KINDS, help="filtrer par type de document (répétable)")
    p.add_argument("--year-min", type=int, help="année minimale du document")
    p.add_argument("--year-max", type=int, help="année maximale du document")
    p.add_argument("--json", action="store_true", help="sortie JSON stable")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("docs", help="lister les documents indexés")
    _common(p)
    p.set_defaults(func=cmd_docs)

    _register_web(sub)
    for command in entry_points(group=COMMANDS_GROUP):
        command.load()(sub, _common)
    return parser


def _backends() -> tuple[str, ...]:
    from assistant.llm.registry import names

    return names()


def cmd_serve(args) -> int:
    from assistant.pipeline import Assistant
    from core.settings import get_settings
    from ui.app import build_app
    from ui.auth import AuthConfigError, parse_auth
    from ui.server import launch

    settings = get_settings(index_dir=args.index_dir, llm=args.llm, auth=args.auth)
    try:
        users = parse_auth(settings.auth)
    except AuthConfigError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    if not _is_loopback(args.host) and not users:
        print(
            f"Attention : le serveur écoute sur {args.host} sans identification. Définissez ASSISTANT_AUTH "
            "(utilisateur:mot de passe, ou un fichier d'utilisateurs) pour un déploiement partagé.",
            file=sys.stderr,
        )
    assistant = Assistant(settings)
    print("Chargement des modèles et de l'index…", file=sys.stderr)
    status = assistant.status()
    assistant.retriever  # noqa: B018  (embedding model and BM25 loaded once, before the first user)
    if not status["documents"]:
        print(
            "L'index est vide : indexez des documents avec `assistant ingest DOSSIER`"
            + (" ou par l'onglet Bibliothèque." if args.allow_upload else "."),
            file=sys.stderr,
        )
    demo = build_app(assistant, allow_upload=args.allow_upload, concurrency=args.concurrency)
    print(
        f"{status['documents']} documents, {status['chunks']} passages, moteur : {status['backend']}"
        + (" — identification requise" if users else ""),
        file=sys.stderr,
    )
    _, url = launch(
        demo,
        settings,
        host=args.host,
        port=args.port,
        users=users,
        block=False,
        quiet=True,
        store=assistant.store,
    )  # Gradio's own lines are in English
    print(
        f"Assistant prêt : ouvrez {url} dans votre navigateur (Ctrl+C pour arrêter).",
        file=sys.stderr,
        flush=True,
    )
    demo.block_thread()
    return 0


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_feedback_export(args) -> int:
    from core.settings import get_settings
    from ui.feedback import FeedbackStore, default_path, export

    path = args.db or default_path(get_settings(index_dir=args.index_dir))
    if not Path(path).exists():
        print(f"Aucun avis enregistré ({path} n'existe pas).", file=sys.stderr)
        text, rows = "", 0
    else:
        store = FeedbackStore(path)
        text, rows = export(store, args.format), store.count()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text or _empty(args.format), encoding="utf-8")
        print(f"{rows} avis exportés vers {args.out} ({args.format.upper()}).", file=sys.stderr)
    else:
        sys.stdout.write(text or _empty(args.format))
    return 0


def _empty(fmt: str) -> str:
    from ui.feedback import to_csv

    return to_csv([]) if fmt == "csv" else ""


def _register_web(subparsers) -> None:
    common = _common
    p = subparsers.add_parser(
        "serve",
        help="lancer l'interface web (chat, sources, préparation de séance)",
        description="Démarre l'interface web en français. Locale par défaut (127.0.0.1) ; "
        "avec --host 0.0.0.0, définissez ASSISTANT_AUTH pour exiger une "
        "identification.",
    )
    common(p)
    p.add_argument("--port", type=int, default=7860, help="port (défaut : 7860)")
    p.add_argument(
        "--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1, locale seulement)"
    )
    p.add_argument(
        "--allow-upload", action="store_true", help="permettre l'ajout de documents par le navigateur"
    )
    p.add_argument("--llm", choices=_backends(), help="moteur de réponse")
    p.add_argument(
        "--auth",
        help="identification : utilisateur:mot de passe, ou fichier d'utilisateurs (défaut : ASSISTANT_AUTH)",
    )
    p.add_argument("--concurrency", type=int, default=8, help="questions traitées en parallèle (défaut : 8)")
    p.set_defaults(func=cmd_serve)

    p = subparsers.add_parser(
        "feedback",
        help="avis des utilisateurs (export CSV/JSONL)",
        description="Avis 👍/👎 laissés dans l'interface web, avec question, réponse, sources et réglages.",
    )
    fsub = p.add_subparsers(dest="feedback_command", required=True)
    e = fsub.add_parser("export", help="exporter les avis en CSV ou JSONL")
    common(e)
    e.add_argument("--format", choices=["csv", "jsonl"], default="csv", help="format (défaut : csv)")
    e.add_argument("--out", type=Path, help="fichier de sortie (défaut : sortie standard)")
    e.add_argument(
        "--db",
        type=Path,
        help="fichier SQLite des avis (défaut : ASSISTANT_FEEDBACK_DB ou data/feedback.sqlite)",
    )
    e.set_defaults(func=cmd_feedback_export)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
