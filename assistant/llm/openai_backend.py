"""OpenAI-compatible answer backend (vLLM, llama.cpp server, Ollama, OpenAI...).

Built on llama-index's ``OpenAILike`` (package llama-index-llms-openai-like):
``api_base`` = ``settings.openai_base_url`` (for example
``http://127.0.0.1:8080/v1``), ``model`` = ``settings.openai_model``,
``api_key`` = ``settings.openai_api_key`` (a placeholder is sent when the server
needs none). Chat endpoint only (``is_chat_model=True``); streaming through
``stream_chat``, whose ``ChatResponse.delta`` is the new text of each chunk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from assistant.llm.base import BackendUnavailable, ChatBackend

_NO_KEY = "sk-no-key-required"


class OpenAIBackend(ChatBackend):
    name = "openai"

    def __init__(
        self,
        settings=None,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        context_window: int | None = None,
        timeout: float = 300.0,
        max_retries: int = 2,
    ) -> None:
        """Configured by ``settings`` (``openai_base_url``, ``openai_model``,
        ``openai_api_key``, ``llm_ctx``); explicit keyword arguments win."""
        if settings is None and (base_url is None or model is None):
            from core.settings import get_settings

            settings = get_settings()
        base_url = base_url or getattr(settings, "openai_base_url", None)
        model = model or getattr(settings, "openai_model", None)
        api_key = api_key or getattr(settings, "openai_api_key", None)
        context_window = context_window or getattr(settings, "llm_ctx", None) or 4096
        if not base_url or not model:
            raise BackendUnavailable(
                "Backend OpenAI non configuré : définissez ASSISTANT_OPENAI_BASE_URL et ASSISTANT_OPENAI_MODEL "
                "/ OpenAI backend not configured: set ASSISTANT_OPENAI_BASE_URL and ASSISTANT_OPENAI_MODEL "
                f"(base_url={base_url!r}, model={model!r})"
            )
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError as exc:  # pragma: no cover - core dependency
            raise BackendUnavailable(
                "llama-index-llms-openai-like n'est pas installé / is not installed: "
                "pip install llama-index-llms-openai-like"
            ) from exc
        self.base_url = base_url.rstrip("/")
        self.model = model
        # max_tokens and temperature are sent per call (a constructor max_tokens
        # would override the per-call value in OpenAI._get_model_kwargs).
        self._llm = OpenAILike(
            model=model,
            api_base=self.base_url,
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or _NO_KEY,
            is_chat_model=True,
            is_function_calling_model=False,
            context_window=int(context_window),
            timeout=timeout,
            max_retries=max_retries,
        )

    @staticmethod
    def _to_chat_messages(messages: list[dict]):
        from llama_index.core.llms import ChatMessage, MessageRole

        return [ChatMessage(role=MessageRole(m["role"]), content=m.get("content") or "") for m in messages]

    def stream(
        self, messages: list[dict], *, max_tokens: int = 320, temperature: float = 0.0
    ) -> Iterator[str]:
        responses = self._llm.stream_chat(
            self._to_chat_messages(messages), max_tokens=int(max_tokens), temperature=float(temperature)
        )
        for response in responses:
            if response.delta:
                yield response.delta

    def complete(self, messages: list[dict], *, max_tokens: int = 320, temperature: float = 0.0) -> str:
        response = self._llm.chat(
            self._to_chat_messages(messages), max_tokens=int(max_tokens), temperature=float(temperature)
        )
        return response.message.content or ""
