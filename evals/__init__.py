"""evals package."""
from assistant.offline import apply_offline_env

apply_offline_env()
