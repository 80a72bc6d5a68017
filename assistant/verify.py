"""Citation verification: every claim of an answer is checked against the passage it cites.

Used for every answer, extractive or generated, in the chat and in the trainer's workspace. A
claim (a sentence of the answer) is supported by a passage when the passage holds enough of its
terms and states each of its dates and numbers in a sentence about the same thing. A claim keeps
the markers of the passages that support it, is re-pointed to the one that does, or is dropped.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from core.settings import Settings
from core.text import markers
from core.text.dates import DATE, find_dates
from core.text.instructions import addresses_assistant, strip_echoed_delimiters
from core.text.numbers import numbers_in, states_number, with_digits
from core.text.sentences import is_fragment, sentence_spans
from core.text.tokens import tokenize
from core.types import Citation, Passage


def split_claims(text: str) -> list[list[str]]:
    """Lines of an answer, each a list of sentences with the markers that end them.

    A marker written before the final stop (« ... 2024 [1]. ») is moved after it. A fragment
    (``is_fragment``) goes with the sentence it follows or opens, as in ``sentence_spans``.
    """
    lines = []
    for line in strip_echoed_delimiters(text).strip().splitlines():
        line = re.sub(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+", "- ", line)  # list items keep a dash, not a number
        parts = markers.split_after_markers(markers.move_before_stop(line.strip()))
        sentences: list[str] = []
        for i in range(0, len(parts), 2):
            sentence = (parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")).strip()
            if not sentence:
                continue
            if (
                sentences
                and not markers.MARKER.search(sentences[-1])
                and (is_fragment(markers.strip(sentence)) or is_fragment(sentences[-1]))
            ):
                sentences[-1] += " " + sentence  # « ... septembre 2016. 112 p. [1] » is one claim
            else:
                sentences.append(sentence)
        if sentences:
            lines.append(sentences)
    return lines


def support(claim: str, passage: Passage) -> float:
    """Share of the claim's terms that the passage (with its title) holds, in its sentences that
    inform (not those giving orders to an assistant)."""
    tokens = set(tokenize(markers.strip(claim)))
    if not tokens:
        return 0.0
    return len(tokens & _informing_tokens(passage.text, passage.title)) / len(tokens)


@lru_cache(maxsize=64)
def _informing_tokens(text: str, title: str) -> frozenset[str]:
    return frozenset(tokenize(" ".join([*_informing(text), title])))


def facts(claim: str) -> set[str]:
    """Dates and numbers a claim asserts, normalised (« 15 avril 2025 », « 1250 »; numbers
    written in words too: « douze » -> « 12 »)."""
    text = with_digits(markers.strip(claim).lower())
    return {" ".join(m.group(0).split()) for m in DATE.finditer(text)} | numbers_in(text)


_NEGATION = re.compile(
    r"\bn(?:e\b|['’])[^.;:]{0,40}?\b(?:pas|plus|jamais|guère|nullement|aucun\w*|rien|personne)\b"
    r"|\baucun\w*\b|\bni\b",
    re.I,
)
# « coprésidé par le préfet »: a participle or verb, « par », the one who does it
_AGENT = re.compile(
    r"\b([^\W\d_]{3,})\s+par\s+(?:l['’]|le\s|la\s|les\s|un\s|une\s|des\s|du\s)?([^\W\d_]{3,})", re.I
)


def negated(sentence: str) -> bool:
    """The sentence denies what it says (« ne … pas / plus / jamais », « aucun »)."""
    return bool(_NEGATION.search(sentence))


def states_claim(body: str, passage: Passage) -> bool:
    """The passage's sentence closest to the claim says it the same way: both deny or both affirm,
    and the one who acts (« … par le préfet ») is the one the passage names with that verb, in one
    sentence. « Le comité est coprésidé par les habitants » is not stated by « Il est coprésidé par
    le préfet. Les habitants participent aux groupes de travail. »"""
    sentences = _informing(passage.text)
    if not sentences:
        return True
    claim = set(tokenize(body))
    tokens = [set(tokenize(s)) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: len(claim & tokens[i]))
    if negated(body) != negated(sentences[best]):
        return False
    for verb, agent in _AGENT.findall(markers.strip(body)):
        pair = set(tokenize(f"{verb} {agent}"))
        if len(pair) == 2 and not any(pair <= t for t in tokens):
            return False
    return True


def _fact_in(fact: str, text: str) -> bool:
    """``text`` lower-cased with single spaces, numbers in digits; numbers compare without their
    thousands spaces, dates by the day (or month, or year) they name, in any of their French forms
    (« 31 août 2023 » is stated by « 31 08 2023 » and « 31/08/2023 », not « août 2023 »)."""
    if fact.isdigit():
        return states_number(fact, text)
    return fact in text or bool(_date_keys(fact) & _date_keys(text))


@lru_cache(maxsize=512)
def _date_keys(text: str) -> frozenset[tuple]:
    return frozenset(d.key for d in find_dates(text))


@lru_cache(maxsize=64)
def _informing(text: str) -> tuple[str, ...]:
    """A passage's sentences but those giving orders to an assistant; ``verify`` checks several
    claims against the same passages."""
    return tuple(text[s:e] for s, e in sentence_spans(text) if not addresses_assistant(text[s:e]))


def states_facts(body: str, found: set[str], passage: Passage, least: float) -> bool:
    """Every date and number of the claim is stated by the passage *about what the claim says*:
    in a sentence which, with its neighbours and the passage's title, holds at least ``least``
    of the claim's other terms. « Le forum des associations a lieu le 12 octobre » is not
    supported by « Les inscriptions ferment le 12 octobre » just because the passage holds that
    date somewhere. A number or date of the passage's own name or title (« décret n° 2011-628 du
    1er juin 2011 », « Programme régional 2025-2027 ») is the passage's identity: a claim naming its
    text (:func:`names_text`) states it."""
    if not found:
        return True
    if names_text(body, passage):
        own = with_digits(" ".join(f"{passage.name} {passage.title}".lower().split()))
        found = {fact for fact in found if not _fact_in(fact, own)}
    if not found:
        return True
    fact_tokens = set(tokenize(" ".join(found)))
    claim = set(tokenize(body)) - fact_tokens
    sentences = _informing(passage.text)  # the title's own dates: only through names_text above
    flat = [with_digits(" ".join(sentence.lower().split())) for sentence in sentences]
    head = set(tokenize(f"{passage.title} {passage.heading}"))
    for fact in found:
        for i, sentence in enumerate(flat):
            if not _fact_in(fact, sentence):
                continue
            window = head | set(tokenize(" ".join(sentences[max(0, i - 1) : i + 2])))
            if not claim or len(claim & window) / len(claim) >= least:
                break
        else:
            return False
    return True


def loops(body: str, fewest: int = 20, distinct: float = 0.3) -> bool:
    """A sentence that says the same words over and over (« les jardins partagés du quartier, les
    jardins partagés du quartier, … »): a small model caught in a loop. ``fewest`` terms or more,
    under ``distinct`` of them different. A list of distinct items is not one."""
    terms = tokenize(body)
    return len(terms) >= fewest and len(set(terms)) / len(terms) < distinct


def names_text(body: str, passage: Passage) -> bool:
    """The claim names the passage's text: the form of its legal name (« le décret … »), or half
    of its title's words besides dates and numbers (« le programme régional … »). A date of the
    title alone (a training day's « le 24 septembre 2024 ») does not make a claim about the text."""
    claim = set(tokenize(body))
    if set(tokenize(passage.name)[:1]) & claim:
        return True
    title = set(tokenize(with_digits(passage.title.lower()))) - set(tokenize(" ".join(facts(passage.title))))
    return bool(title) and len(title & claim) / len(title) >= 0.5


def verify(text: str, passages: list[Passage], settings: Settings) -> tuple[str, list[Citation]]:
    """Every sentence ends up cited by a passage that supports it, or is removed; renumber from [1].

    A passage supports a sentence when it holds at least ``settings.min_support`` of its terms,
    states every date and number it asserts (in words or digits) in a sentence about the same
    thing (:func:`states_facts`), and says it the same way: no negation added or dropped, the
    same actor for the same verb (:func:`states_claim`). The sentence keeps the markers of its
    supporting passages; if none of them does, it is re-pointed to the passage that does. A
    sentence that no passage supports (an invention of the model, or a fact taken from the
    wrong passage) is dropped, except very short connecting phrases without a fact, which are
    kept without a marker (a fragment such as « Oui. » before a sentence is part of it:
    :func:`split_claims`).
    """
    numbering: dict[tuple[int, int | None], int] = {}
    claims: dict[tuple[int, int | None], list[str]] = {}  # (passage number, page) -> the claims it supports

    def supported_by(body: str, n: int, found: set[str]) -> bool:
        passage = passages[n - 1]
        return (
            support(body, passage) >= settings.min_support
            and states_facts(body, found, passage, settings.fact_context_share)
            and states_claim(body, passage)
        )

    out_lines = []
    for line in split_claims(text):
        out = []
        for sentence in line:
            cited = {n for n in markers.cited(sentence) if 1 <= n <= len(passages)}
            body = markers.claim_text(sentence)
            if not body.strip(" -*•.0123456789") or loops(body):
                continue  # bare markers or list numbers; a small model's loop
            found = facts(body)
            supported = [n for n in sorted(cited) if supported_by(body, n, found)]
            if not supported:
                candidates = [n for n in range(1, len(passages) + 1) if supported_by(body, n, found)]
                if candidates:
                    supported = [max(candidates, key=lambda n: support(body, passages[n - 1]))]
                elif len(tokenize(body)) >= settings.min_claim_tokens or found:
                    continue  # a claim no passage supports
            keys = [(n, claim_page(body, passages[n - 1])) for n in supported]
            for key in keys:
                claims.setdefault(key, []).append(body)
            cites = "".join(f"[{numbering.setdefault(key, len(numbering) + 1)}]" for key in keys)
            out.append(f"{body} {cites}".rstrip() if cites else body)
        if out:
            out_lines.append(" ".join(out))
    citations = []
    for (n, page), new in sorted(numbering.items(), key=lambda x: x[1]):
        passage = passages[n - 1]
        passage = passage if page == passage.page else replace(passage, page=page)
        citations.append(
            Citation(id=new, passage=passage, spans=supporting_spans(passage.text, claims[(n, page)]))
        )
    return "\n".join(out_lines), citations


def claim_page(body: str, passage: Passage) -> int | None:
    """The page of the passage's sentence that states the claim: a passage over two pages is cited
    once per page its claims are on, each claim with the page that holds it (the passage's first
    page when no single sentence carries it)."""
    if not passage.page_starts:
        return passage.page
    spans = supporting_spans(passage.text, [body])
    return passage.page_at(spans[0][0]) if spans else passage.page


_CLAUSE_BREAK = re.compile(r"\s*[;:]\s+")


def supporting_spans(text: str, claims: list[str]) -> list[tuple[int, int]]:
    """The sentences of ``text`` that carry one of ``claims`` (most of its terms, and making up
    most of the sentence): what the sources panel highlights. A claim's clauses count too (cut at
    « ; » and « : »): a line made of a list's intro and items is carried by each of them, down to
    a one-word item (« la ludothèque »), though not by a one-word label opening it (« Calendrier »)."""
    targets = []
    for claim in filter(None, claims):
        first, *rest = (tokenize(clause) for clause in _CLAUSE_BREAK.split(claim))
        parts = [tokenize(claim), *([first] if len(first) >= 2 else []), *rest]
        targets += [set(tokens) for tokens in parts if tokens]
    spans = []
    for start, end in sentence_spans(text or ""):
        tokens = set(tokenize(text[start:end]))
        if tokens and any(
            t and len(tokens & t) >= 0.6 * len(t) and len(tokens & t) >= 0.5 * len(tokens) for t in targets
        ):
            spans.append((start, end))
    return spans


def cited_only(text: str) -> str:
    """A verified text less its sentences that carry no marker (a synthesis is cited throughout)."""
    kept = [" ".join(s for s in line if markers.MARKER.search(s)) for line in split_claims(text)]
    return "\n".join(line for line in kept if line.strip())
