"""Assistant documentaire « politique de la ville »: retrieval, cited answers, refusals."""
from assistant.offline import apply_offline_env

apply_offline_env()

__all__ = ["Assistant"]


def __getattr__(name):  # lazy: importing the package must stay cheap
    if name == "Assistant":
        from assistant.api import Assistant

        return Assistant
    raise AttributeError(name)
