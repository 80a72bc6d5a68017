"""The answer backends by name: the one list of names, how ``auto`` is resolved, how a backend is made.

Every backend, built-in or plugin, is an entry point of the group :data:`GROUP` naming a factory
``factory(settings) -> ChatBackend | None`` (None: no model). The built-ins are declared in this
project's pyproject.toml::

    extractive  the passages' own sentences (no model)
    local       the packaged GGUF model run in-process by llama.cpp (assistant.llm.local)
    openai      any OpenAI-compatible server (assistant.llm.openai_backend)

A package adds one with ``[project.entry-points."assistant_politique_ville.backends"]
mon-serveur = "mon_paquet:fabrique"`` (then ``pip install`` that package).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points

from assistant.llm.base import BackendUnavailable, ChatBackend
from core.settings import Settings

AUTO = "auto"
GROUP = "assistant_politique_ville.backends"
Factory = Callable[[Settings], ChatBackend | None]


@cache
def _installed() -> dict[str, object]:
    return {point.name: point for point in entry_points(group=GROUP)}


def names() -> tuple[str, ...]:
    """Every backend name, ``auto`` first: the choices of ``--llm`` and ``ASSISTANT_LLM``."""
    return (AUTO, *_installed())


def resolve(name: str | None, settings: Settings) -> str:
    """The backend a name means: ``auto`` is openai when a server is configured, else the local
    model when it is installed, else extractive."""
    name = name or settings.llm
    if name == AUTO:
        if settings.openai_base_url and settings.openai_model:
            return "openai"
        from assistant.llm.local_model import local_model_available

        return "local" if local_model_available(settings.models_dir) else "extractive"
    if name not in names():
        raise BackendUnavailable(f"Moteur de réponse inconnu : {name} (choix : {', '.join(names())})")
    return name


def create(name: str, settings: Settings) -> ChatBackend | None:
    """A new backend ``name``; None for one without a model (extractive)."""
    factory: Factory = _installed()[resolve(name, settings)].load()
    return factory(settings)


# -- the built-in factories (entry points of pyproject.toml) --------------------------------------
def extractive(settings: Settings) -> None:
    return None


def local(settings: Settings) -> ChatBackend:
    from assistant.llm.local import get_local_backend

    return get_local_backend(settings)


def openai(settings: Settings) -> ChatBackend:
    from assistant.llm.openai_backend import OpenAIBackend

    return OpenAIBackend(settings)
