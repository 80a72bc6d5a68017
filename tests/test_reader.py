"""The trained reader's input and its weights' checks (assistant/reader.py)."""

from __future__ import annotations

import json

import pytest

from assistant import reader


def test_the_sentence_comes_first_then_what_introduces_it_and_the_title():
    text = reader.reader_input(
        "- le président de l'EPCI ;",
        "Signataires obligatoires :",
        "## Article 3",
        "Circulaire du 31 août 2023",
    )
    assert text.startswith("- le président de l'EPCI ;")
    assert "Signataires obligatoires" in text and "Article 3" not in text  # the list intro over the heading
    assert text.endswith("Circulaire du 31 août 2023")


def test_missing_weights_name_the_file_and_the_script(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "DELTA_FILE", tmp_path / "delta.safetensors")
    reader.load_reader.cache_clear()
    with pytest.raises(FileNotFoundError, match="scripts/train_reader.py"):
        reader.load_reader(str(tmp_path))


def test_damaged_weights_are_refused(tmp_path, monkeypatch):
    delta, card = tmp_path / "delta.safetensors", tmp_path / "reader.json"
    delta.write_bytes(b"not the trained weights")
    card.write_text(json.dumps({"sha256": "0" * 64, "refuse_below": 0.5}), encoding="utf-8")
    monkeypatch.setattr(reader, "DELTA_FILE", delta)
    monkeypatch.setattr(reader, "CARD_FILE", card)
    reader.load_reader.cache_clear()
    with pytest.raises(ValueError, match="somme de contrôle"):
        reader.load_reader(str(tmp_path))
