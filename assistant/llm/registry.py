"""The answer backends by name: the one list of names, how ``auto`` is resolved, how a backend is made.

Built-in backends register here through :func:`register`, the same hook a plugin calls
(``register("mon-serveur", lambda settings: MonBackend(settings))`` before asking)::

    extractive  the passages' own sentences (no model; a factory of None)
    local       the packaged GGUF model run in-process by llama.cpp (assistant.llm.local)
    openai      any OpenAI-compatible server (assistant.llm.openai_backend)
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.llm.base import BackendUnavailable, ChatBackend
from core.settings import Settings

AUTO = "auto"
Factory = Callable[[Settings], ChatBackend] | None
_FACTORIES: dict[str, Factory] = {}


def register(name: str, factory: Factory) -> None:
    """Make backend ``name`` available; ``factory(settings)`` builds it (None: no model, extractive)."""
    _FACTORIES[name] = factory


def names() -> tuple[str, ...]:
    """Every backend name, ``auto`` first: the choices of ``--llm`` and ``ASSISTANT_LLM``."""
    return (AUTO, *_FACTORIES)


def resolve(name: str | None, settings: Settings) -> str:
    """The backend a name means: ``auto`` is openai when a server is configured, else the local
    model when it is installed, else extractive."""
    name = name or settings.llm
    if name == AUTO:
        if settings.openai_base_url and settings.openai_model:
            return "openai"
        from assistant.llm.local_model import local_model_available

        return "local" if local_model_available(settings.models_dir) else "extractive"
    if name not in _FACTORIES:
        raise BackendUnavailable(f"Moteur de réponse inconnu : {name} (choix : {', '.join(names())})")
    return name


def create(name: str, settings: Settings) -> ChatBackend | None:
    """A new backend ``name`` (already resolved); None for the extractive one."""
    factory = _FACTORIES[resolve(name, settings)]
    return factory(settings) if factory is not None else None


def _local(settings: Settings) -> ChatBackend:
    from assistant.llm.local import get_local_backend

    return get_local_backend(settings)


def _openai(settings: Settings) -> ChatBackend:
    from assistant.llm.openai_backend import OpenAIBackend

    return OpenAIBackend(settings)


register("local", _local)
register("openai", _openai)
register("extractive", None)
