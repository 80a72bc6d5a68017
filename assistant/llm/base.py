"""One small interface for every generative backend.

A backend turns chat messages (OpenAI format: ``[{"role": ..., "content": ...}]``)
into text, whole or streamed. The extractive answerer needs no backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator


class BackendUnavailable(RuntimeError):
    """Raised when a backend cannot run here (missing extra, model or endpoint)."""


class ChatBackend(ABC):
    name: str = "base"

    @abstractmethod
    def stream(
        self, messages: list[dict], *, max_tokens: int = 320, temperature: float = 0.0
    ) -> Iterator[str]:
        """Yield the generated text piece by piece."""

    def complete(self, messages: list[dict], *, max_tokens: int = 320, temperature: float = 0.0) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=temperature))
