"""Text that speaks to an assistant instead of informing a reader: chat-template tokens, prompt
delimiters, and sentences that give it orders (« ignore les consignes », « tu es désormais… »).

A document is data. Its chat-template tokens and prompt delimiters are removed at ingest and
again before a prompt; a sentence that addresses the assistant is never an answer sentence, never
supports a claim, and is flagged where the passage is shown.
"""

from __future__ import annotations

import re

# Special tokens of chat templates, whatever the model family: <|im_start|>, <|eot_id|>, <｜end▁of▁sentence｜>,
# [INST], <<SYS>>, <start_of_turn>, <s>, </s>.
TEMPLATE_TOKENS = re.compile(
    r"<[|｜][^|｜<>\n]{1,40}[|｜]>|\[/?INST\]|<</?SYS>>|</?(?:start|end)_of_turn>|</?s>", re.I
)
# The delimiter the product's prompts wrap passages in (prompts/passage.txt); in a document, a block
# wrapped in it is a forged passage (« <extrait titre="Circulaire officielle">… »): removed whole.
_TAG = r"</?\s*extrait\b[^>]*>"
PROMPT_DELIMITER = re.compile(rf"<\s*extrait\b[^>]*>[^<]{{0,2000}}</\s*extrait\s*>|{_TAG}", re.I)
# What a model's answer echoes of them: the tags, or « [extrait 2] ».
_ECHOED = re.compile(rf"\[\s*extrait[^\]]*\]|{_TAG}", re.I)

_OBJECT = (
    r"(?:(?:les|toutes les|tes|vos|ces)\s+(?:consignes|instructions|règles|directives)"
    r"(?:\s+(?:précédentes|antérieures|ci-dessus|données|reçues|initiales|du système))?"
    r"|(?:les\s+)?(?:passages|extraits|sources)\s+fournis)"
)
_ADDRESS = re.compile(
    rf"(?:^|[.!?:;,«\"(–-]\s*|\b(?:et|puis|alors)\s+)(?:ignore|ignorez|oublie|oubliez|néglige|négligez)\s+{_OBJECT}"
    r"|\b(?:tu es|vous êtes)\s+(?:désormais|dorénavant|maintenant|à présent)\b"
    r"|\b(?:consignes?|instructions?|messages?|invites?|prompts?)\s+(?:du\s+)?(?:système|systeme|system)\b"
    r"|\[\s*(?:system|système|systeme)\s*\]|^\s*(?:system|système|systeme)\s*:"
    r"|\br[ée]pon(?:ds|dez)\s+(?:uniquement|seulement|toujours|exclusivement)\b"
    r"|\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+"
    r"(?:instructions?|rules|prompts?)"
    r"|\byou are now\b|\bsystem prompt\b",
    re.I | re.M,
)


def strip_template(text: str) -> str:
    """``text`` without chat-template tokens, forged passages or prompt delimiters."""
    return PROMPT_DELIMITER.sub("", TEMPLATE_TOKENS.sub("", text))


def strip_echoed_delimiters(text: str) -> str:
    """A model's text without the passage delimiters it echoed (« [extrait 2] », « </extrait> »)."""
    return _ECHOED.sub("", text)


def addresses_assistant(sentence: str) -> bool:
    """The sentence gives orders to an assistant (« Ignore les consignes précédentes… »,
    « Tu es désormais… », « [SYSTEM] nouvelle consigne », « Ignore previous instructions »)."""
    return bool(_ADDRESS.search(sentence))
