"""UI features on the real assistant over the seeds (extractive backend), no mocks:

streaming order (sources before the answer), bad questions in the chat, feedback in
SQLite and its CSV/JSONL export through the CLI, Markdown export of a conversation,
the trainer's workspace (timeline order on the seeds), uploads (type, size, content,
path traversal, replacement), login on every route (gradio_client and plain HTTP),
and ``assistant serve`` itself.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import gradio as gr
import pytest
from conftest import SERVER_TIMEOUT_S, gradio_client

from assistant.workspace import prepare
from ui import library, workspace
from ui.auth import AuthConfigError, parse_auth
from ui.export import conversation_markdown
from ui.feedback import FeedbackStore
from ui.handlers import SEARCHING, WRITING, ChatApp, new_conversation

ROOT = Path(__file__).resolve().parent.parent
CALENDAR = "Quel est le calendrier de signature des contrats de ville ?"
SLIDE_DECK = "002_ade2664f57edfe95.txt"
USER, PASSWORD = "formatrice", "m0t-de-passe-solide"


@pytest.fixture
def chat_app(seeds_assistant, tmp_path):
    return ChatApp(seeds_assistant, feedback_path=tmp_path / "feedback.sqlite")


def run_turn(app: ChatApp, question: str, state=None, kinds=None, year_min=None, year_max=None):
    state = state or new_conversation()
    steps = list(app.respond(question, state, kinds or [], year_min, year_max))
    return steps, state


def is_skip(value) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


# -- chat ------------------------------------------------------------------------------------
def test_sources_are_shown_before_the_answer_is_written(chat_app):
    steps, state = run_turn(chat_app, CALENDAR)
    assert steps[0][0][-1]["content"] == SEARCHING and is_skip(steps[0][1])
    first_sources = next(i for i, step in enumerate(steps) if not is_skip(step[1]))
    messages, panel = steps[first_sources][0], steps[first_sources][1]
    assert messages[-1]["content"] == WRITING  # the answer is not there yet...
    assert "Passages trouvés" in panel and "src-card" in panel  # ...but the passages are
    final_messages, final_panel = steps[-1][0], steps[-1][1]
    assert first_sources < len(steps) - 1
    assert "31 mars 2024" in final_messages[-1]["content"] and 'class="cite"' in final_messages[-1]["content"]
    assert 'id="src-1-1"' in final_panel and SLIDE_DECK in final_panel
    assert '<mark class="cited">' in final_panel and "<mark>" not in final_panel  # cited sentences only
    assert len(state["turns"]) == 1 and state["turns"][0]["answer"]["citations"]


@pytest.mark.parametrize(
    "question, message",
    [
        ("Que dit la circulaire ? " * 5000, "trop longue"),  # ~120,000 characters
        ("\x00\x01\x02\x03\x1b\x7f", "La question est vide"),
    ],
)
def test_bad_questions_get_a_message_in_the_chat(chat_app, question, message):
    steps, state = run_turn(chat_app, question)
    assert len(steps) == 1
    shown = steps[0][0]
    assert "**Erreur :**" in shown[-1]["content"] and message in shown[-1]["content"]
    assert len(shown[-2]["content"]) < 1000  # the question is shown shortened, not 100,000 characters
    assert state["turns"] == []  # nothing added to the conversation
    steps, state = run_turn(chat_app, CALENDAR, state)  # and the chat goes on
    assert "31 mars 2024" in steps[-1][0][-1]["content"]


def test_question_and_document_html_is_escaped_in_the_chat(chat_app):
    steps, _ = run_turn(chat_app, "<script>alert(1)</script> calendrier de signature des contrats de ville ?")
    user_bubble = steps[-1][0][-2]["content"]
    assert "<script>" not in user_bubble and "&lt;script&gt;" in user_bubble


def test_chat_filters_apply_to_retrieval(chat_app):
    steps, state = run_turn(chat_app, CALENDAR, kinds=["guide"])
    answer = state["turns"][0]["answer"]
    assert answer["retrieved"] and all(p["kind"] == "guide" for p in answer["retrieved"])
    assert all(c["kind"] == "guide" and c["source"] != SLIDE_DECK for c in answer["citations"])
    assert state["turns"][0]["filters"] == {"kinds": ["guide"], "year_min": None, "year_max": None}
    _, state = run_turn(chat_app, CALENDAR, year_min=2024)
    assert all((c["date"] or "") >= "2024" for c in state["turns"][0]["answer"]["citations"])
    assert state["turns"][0]["filters"]["year_min"] == 2024
    _, state = run_turn(chat_app, CALENDAR, kinds=[k for _, k in __import__("ui.app").app.KIND_CHOICES])
    assert state["turns"][0]["filters"]["kinds"] == []  # every kind ticked: no filter


# -- feedback --------------------------------------------------------------------------------
def test_feedback_is_stored_and_exported_as_csv_and_jsonl_by_the_cli(chat_app, tmp_path):
    _, state = run_turn(chat_app, CALENDAR)
    _, state = run_turn(chat_app, "Comment mobiliser le droit commun ?", state)
    note, _ = chat_app.vote_last("up")("=SOMME(A1) très utile", state, None)
    assert "enregistré" in note
    like = gr.LikeData(None, {"index": 1, "value": "", "liked": False})  # 👎 on the first answer (bubble 1)
    assert "réponse 1" in chat_app.on_like("", state, like, None)[0]
    db = chat_app.feedback.path
    rows = FeedbackStore(db).rows()
    assert [r["vote"] for r in rows] == ["up", "down"]
    assert rows[0]["question"] == "Comment mobiliser le droit commun ?" and rows[1]["question"] == CALENDAR
    settings = json.loads(rows[1]["settings"])
    assert settings["backend"] == "extractive" and settings["embed_model"] and "filters" in settings
    assert SLIDE_DECK in {c["source"] for c in json.loads(rows[1]["citations"])}

    env = {**os.environ, "ASSISTANT_FEEDBACK_DB": str(db)}
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"avis.{fmt}"
        done = subprocess.run(
            [sys.executable, "-m", "ui.cli", "feedback", "export", "--format", fmt, "--out", str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "2 avis exportés" in done.stderr
    table = list(csv.DictReader(io.StringIO((tmp_path / "avis.csv").read_text(encoding="utf-8-sig"))))
    assert [r["vote"] for r in table] == ["up", "down"]
    assert table[0]["comment"] == "'=SOMME(A1) très utile"  # no formula injection in spreadsheets
    assert "31 mars 2024" in table[1]["answer"]
    lines = [json.loads(x) for x in (tmp_path / "avis.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["vote"] for x in lines] == ["up", "down"]
    assert lines[1]["citations"][0]["id"] == 1 and lines[1]["settings"]["backend"] == "extractive"
    assert {"created_at", "question", "answer", "citations", "settings", "comment"} <= set(lines[0])
    # --db and stdout
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "feedback", "export", "--format", "jsonl", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 2


def test_vote_without_an_answer_is_explained(chat_app):
    note, comment = chat_app.vote_last("down")("pas encore", new_conversation(), None)
    assert "Posez d'abord une question" in note and comment == "pas encore"
    assert FeedbackStore(chat_app.feedback.path).rows() == []


# -- Markdown export -------------------------------------------------------------------------
def test_conversation_exports_as_markdown_with_numbered_sources(chat_app):
    _, state = run_turn(chat_app, CALENDAR)
    _, state = run_turn(
        chat_app,
        "Quel montant de crédits du programme 147 a été consacré aux contrats de ville en 2024 ?",
        state,
    )
    update, text = chat_app.export(state)
    path = Path(update["value"])
    assert path.suffix == ".md" and path.read_text(encoding="utf-8") == text
    assert text.startswith("# Conversation")
    assert "## Question 1" in text and "## Question 2" in text and CALENDAR in text
    assert "**Sources**" in text and "**[1] " in text and f"fichier : {SLIDE_DECK}" in text
    assert "31 mars 2024" in text
    assert "\n> " in text  # the passages, quoted
    assert "Je ne trouve pas cette information dans les documents indexés." in text
    assert "Documents les plus proches" in text
    # nothing in the export can run as HTML
    turn = {
        "number": 1,
        "question": "<script>x</script>",
        "answer": {
            "answer": "Texte <img src=x onerror=alert(1)> [1]",
            "abstained": False,
            "suggestions": [],
            "citations": [
                {
                    "id": 1,
                    "title": "<b>T</b>",
                    "kind": "guide",
                    "date": "",
                    "page": None,
                    "source": "a.txt",
                    "text": "<script>alert(1)</script>",
                }
            ],
        },
    }
    unsafe = conversation_markdown([turn])
    assert "<script>" not in unsafe and "<img" not in unsafe and "&lt;script&gt;" in unsafe


def test_empty_conversation_export_says_so(chat_app):
    update, text = chat_app.export(new_conversation())
    assert update["visible"] is False and "vide" in text


# -- trainer's workspace -------------------------------------------------------------------
def test_workspace_timeline_on_the_seeds_is_chronological(seeds_assistant):
    ws = prepare(seeds_assistant, "calendrier des contrats de ville")
    labels = [e.label for e in ws.timeline]
    assert "31 mars 2024" in labels
    keys = [e.key for e in ws.timeline]
    assert keys == sorted(keys)

    def first(label):
        return labels.index(label)

    # consultation citoyenne fin octobre 2023 -> décret QPV décembre 2023 -> contrats au plus tard le 31 mars 2024
    assert first("fin octobre 2023") < first("décembre 2023") < first("31 mars 2024")
    deadline = next(e for e in ws.timeline if e.label == "31 mars 2024")
    assert "contrats de ville" in deadline.text and ws.passages[deadline.passage - 1].source == SLIDE_DECK
    assert SLIDE_DECK in {g[3] for g in ws.groups}
    assert sum(len(g[4]) for g in ws.groups) == len(ws.passages)  # every passage, grouped by document
    assert ws.synthesis == "" and "aucun modèle de langage" in ws.note  # extractive backend: said, not faked
    md = workspace.to_markdown(ws)
    assert "## Chronologie" in md and "**31 mars 2024**" in md and "## Passages par document" in md
    assert md.index("**fin octobre 2023**") < md.index("**31 mars 2024**")
    html = workspace.head_html(ws) + workspace.body_html(ws)
    assert 'class="ws-timeline"' in html and "<script" not in html


def test_workspace_from_the_app_gives_html_markdown_and_a_file(chat_app):
    *_, (head, html, text, update) = chat_app.prepare("participation des habitants", [], None, None)
    assert "aucun modèle de langage" in head and "Chronologie" in html and "Passages par document" in html
    assert Path(update["value"]).read_text(encoding="utf-8") == text and text.startswith(
        "# Préparer une séance"
    )
    *_, (html, _, text, update) = chat_app.prepare("", [], None, None)
    assert "vide" in html and update["visible"] is False


def test_generated_synthesis_keeps_only_supported_markers():
    from ingest_helpers import make_passage

    from assistant.workspace import parse_generation
    from core.settings import get_settings

    def passage(text):
        return make_passage(text, source="s.txt", title="T", kind="cycle", doc_id="")

    passages = [
        passage("Autre document sans rapport avec le sujet traité ici."),
        passage("Les contrats de ville sont élaborés au plus tard le 31 mars 2024."),
    ]
    raw = (
        "Synthèse : Les contrats de ville sont élaborés au plus tard le 31 mars 2024 [1].\n\n"
        "Questions :\n- Comment tenir ce calendrier ?\n- Qui signe le contrat ?\n- Pourquoi ?"
    )
    synthesis, questions = parse_generation(raw, passages, passages, get_settings())
    assert synthesis == "Les contrats de ville sont élaborés au plus tard le 31 mars 2024. [2]"  # re-pointed
    assert questions == ["Comment tenir ce calendrier ?", "Qui signe le contrat ?"]
    assert parse_generation(
        "Je ne trouve pas cette information dans les documents indexés.", passages, passages, get_settings()
    ) == ("", [])


# -- uploads -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def upload_assistant(seeds_assistant, tmp_path_factory):
    from assistant.pipeline import Assistant
    from core.settings import get_settings

    base = tmp_path_factory.mktemp("uploads_case")
    settings = get_settings(
        index_dir=base / "index", upload_dir=base / "depot", llm="extractive", max_upload_mb=1
    )
    return Assistant(settings, embed_model=seeds_assistant.embed_model)


GOOD_TEXT = (
    "Guide de la participation des habitants\n\nLe conseil citoyen du quartier des Tilleuls se réunit le "
    "5 juin 2024 pour préparer la revue annuelle du contrat de ville.\n"
)


def test_upload_accepts_good_files_and_ingests_them(upload_assistant, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "Conseil citoyen – été 2024 ✨.md").write_text(GOOD_TEXT, encoding="utf-8")
    before = upload_assistant.status()["documents"]
    outcome = library.add_files(upload_assistant, [src / "Conseil citoyen – été 2024 ✨.md"])
    assert not outcome.rejected and len(outcome.saved) == 1
    assert outcome.saved[0].parent == library.upload_dir(upload_assistant.settings).resolve()
    assert "ajoutés : 1" in outcome.summary()
    assert upload_assistant.status()["documents"] == before + 1
    answer = upload_assistant.ask("Quand se réunit le conseil citoyen du quartier des Tilleuls ?")
    assert "5 juin 2024" in answer.answer
    assert any(
        r[library.FILE_COLUMN] == outcome.saved[0].name for r in library.documents_rows(upload_assistant)
    )


def test_upload_rejects_bad_type_oversize_fake_content_and_empty_files(upload_assistant, tmp_path):
    folder = library.upload_dir(upload_assistant.settings)
    before = sorted(p.name for p in folder.glob("*")) if folder.exists() else []
    files = {
        "programme.exe": b"MZ\x90\x00binary",
        "script.js": b"alert(1)",
        "grand.txt": b"a" * (1024 * 1024 + 1),  # over the 1 MB cap of this server
        "faux.pdf": os.urandom(2048),  # random bytes named .pdf
        "faux.docx": b"ceci n'est pas un docx",
        "vide.txt": b"",
        "sans_extension": b"texte",
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    outcome = library.add_files(upload_assistant, paths)
    reasons = dict(outcome.rejected)
    assert set(reasons) == set(files) and not outcome.saved and outcome.report is None
    assert "format non pris en charge" in reasons["programme.exe"] and "format" in reasons["script.js"]
    assert "trop volumineux" in reasons["grand.txt"]
    assert "ne correspond pas" in reasons["faux.pdf"] and "ne correspond pas" in reasons["faux.docx"]
    assert "vide" in reasons["vide.txt"] and "sans extension" in reasons["sans_extension"]
    assert "REFUSÉ faux.pdf" in outcome.summary()
    after = sorted(p.name for p in folder.glob("*")) if folder.exists() else []
    assert after == before


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/evil.txt", "evil.txt"),
        ("..\\..\\Windows\\evil.md", "evil.md"),
        ("/etc/cron.d/job.txt", "job.txt"),
        ("....txt", None),  # nothing left but the extension: refused
        (".bashrc.md", "bashrc.md"),
        ("a/../../b.html", "b.html"),
        ("nul\x00byte\x1b.txt", "nulbyte.txt"),
        ("rapport <script>.txt", "rapport _script_.txt"),
        ("Éducation prioritaire 2024.PDF", "Éducation prioritaire 2024.pdf"),
    ],
)
def test_sanitized_names_stay_in_the_upload_folder(name, expected):
    if expected is None:
        with pytest.raises(library.UploadRejected):
            library.sanitize_name(name)
        return
    assert library.sanitize_name(name) == expected


def test_path_traversal_cannot_write_outside_the_upload_folder(upload_assistant, tmp_path):
    folder = library.upload_dir(upload_assistant.settings).resolve()
    outside = folder.parent
    before_outside = sorted(p.name for p in outside.iterdir())
    src = tmp_path / "x.txt"
    src.write_text(GOOD_TEXT, encoding="utf-8")

    class Named:  # what Gradio hands over: a temp path plus the name the browser sent
        def __init__(self, path, orig_name):
            self.name, self.orig_name = str(path), orig_name

    outcome = library.add_files(
        upload_assistant, [Named(src, "../../evasion.txt"), Named(src, "..\\evasion2.txt")]
    )
    assert [p.name for p in outcome.saved] == ["evasion.txt", "evasion2.txt"]
    assert all(p.parent == folder for p in outcome.saved)
    assert sorted(p.name for p in outside.iterdir()) == before_outside
    for bad in ("../x.txt", "sub/x.txt", "/tmp/x.txt"):
        with pytest.raises(library.UploadRejected):
            library.store_upload(src, bad, folder)
    (folder / "lien.txt").symlink_to(tmp_path / "cible.txt")
    with pytest.raises(library.UploadRejected):
        library.store_upload(src, "lien.txt", folder)
    assert not (tmp_path / "cible.txt").exists()


def test_a_broken_replacement_keeps_the_indexed_version(upload_assistant, tmp_path):
    good = tmp_path / "note.txt"
    good.write_text(GOOD_TEXT.replace("Tilleuls", "Acacias"), encoding="utf-8")
    assert library.add_files(upload_assistant, [good]).report.usable == 1
    bad = tmp_path / "bad" / "note.txt"
    bad.parent.mkdir()
    bad.write_bytes(b"debut ok" + bytes(range(256)) * 40)  # passes the signature check, fails the loader
    outcome = library.add_files(upload_assistant, [bad])
    assert outcome.report.by_status("failed"), outcome.summary()
    assert "ÉCHEC" in outcome.summary()
    kept = library.upload_dir(upload_assistant.settings) / "note.txt"
    assert kept.read_text(encoding="utf-8") == good.read_text(encoding="utf-8")
    assert "5 juin 2024" in upload_assistant.ask("Quand se réunit le conseil citoyen des Acacias ?").answer


def test_upload_is_capped_by_the_server_and_absent_without_allow_upload(
    upload_assistant, seeds_assistant, tmp_path
):
    from ui.app import build_app
    from ui.server import serve_in_background

    demo, url = serve_in_background(upload_assistant, allow_upload=True, feedback_path=tmp_path / "fb.sqlite")
    try:
        boundary = "----limite"
        big = b"a" * (1024 * 1024 + 10)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="gros.txt"\r\n'
                f"Content-Type: text/plain\r\n\r\n"
            ).encode()
            + big
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            url + "gradio_api/upload",
            data=body,
            method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=SERVER_TIMEOUT_S)
        assert error.value.code == 413
    finally:
        demo.close()

    def handlers(**kwargs):
        demo = build_app(seeds_assistant, feedback_path=tmp_path / "fb2.sqlite", **kwargs)
        return {getattr(fn.fn, "__name__", "") for fn in demo.fns.values()}

    assert "upload" not in handlers() and "respond" in handlers()
    assert "upload" in handlers(allow_upload=True)


# -- login ---------------------------------------------------------------------------------------
def test_auth_setting_is_parsed(tmp_path):
    assert parse_auth(None) is None and parse_auth("  ") is None
    assert parse_auth("alice:p:a:ss") == [("alice", "p:a:ss")]
    users = tmp_path / "users.txt"
    users.write_text("# équipe\nalice:un\n\nbob:deux\n", encoding="utf-8")
    assert parse_auth(str(users)) == [("alice", "un"), ("bob", "deux")]
    for bad in ("alice:", ":motdepasse", str(tmp_path / "absent")):
        with pytest.raises(AuthConfigError):
            parse_auth(bad)


@pytest.fixture(scope="module")
def auth_server(seeds_assistant, tmp_path_factory):
    from ui.server import serve_in_background

    demo, url = serve_in_background(
        seeds_assistant,
        users=[(USER, PASSWORD)],
        allow_upload=True,
        feedback_path=tmp_path_factory.mktemp("auth_fb") / "fb.sqlite",
    )
    yield url
    demo.close()


def http(url, method="GET", data=None, headers=None):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=SERVER_TIMEOUT_S) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


PROTECTED = [
    ("GET", "config"),
    ("GET", "gradio_api/info"),
    ("GET", "gradio_api/openapi.json"),
    ("POST", "gradio_api/queue/join"),
    ("GET", "gradio_api/queue/data?session_hash=x"),
    ("POST", "gradio_api/call/ask"),
    ("POST", "gradio_api/call/chat"),
    ("POST", "gradio_api/run/predict"),
    ("POST", "gradio_api/upload"),
    ("GET", "gradio_api/heartbeat/abc"),
    ("POST", "gradio_api/reset"),
    ("POST", "gradio_api/cancel"),
    ("GET", "gradio_api/file=/etc/passwd"),
    ("GET", "monitoring"),
    ("GET", "gradio_api/runs"),
    ("GET", "docs"),
    ("GET", "gradio_api/user"),
    ("GET", "gradio_api/token"),
    ("GET", "viewer/page?doc=x&page=1"),  # the page viewer (ui/pages.py)
    ("GET", "viewer/file?doc=x"),
]


def test_without_credentials_every_route_is_refused(auth_server):
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError):
        gradio_client(auth_server)
    with pytest.raises((AuthenticationError, ValueError)):
        gradio_client(auth_server, auth=(USER, "mauvais"))
    for method, path in PROTECTED:
        body = b'{"data": ["Quel est le calendrier ?"]}' if method == "POST" else None
        status, content, _ = http(auth_server + path, method, body, {"Content-Type": "application/json"})
        assert status == 401, (method, path, status, content[:200])
    status, page, _ = http(auth_server)  # the login page itself, without the API description
    assert status == 200 and b'lang="fr"' in page and b"window.gradio_api_info = null" in page
    assert b"/ask" not in page


def test_with_credentials_the_api_and_the_pages_answer(auth_server):
    client = gradio_client(auth_server, auth=(USER, PASSWORD))
    assert "31 mars 2024" in client.predict(question=CALENDAR, api_name="/ask")["answer"]
    assert "31 mars 2024" in client.predict(CALENDAR, api_name="/chat")
    form = urllib.parse.urlencode({"username": USER, "password": PASSWORD}).encode()
    status, _, headers = http(
        auth_server + "login", "POST", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200
    cookies = "; ".join(c.split(";", 1)[0] for c in headers.get_all("set-cookie"))
    for path in ("config", "gradio_api/info"):
        status, _, _ = http(auth_server + path, headers={"Cookie": cookies})
        assert status == 200, path
    status, page, _ = http(auth_server, headers={"Cookie": cookies})
    assert status == 200 and b"/ask" in page


# -- the real entry point ------------------------------------------------------------------------
def test_assistant_serve_starts_locally_in_french(seeds_assistant, tmp_path):
    from ui.server import free_port

    port = free_port()
    env = {**os.environ, "ASSISTANT_FEEDBACK_DB": str(tmp_path / "fb.sqlite")}
    env.pop("ASSISTANT_AUTH", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ui.cli",
            "serve",
            "--port",
            str(port),
            "--llm",
            "extractive",
            "--index-dir",
            str(seeds_assistant.settings.resolved_index_dir),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, page = time.time() + 240, None
        while time.time() < deadline and process.poll() is None:
            try:
                status, page, _ = http(f"http://127.0.0.1:{port}/")
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(1)
        assert page and b'lang="fr"' in page, process.stdout.read() if process.poll() is not None else ""
        client = gradio_client(f"http://127.0.0.1:{port}/")
        assert "31 mars 2024" in client.predict(CALENDAR, api_name="/chat")
    finally:
        process.terminate()
        output = process.communicate(timeout=60)[0]
    assert "5 documents" in output and "127.0.0.1" in output


def test_a_synthesis_never_shows_a_question_as_a_fact_and_the_chronology_lists_events_once():
    from assistant.workspace import one_per_date_and_document, parse_generation, timeline
    from core.settings import get_settings
    from core.types import Passage

    text = (
        "# Le calendrier du contrat de Valbourg à partir du 1er janvier 2025\n\n"
        "Le contrat de Valbourg est signé le 14 février 2025 par le maire et le préfet.\n"
        "Le bilan à mi-parcours est présenté le 14 février 2025 aux habitants.\n"
        "Le comité de pilotage se réunit en juin 2025."
    )
    p = Passage("n1", "v.md", "Calendrier de Valbourg", "guide", "", None, "", text, 0, len(text))
    raw = (
        "Synthèse : Le contrat de Valbourg est signé le 14 février 2025 par le maire et le préfet [1]. "
        "Qui réunit le comité de pilotage [1] ?\n\nQuestions :\n- Qui signe le contrat de Valbourg ?"
    )
    synthesis, questions = parse_generation(raw, [p], [p], get_settings())
    assert "14 février 2025" in synthesis and "?" not in synthesis
    assert questions == ["Qui signe le contrat de Valbourg ?"]
    events = timeline([p])
    assert all(not e.text.startswith(("#", "Le calendrier")) for e in events)  # the heading is not an event
    once = one_per_date_and_document(events)
    assert [e.label for e in once] == ["14 février 2025", "juin 2025"]  # not the heading's 1er janvier
    assert "signé" in once[0].text  # the first the document gives


def test_a_synthesis_citing_a_pdf_passage_over_two_pages_keeps_its_marker():
    """verify() gives a citation the page of its sentence (a copy of the passage): the synthesis's
    marker must still find its passage (it raised StopIteration on a two-page PDF passage)."""
    from assistant.workspace import parse_generation
    from core.settings import get_settings
    from core.types import Passage

    text = (
        "Le guide présente la démarche de mobilisation du droit commun à Valbourg.\n"
        "La revue annuelle des engagements a lieu chaque année en comité de pilotage de Valbourg."
    )
    second_page = text.index("La revue")
    p = Passage(
        "n1", "g.pdf", "Guide", "guide", "", 1, "", text, 0, len(text), page_starts=((0, 1), (second_page, 2))
    )
    raw = "Synthèse : La revue annuelle des engagements a lieu chaque année en comité de pilotage de Valbourg [1]."
    synthesis, _ = parse_generation(raw, [p], [p], get_settings())
    assert "revue annuelle" in synthesis and synthesis.endswith("[1]")


def test_questions_written_on_one_line_are_each_kept_and_a_repeated_sentence_is_shown_once():
    from assistant.workspace import parse_generation
    from core.settings import get_settings
    from core.types import Passage

    text = "Le conseil citoyen de Valbourg se réunit chaque mois dans la salle des fêtes."
    p = Passage("n1", "c.md", "Charte", "guide", "", None, "", text, 0, len(text))
    sentence = "Le conseil citoyen de Valbourg se réunit chaque mois dans la salle des fêtes [1]."
    raw = (
        f"1. {sentence}\n2. {sentence}\n\nQuestions : - Comment associer les jeunes au conseil citoyen ? ? "
        "- Quel lieu choisir pour les réunions du conseil ? - Pourquoi ?"
    )
    synthesis, questions = parse_generation(raw, [p], [p], get_settings())
    assert synthesis.count("salle des fêtes") == 1
    assert questions == [
        "Comment associer les jeunes au conseil citoyen ?",
        "Quel lieu choisir pour les réunions du conseil ?",
    ]
