"""Issue 2 and issue 7 §8: a real `chroma run` server on 127.0.0.1 shared by several processes.

The CLI ingests into the server (``ASSISTANT_CHROMA_URL``); two long-lived app processes
(each an ``Assistant`` with its own models, as two UI servers would be) answer from the
same index; a document ingested by one of them is cited by the other on its next
question, without a restart; a third, short-lived process (`assistant ask --json`)
sees it too. The local index folder stays untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from ingest_helpers import ROOT, ask_json, index_records, ingest, open_store

FIRST = ["faq_contrats_de_ville.md", "gouvernance_circulaire_4_janvier_2024.txt"]
LATER = "loi_2014_reperes.txt"
Q_FIRST = "Qui signe le contrat de ville ?"
Q_LATER = (
    "Quel est l'objet de la loi du 21 février 2014 de programmation pour la ville et la cohésion urbaine ?"
)

WORKER = r"""
import json, sys
from pathlib import Path
from assistant.pipeline import Assistant
from core.settings import get_settings

app = Assistant(get_settings(llm="extractive"))
app.retriever  # load models and build BM25 now, as a server does at start-up
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if "ask" in cmd:
        out = app.ask(cmd["ask"]).to_dict()
    elif "ingest" in cmd:
        out = app.ingest([Path(p) for p in cmd["ingest"]]).to_dict()
    else:
        break
    print(json.dumps(out, ensure_ascii=False), flush=True)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    assert chroma, "the chroma CLI (chromadb) is not installed"
    data = tmp_path_factory.mktemp("chroma_server")
    port = free_port()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            pytest.fail("chroma run did not start:\n" + (data / "server.log").read_text()[-3000:])
        time.sleep(0.2)
    yield {"url": url, "port": port, "proc": proc, "data": data}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def shared(chroma_server, tmp_path_factory):
    work = tmp_path_factory.mktemp("shared_deployment")
    corpus = work / "corpus"
    corpus.mkdir()
    for name in FIRST + [LATER]:
        shutil.copy(ROOT / "sample_corpus" / name, corpus / name)
    local_index = work / "local_index"  # must stay unused: the server holds the index
    env = {"ASSISTANT_CHROMA_URL": chroma_server["url"], "ASSISTANT_INDEX_DIR": str(local_index)}
    run, report = ingest(*(corpus / n for n in FIRST), index_dir=local_index, report=work / "r.json", env=env)
    return {
        "work": work,
        "corpus": corpus,
        "env": env,
        "local_index": local_index,
        "run": run,
        "report": report,
    }


class Worker:
    def __init__(self, env: dict):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **env},
            cwd=ROOT,
        )

    def _read(self) -> dict:
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"worker exited with {self.proc.wait()}")
            if line.startswith("{"):
                return json.loads(line)

    def wait_ready(self) -> None:
        assert self._read() == {"ready": True}

    def send(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def workers(shared):
    a, b = Worker(shared["env"]), Worker(shared["env"])
    a.wait_ready()
    b.wait_ready()
    yield a, b
    a.close()
    b.close()


def sources(answer: dict) -> set[str]:
    return {c["source"] for c in answer["citations"]}


def test_cli_ingests_into_the_server(shared, chroma_server):
    run, report = shared["run"], shared["report"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert report["added"] == 2 and report["failed"] == []
    store = open_store(None, chroma_url=chroma_server["url"])
    records = index_records(store)
    assert {r["source"] for r in records} == set(FIRST)
    assert len(records) == report["chunks_written"]
    assert not (shared["local_index"] / "chroma").exists()  # nothing written to a local index


def test_two_app_processes_answer_from_the_same_index(shared, workers):
    a, b = workers
    answer_a, answer_b = a.send(ask=Q_FIRST), b.send(ask=Q_FIRST)
    for answer in (answer_a, answer_b):
        assert not answer["abstained"] and answer["citations"], answer["answer"]
        assert sources(answer) <= set(FIRST)
    assert answer_a["answer"] == answer_b["answer"]


def test_an_ingest_by_one_process_is_visible_to_the_other(shared, workers):
    a, b = workers
    before = b.send(ask=Q_LATER)
    assert LATER not in sources(before) and LATER not in {p["source"] for p in before["retrieved"]}
    report = a.send(ingest=[str(shared["corpus"] / LATER)])
    assert report["added"] == 1 and report["failed"] == []
    after = b.send(ask=Q_LATER)  # same process as before: no restart
    assert not after["abstained"], after["answer"]
    assert LATER in sources(after), after["answer"]
    # and a process started now, through the CLI, sees the same index
    cli = ask_json(Q_LATER, env=shared["env"])
    assert LATER in sources(cli), cli["answer"]
    print(f"\nafter the ingest by process A, process B answers: {after['answer'][:200]}")


def test_a_second_ingest_through_the_server_adds_nothing(shared):
    run, report = ingest(
        shared["corpus"],
        index_dir=shared["local_index"],
        report=shared["work"] / "r2.json",
        env=shared["env"],
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert report["chunks_written"] == 0 and report["skipped"] == 3
