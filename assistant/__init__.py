"""Assistant documentaire « politique de la ville »: retrieval, cited answers, refusals.

``from assistant import Assistant``: see :mod:`assistant.pipeline`.
"""

import core  # noqa: F401  (the offline environment, before any library is imported)

__all__ = ["Assistant"]


def __getattr__(name):  # lazy: importing the package must stay cheap
    if name == "Assistant":
        from assistant.pipeline import Assistant

        return Assistant
    raise AttributeError(name)
