"""Answer backends (local llama.cpp, OpenAI-compatible, extractive), by name in :mod:`assistant.llm.registry`."""
