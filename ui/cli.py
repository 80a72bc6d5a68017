"""Subcommands ``assistant serve`` and ``assistant feedback export`` (loaded by assistant.cli)."""
from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path


def cmd_serve(args) -> int:
    from assistant.api import Assistant
    from assistant.config import get_settings
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
        print(f"Attention : le serveur écoute sur {args.host} sans identification. Définissez ASSISTANT_AUTH "
              "(utilisateur:mot de passe, ou un fichier d'utilisateurs) pour un déploiement partagé.", file=sys.stderr)
    assistant = Assistant(settings)
    print("Chargement des modèles et de l'index…", file=sys.stderr)
    status = assistant.status()
    assistant.retriever  # noqa: B018  (embedding model and BM25 loaded once, before the first user)
    if not status["documents"]:
        print("L'index est vide : indexez des documents avec `assistant ingest DOSSIER`"
              + (" ou par l'onglet Bibliothèque." if args.allow_upload else "."), file=sys.stderr)
    demo = build_app(assistant, allow_upload=args.allow_upload, concurrency=args.concurrency)
    print(f"{status['documents']} documents, {status['chunks']} passages, moteur : {status['backend']}"
          + (" — identification requise" if users else ""), file=sys.stderr)
    _, url = launch(demo, host=args.host, port=args.port, users=users, max_upload_mb=settings.max_upload_mb,
                    block=False, quiet=True)  # Gradio's own lines are in English
    print(f"Assistant prêt : ouvrez {url} dans votre navigateur (Ctrl+C pour arrêter).", file=sys.stderr, flush=True)
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
    from assistant.config import get_settings
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


def register(subparsers, common) -> None:
    p = subparsers.add_parser("serve", help="lancer l'interface web (chat, sources, préparation de séance)",
                              description="Démarre l'interface web en français. Locale par défaut (127.0.0.1) ; "
                                          "avec --host 0.0.0.0, définissez ASSISTANT_AUTH pour exiger une "
                                          "identification.")
    common(p)
    p.add_argument("--port", type=int, default=7860, help="port (défaut : 7860)")
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1, locale seulement)")
    p.add_argument("--allow-upload", action="store_true", help="permettre l'ajout de documents par le navigateur")
    p.add_argument("--llm", choices=["auto", "local", "openai", "extractive"], help="moteur de réponse")
    p.add_argument("--auth", help="identification : utilisateur:mot de passe, ou fichier d'utilisateurs "
                                  "(défaut : ASSISTANT_AUTH)")
    p.add_argument("--concurrency", type=int, default=8, help="questions traitées en parallèle (défaut : 8)")
    p.set_defaults(func=cmd_serve)

    p = subparsers.add_parser("feedback", help="avis des utilisateurs (export CSV/JSONL)",
                              description="Avis 👍/👎 laissés dans l'interface web, avec question, réponse, "
                                          "sources et réglages.")
    fsub = p.add_subparsers(dest="feedback_command", required=True)
    e = fsub.add_parser("export", help="exporter les avis en CSV ou JSONL")
    common(e)
    e.add_argument("--format", choices=["csv", "jsonl"], default="csv", help="format (défaut : csv)")
    e.add_argument("--out", type=Path, help="fichier de sortie (défaut : sortie standard)")
    e.add_argument("--db", type=Path, help="fichier SQLite des avis (défaut : ASSISTANT_FEEDBACK_DB ou "
                                           "data/feedback.sqlite)")
    e.set_defaults(func=cmd_feedback_export)


if __name__ == "__main__":  # pragma: no cover
    parser = argparse.ArgumentParser(prog="assistant")
    register(parser.add_subparsers(dest="command", required=True), lambda p: p.add_argument("--index-dir", type=Path))
    ns = parser.parse_args()
    sys.exit(ns.func(ns))
