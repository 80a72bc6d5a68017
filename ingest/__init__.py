"""ingest package."""

import core  # noqa: F401  (the offline environment, before any library is imported)
