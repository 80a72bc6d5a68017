"""Loaded at start-up by every Python subprocess of the test suite (the conftest puts this
folder on PYTHONPATH): the same loopback-only guard as in the pytest process."""
try:
    import _netguard

    _netguard.install()
except Exception:  # pragma: no cover - never stop a program from starting
    pass
