"""Answer backends: local (llama.cpp), openai-compatible, extractive."""
