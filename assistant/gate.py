"""The refusal gate: whether the assistant answers or says « je ne trouve pas », and why.

:func:`decide` is the whole decision. Retrieval scores do not separate answerable from
unanswerable questions, so the gate reads the passages themselves: the question's distinctive
terms must be covered (:func:`coverage` at least ``min_coverage``), and a question asking for a
kind of value (an amount, a rate, a count, a date) needs that value in the passages, about what
it asks (:func:`missing_answer_type`). It is asked again once a draft answer exists: a model's
refusal is believed only over weak passages (below ``strong_coverage``), and an answer with no
claim left after citation verification is a refusal. With ``sentence_ranker=reader``, a
question none of whose sentences the reader scores above its threshold (chosen on generated
data, :func:`assistant.reader.refuse_below`) is refused too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.question import GENERIC, asked_part, content_terms
from assistant.reader import refuse_below
from assistant.scoring import score_sentences
from core.settings import Settings
from core.text.acronyms import acronyms_in, glossary
from core.text.dates import DATE, YEAR, find_dates
from core.text.legal import cited_numbers, named_by_date
from core.text.sentences import windows
from core.text.tokens import holds_stem, same_prefix, tokenize
from core.text.values import LABELS, asked_noun, asked_value, counts_word, holds_value
from core.types import Passage
from index.bm25 import Vocabulary

_REFUSAL_HINT = re.compile(
    r"je ne (trouve|dispose|peux|sais)|ne (contiennent|permettent|mentionnent) pas|"
    r"aucune information",
    re.I,
)
_VALUE_FILLER = set(tokenize("chacun chacune compte compter comptait comptent plus moins minimum maximum"))


@dataclass(frozen=True)
class Decision:
    """The gate's verdict: refuse or not, why (French, for the user and the logs), and how well
    the passages cover the question. ``fallback``: show the extractive answer instead of the model's."""

    refuse: bool
    reason: str = ""
    support: float = 0.0
    fallback: bool = False


def decide(
    question: str,
    passages: list[Passage],
    vocab: Vocabulary,
    settings: Settings,
    *,
    draft: str | None = None,
    by_model: bool = False,
    cited: int | None = None,
    previous: Decision | None = None,
) -> Decision:
    """Refuse or answer. First called on the passages alone; then, with ``previous``, on a
    ``draft`` answer (``by_model`` when a language model wrote it), and on the number of
    citations left once its claims are verified (``cited``)."""
    if previous is None:
        if not passages:
            return Decision(True, "aucun passage trouvé")
        texts = [f"{p.title}\n{p.heading}\n{p.text}" for p in passages]
        unknown = (
            unindexed_text(question, texts)
            or unnamed_notion(question, texts, vocab)
            or unstated_premise(question, texts)
            or later_than_passages(question, texts)
        )
        if unknown:
            return Decision(True, unknown)
        missing = missing_answer_type(
            question, texts, vocab, settings.focus_share, settings.focus_share_other_word
        )
        if missing:
            return Decision(True, missing)
        share = coverage(question, texts, vocab, settings.related_stem)
        if share < settings.min_coverage:
            return Decision(True, f"les passages couvrent trop peu la question ({share:.2f})", share)
        if settings.sentence_ranker == "reader":
            scored = score_sentences(question, passages, vocab, settings)
            top = scored[0][0] if scored else float("-inf")
            if top < refuse_below(settings):
                return Decision(
                    True, f"aucune phrase des passages ne répond à la question ({top:.2f})", share
                )
        previous = Decision(False, support=share)
    if previous.refuse:
        return previous
    if draft is not None and by_model and is_refusal(draft):
        if previous.support >= settings.strong_coverage:
            return replace(
                previous,
                fallback=True,
                reason="refus du modèle non retenu : les passages couvrent la question",
            )
        return replace(previous, refuse=True, reason="le modèle ne trouve pas la réponse dans les passages")
    if draft is not None and not by_model and (not draft.strip() or is_refusal(draft)):
        return replace(previous, refuse=True, reason="aucune phrase des passages ne répond")
    if cited == 0:
        if by_model:
            return replace(previous, fallback=True, reason="aucune phrase du modèle appuyée par un passage")
        return replace(previous, refuse=True, reason="aucune phrase appuyée par un passage")
    return previous


def unindexed_text(question: str, texts: list[str]) -> str | None:
    """A reason to refuse when the question names a legal text (by its number, or « la circulaire
    du 3 mars 2019 ») that no passage names: what it says is not in the documents."""
    joined = "\n".join(texts).replace("‑", "-")
    for number in cited_numbers(question):
        if not re.search(rf"(?<![\d-]){re.escape(number)}(?![\d-])", joined):
            return f"le texte n° {number} n'est pas dans les passages trouvés"
    if named_by_date(question):
        known = {d.key for d in find_dates(joined) if d.kind in ("day", "numeric")}
        for name in named_by_date(question):
            dates = [d for d in find_dates(name) if d.kind == "day"]
            if dates and dates[0].key not in known:
                return f"« {name} » n'est pas dans les passages trouvés"
    return None


def unnamed_notion(question: str, texts: list[str], vocab: Vocabulary) -> str | None:
    """A reason to refuse when the question names a notion of the field's glossary
    (``core/glossary/acronyms.tsv``: « zone de redynamisation urbaine », « ZRU ») that the
    documents never name: no passage writes its acronym, and a word of its name is in none of the
    indexed texts. « Quelles communes ont une zone de redynamisation urbaine ? » is not answered
    by a list of zones urbaines sensibles. A notion whose words are all in the corpus is left to
    the other checks: texts shorten « quartier prioritaire de la politique de la ville » to
    « quartier prioritaire », and split a name over a sentence."""
    asked = tokenize(question)
    written = set(acronyms_in("\n".join(texts)))
    in_question = set(acronyms_in(question))
    for acronym, long in glossary().items():
        stems = tokenize(long)
        named = acronym in in_question or any(
            asked[i : i + len(stems)] == stems for i in range(len(asked) - len(stems) + 1)
        )
        unknown = not any(vocab.df.get(t) for t in tokenize(acronym)) and any(
            not vocab.df.get(t) for t in stems
        )
        if named and acronym not in written and unknown:
            return f"« {long} ({acronym}) » n'est nommé dans aucun des documents"
    return None


# a clause the question takes for granted (« depuis que … », « puisque … », « maintenant que … »),
# and the participle of its event (« a supprimé », « ont été fusionnés »)
_PREMISE = re.compile(
    r"\b(?:depuis\s+qu|puisqu|maintenant\s+qu|dès\s+lors\s+qu|étant\s+donné\s+qu|vu\s+qu)(?:e\s+|['’])([^,;?]+)",
    re.I,
)
_PARTICIPLE = re.compile(
    r"\b(?:a|ont|avait|avaient|aura|auront|est|sont|était|étaient)\s+(?:été\s+)?(?:\w+\s+)?"
    r"([a-zà-ÿ]+(?:ée?s?|ie?s?|ue?s?|ise?s?|ite?s?|erte?s?))\b",
    re.I,
)


# the same premise said with a noun of an ending or a change (« depuis l'abrogation du décret … »,
# « après la dissolution de l'agence »): the noun, then what it is about
_NOMINAL_PREMISE = re.compile(
    r"\b(?:depuis|après|suite\s+à|du\s+fait\s+de)\s+((?:l['’]|la\s+|le\s+)"
    r"(abrogation|suppression|dissolution|disparition|fusion|remplacement|annulation)\s+"
    r"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’])([^,;?]+))",
    re.I,
)
STEM = 5  # an event's noun and its verb share this many first letters (« suppression », « supprimé »)


def unstated_premise(question: str, texts: list[str]) -> str | None:
    """A reason to refuse when the question takes for granted an event the passages do not state
    (« Depuis que la délibération a fusionné les deux conseils, qui … ? » over texts that never
    say so): the event's participle, in a passage sentence (with its neighbours and the passage's
    title) that holds at least half of the clause's other terms. A premise without a participle is
    left to the other checks."""
    asked = asked_part(question)
    nominal = _NOMINAL_PREMISE.search(asked)
    if nominal:
        noun, others = nominal.group(2).lower(), tokenize(nominal.group(3))
        said = " ".join(nominal.group(1).split())
    else:
        premise = _PREMISE.search(asked)
        event = _PARTICIPLE.search(premise.group(1)) if premise else None
        verb = tokenize(event.group(1)) if event else []
        if not verb:
            return None
        noun, said = verb[0], " ".join(premise.group(1).split())
        others = [t for t in tokenize(premise.group(1)) if t != verb[0]]
    for window, present in _read_windows(texts):
        stated = not others or sum(t in present for t in others) / len(others) >= 0.5
        if stated and _states(tokenize(window), noun, nominal is not None):
            return None
    return f"rien dans les passages trouvés ne {'mentionne ' if nominal else 'dit que '}{said}"


def _states(tokens: list[str], event: str, by_noun: bool) -> bool:
    """The window says the event: its verb's stem, or for a noun (« suppression ») any word with
    its first :data:`STEM` letters (« supprimé »)."""
    if not by_noun:
        return holds_stem(tokens, event)
    stem = (tokenize(event) or [event])[0][:STEM]
    return any(t[:STEM] == stem for t in tokens)


def later_than_passages(question: str, texts: list[str]) -> str | None:
    """A reason to refuse when the question is about a year later than any the passages mention
    (« … en 2020 » over texts that stop in 2014): the documents cannot say what came after them."""
    asked = {int(y) for y in YEAR.findall(asked_part(question))}
    known = {int(y) for y in YEAR.findall("\n".join(texts))}
    if asked and known and max(asked) > max(known):
        return f"les passages trouvés ne vont pas au-delà de {max(known)} ({max(asked)} demandé)"
    return None


def is_refusal(text: str) -> bool:
    """The text opens like a refusal (« Je ne trouve pas… », « aucune information »)."""
    return bool(_REFUSAL_HINT.search(text[:200]))


def coverage(question: str, texts: list[str], vocab: Vocabulary, related: float) -> float:
    """IDF-weighted share of the question's distinctive terms found in ``texts``."""
    terms = content_terms(question)
    if not terms:
        return 1.0
    present = set(tokenize("\n".join(texts)))
    total = sum(vocab.idf(t) for t in terms)
    return sum(vocab.idf(t) * term_match(t, present, related) for t in terms) / total if total else 1.0


def term_match(term: str, tokens: set[str], related: float) -> float:
    """1 when ``tokens`` hold the stem; ``related`` for a related stem: the same first 6 letters
    (« priorités » / « prioritaires ») or one stem starting the other (« signés » / « signature »).
    Lenient on purpose: it decides whether to answer at all; sentence ranking keeps to the
    6-letter rule (the prefix rule cost a sample-set question there in a one-off check)."""
    if term in tokens:
        return 1.0
    if any(_related(term, t) for t in tokens):
        return related
    return 0.0


def _related(a: str, b: str) -> bool:
    if len(a) >= 6 and len(b) >= 6:
        return same_prefix(a, b)
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short)


def missing_answer_type(
    question: str, texts: list[str], vocab: Vocabulary, least: float, least_other: float = 1.0
) -> str | None:
    """A reason to refuse when the question asks for a kind of value (:func:`core.text.values.asked_value`)
    the passages lack, or hold only about something else (see ``_in_focus``, ``least``: the gate's
    ``focus_share``). A date is looked for where the passages name the question's subject. A count
    of another word than the one asked (« combien de sièges » / « 18 représentants ») must sit in
    a sentence closer to the question (``least_other``: ``focus_share_other_word``)."""
    follow_up = asked_part(question) != question  # a follow-up asking its own question
    question = asked_part(question)
    value = asked_value(question)
    if value is None:
        return None
    kind, match = value
    if kind == "date":
        if not _dated_where_named(_clause(question, match), texts):
            return "aucune date dans les passages qui nomment ce que demande la question"
        return None
    label = LABELS[kind]
    if not holds_value(kind, "\n".join(texts)):
        return f"{label} dans les passages"
    if kind == "rate":
        return None
    asked = set(tokenize(match.group(0)))
    if kind == "count":
        noun = asked_noun(match)
        # an elliptic follow-up (« et combien de sièges y a-t-il ? ») says its subject in the
        # previous turn: a count of the word it asks is enough
        same = 0.0 if follow_up else least
        if _in_focus(question, match, asked, lambda w: counts_word(w, noun), texts, vocab, same):
            return None
        least = least_other
    if not _in_focus(question, match, asked, lambda w: holds_value(kind, w), texts, vocab, least):
        return f"{label} à propos de ce que demande la question"
    return None


def _clause(question: str, match: re.Match) -> str:
    """The part of the question (between commas, colons or « et ») that holds ``match``."""
    cuts = [
        0,
        *(end for m in re.finditer(r"[,;:?]|\bet\b", question) for end in (m.start(), m.end())),
        len(question),
    ]
    pieces = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    return next((question[s:e] for s, e in pieces if s <= match.end() - 1 < e), question)


def _dated_where_named(clause: str, texts: list[str]) -> bool:
    """A question asking « jusqu'à quand … le dépôt des dossiers de subvention » whose subject the
    passages name (three of its words in a row, two of them distinctive) needs a date, other than
    a year the question gives, in one of the sentences that name it (``windows``): a calendar
    printed just below the sentence naming it may be about other steps. A subject the passages
    do not name this closely leaves the decision to coverage."""
    asked = tokenize(clause)
    years = set(YEAR.findall(clause))
    named = False
    for text in texts:
        for sentence, window in windows(text):
            if _names_subject(asked, tokenize(sentence)):
                named = True
                if any(d.group(0) not in years for d in DATE.finditer(window)):
                    return True
    return not named


def _names_subject(asked: list[str], tokens: list[str], length: int = 3) -> bool:
    """``length`` consecutive stems of the question, two of them not generic, in a row in ``tokens``."""
    runs = {tuple(tokens[i : i + length]) for i in range(len(tokens) - length + 1)}
    return any(
        tuple(asked[i : i + length]) in runs and sum(t not in GENERIC for t in asked[i : i + length]) >= 2
        for i in range(len(asked) - length + 1)
    )


def _in_focus(
    question: str, match: re.Match, asked: set[str], holds, texts: list[str], vocab: Vocabulary, least: float
) -> bool:
    """The value asked sits in a sentence about what the question asks: « combien d'écoles … en
    zone rurale » is not answered by « 40 écoles en centre-ville », nor « quel montant de la
    subvention » by « entrée gratuite ». A sentence for which ``holds`` is true is read with
    its passage's title and heading (the first two lines of each text), in its ``windows``
    reading, against the terms of the clause that asks (less ``asked``)."""
    terms = [t for t in content_terms(_clause(question, match)) if t not in asked | _VALUE_FILLER]
    total = sum(vocab.idf(t) for t in terms)
    if not total:
        return True
    for window, present in _read_windows(texts):
        if holds(window) and sum(vocab.idf(t) for t in terms if t in present) / total >= least:
            return True
    return False


def _read_windows(texts: list[str]):
    """(window, its terms with its passage's title and heading) for every sentence window of the
    texts (:func:`core.text.sentences.windows`; the first two lines of a text are its title and
    heading): how a value or an event is read in context."""
    for text in texts:
        context = set(tokenize(" ".join(text.split("\n", 2)[:2])))
        for _, window in windows(text):
            yield window, context | set(tokenize(window))
