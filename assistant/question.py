"""The question: cleaned, rewritten to stand alone after a follow-up, and the terms that say what it asks."""

from __future__ import annotations

import re

from assistant.prompting import condense_messages
from core.settings import Settings
from core.text.acronyms import Acronyms, acronyms_in
from core.text.tokens import tokenize
from core.text.unicode import clean_unicode

_WORD = re.compile(r"[^\W_]", re.UNICODE)  # a letter or a digit
_FOLLOW_UP = re.compile(
    r"^\s*(et|mais|alors|aussi|puis|ensuite|et pour|et en|qu'en est-il|quid)\b|"
    r"\b(il|elle|ils|elles|ce|cet|cette|ces|cela|ça|celui|celle|ceux|leur|leurs|y|en)\b\s*\??\s*$",
    re.I,
)
# « En tant que chargée de mission, … » says who asks, not what is asked.
_PERSONA = re.compile(r"^\s*en (tant que|qualité de)\s[^,:;?]{2,60}[,:]", re.I)

# Terms every document of the corpus shares: they say nothing about what a question asks.
GENERIC = set(
    tokenize(
        "contrat contrats ville villes politique quartier quartiers prioritaire prioritaires nouveau nouvelle nouveaux "
        "document documents dossier cadre quel quelle quels quelles année dans selon comment pourquoi combien date "
        "donne donner croise croiser compare comparer présente présenté prévu prévue chef projet je mon ma mes nous "
        "notre veux dois peut peux"
    )
)


class QuestionError(ValueError):
    """The question cannot be asked as it is; the message is for the user (French)."""


def clean_question(question: str, settings: Settings) -> str:
    """The question without control characters or outer spaces; refused when empty or too long."""
    if not isinstance(question, str):
        raise QuestionError("La question doit être un texte.")
    question = clean_unicode(question, " ").strip()
    if not question:
        raise QuestionError("La question est vide.")
    if not _WORD.search(question):
        raise QuestionError(
            "La question ne contient aucun mot : écrivez-la en toutes lettres "
            "(par exemple « Qui signe le contrat de ville ? »)."
        )
    most = settings.max_question_chars
    if len(question) > most:
        raise QuestionError(f"La question est trop longue ({len(question)} caractères ; maximum {most}).")
    return question


def content_terms(question: str) -> list[str]:
    """The question's stems that say what is asked: not GENERIC, not the asker's role."""
    seen, terms = set(), []
    for token in tokenize(_PERSONA.sub(" ", question)):
        if token not in GENERIC and token not in seen:
            seen.add(token)
            terms.append(token)
    return terms


# -- follow-ups ------------------------------------------------------------------------------------
def trim_history(history: list[dict] | None, max_messages: int) -> list[dict]:
    """Keep the last ``max_messages`` user/assistant messages with text content."""
    kept = [
        m
        for m in (history or [])
        if m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)
    ]
    return kept[-max_messages:] if max_messages > 0 else []


def needs_rewrite(question: str, history: list[dict]) -> bool:
    """A follow-up opens like one (« Et pour… ») or says too little to stand alone (« Quel est son rôle ? »).

    The length test counts every meaningful word, the domain's generic ones included: a complete
    question made of the corpus' usual words (« contrat », « ville », « quartier ») has few
    distinctive terms, and gluing the previous question onto it would change the answer.
    """
    if not any(m["role"] == "user" for m in history):
        return False
    return bool(_FOLLOW_UP.search(question)) or len(tokenize(question)) <= 2


SUBJECT_MARK = " — à propos de : "
_INTERROGATIVE = re.compile(
    r"\b(qui|que|qu['’]|quoi|quand|où|comment|pourquoi|combien|quel|quelle|quels|quelles|lequel|"
    r"laquelle|lesquels|lesquelles)\b",
    re.I,
)


def rule_rewrite(question: str, history: list[dict]) -> str:
    """Without an LLM: the follow-up, then the previous question it is about (« qui les signe ? —
    à propos de : Quel est le calendrier de révision du schéma … »)."""
    previous = next(m["content"] for m in reversed(history) if m["role"] == "user")
    follow = re.sub(r"^\s*(et|mais|alors)\s+", "", question.strip(), flags=re.I).rstrip(" ?")
    return f"{follow} ?{SUBJECT_MARK}{previous.strip().rstrip(' ?')}"


def asked_part(question: str) -> str:
    """What a question asks for: a rewritten follow-up that asks its own way (« qui les signe ? »)
    asks that, not what the previous question asked (« quel est le calendrier … »); one without
    its own interrogative (« et pour la gouvernance ? ») asks what the previous one asked."""
    follow, mark, _ = question.partition(SUBJECT_MARK)
    return follow if mark and _INTERROGATIVE.search(follow) else question


# a clause that asks on its own: an interrogative word (« et quand … », « et à quelle date … ») or
# an inverted verb (« et une dérogation est-elle possible », « et le budget sera-t-il voté »)
_INVERTED = re.compile(r"\b\w+-(?:t-)?(?:il|elle|ils|elles|on)\b", re.I)
_ASKS_ALONE = re.compile(
    rf"(?:(?:à|de|en|par|pour|sur|dans|depuis|jusqu['’]à)\s+)?{_INTERROGATIVE.pattern}", re.I
)
_PART_BREAK = re.compile(r"\?\s+(?=\S)|[,;]?\s+et\s+(?=\S)", re.I)


def question_parts(question: str) -> list[str]:
    """The questions a question asks, in its order: « Quand le guide est-il paru, et qui l'a
    écrit ? » asks two. A part starts after a « ? » followed by more text, or at « et »
    when what follows asks on its own (an interrogative word or an inverted verb): « qui a écrit
    et publié le guide » stays one. A rewritten follow-up that asks nothing of its own (« au
    centre social ? — à propos de : quels ateliers … ») asks its own words, then the earlier
    question. A question asking one thing is returned alone."""
    follow, mark, about = question.partition(SUBJECT_MARK)
    if mark:  # a follow-up's own words, then the question it follows
        return [*question_parts(follow), *question_parts(about)]
    parts, start = [], 0
    for cut in _PART_BREAK.finditer(question):
        rest = question[cut.end() :]
        clause = re.split(r"[?,;]", rest, maxsplit=1)[0]
        if cut.group().startswith("?") or _ASKS_ALONE.match(rest) or _INVERTED.search(clause):
            parts.append(question[start : cut.start()])
            start = cut.end()
    parts.append(question[start:])
    parts = [p.strip(" ,;?") for p in parts]
    parts = [p for p in parts if len(p.split()) >= 2]
    return parts if len(parts) > 1 else [question]


def standalone_question(question: str, history: list[dict], backend=None) -> str:
    """The question as it reads without the conversation: a model rewrites it when there is one."""
    if not needs_rewrite(question, history):
        return question
    if backend is None:
        return rule_rewrite(question, history)
    text = backend.complete(condense_messages(question, history), max_tokens=80).strip()
    text = text.splitlines()[0].strip().strip('"«» ') if text else ""
    return text if 5 <= len(text) <= 400 else rule_rewrite(question, history)


# -- acronyms --------------------------------------------------------------------------------------
def expand_acronyms(question: str, acronyms: Acronyms, vocab) -> tuple[str, dict[str, str]]:
    """The question with each acronym the corpus never writes replaced by its long form (« le CA de
    l'OFAJ » -> « le conseil d'administration de l'Office franco-allemand … »), and the acronyms
    expanded (acronym -> long form, shown to the user). An acronym the corpus uses stays."""
    used: dict[str, str] = {}
    for acronym in acronyms_in(question):
        terms = tokenize(acronym)
        if terms and all(vocab.df.get(t, 0) for t in terms):
            continue
        long = acronyms.long_form(acronym)
        if long:
            used[acronym] = long
            question = re.sub(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", long, question)
    return question, used
