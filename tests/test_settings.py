"""The one Settings: every variable documented, a bad value named in French, thresholds read by the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings, SettingsError, get_settings, settings_table

ROOT = Path(__file__).resolve().parents[1]


def test_docs_list_every_setting():
    assert settings_table() in (ROOT / "docs" / "settings.md").read_text(encoding="utf-8"), (
        "docs/settings.md is out of date: paste the output of `python -m core.settings`"
    )
    assert all(f"`ASSISTANT_{name.upper()}`" in settings_table() for name in Settings.model_fields)


def test_a_bad_value_is_reported_with_its_variable(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MIN_COVERAGE", "beaucoup")
    with pytest.raises(SettingsError) as caught:
        get_settings()
    assert "ASSISTANT_MIN_COVERAGE" in str(caught.value) and str(caught.value).startswith("Réglage invalide")


def test_a_threshold_set_in_the_environment_reaches_the_code(monkeypatch, seeds_assistant):
    from assistant.pipeline import Assistant
    from core.text.markers import MARKER_RUN

    monkeypatch.setenv("ASSISTANT_ANSWER_MAX_SENTENCES", "1")
    settings = get_settings(index_dir=seeds_assistant.settings.index_dir, llm="extractive")
    assert settings.answer_max_sentences == 1
    question = "Quel est le calendrier de signature des contrats de ville ?"
    short = Assistant(settings, store=seeds_assistant.store, embed_model=seeds_assistant.embed_model).ask(
        question
    )
    usual = seeds_assistant.ask(question)
    assert not short.abstained and len(MARKER_RUN.findall(short.answer)) == 1
    assert len(MARKER_RUN.findall(usual.answer)) > 1
