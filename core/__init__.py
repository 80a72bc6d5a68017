"""The bottom layer every package may use: settings, shared types, the French text toolkit.

Importing it applies the offline environment once (:mod:`core.offline`), before any of
chromadb, gradio, transformers or llama-index is imported by a layer above.
Nothing here imports another package of the project.
"""

from core.offline import apply_offline_env

apply_offline_env()
