"""Messages for a language model, built from the prompt files of ``prompts/`` (French).

Every prompt that shows passages to a model shows them the same way (``prompts/passage.txt``):
inside ``<extrait n="…">`` tags that a passage cannot close, with its own citation markers made
inert, so that a document cannot forge a citation or a system message.
"""

from __future__ import annotations

from core.text.clip import clip
from core.text.dates import french_date
from core.text.instructions import strip_template
from core.text.markers import neutralise
from core.types import Passage
from prompts import load_prompt

REFUSAL = load_prompt("refusal").strip()  # the one sentence of a refusal


TITLE_CHARS = 70  # a title beyond this is cut at a word: every prompt token costs the model ~20 ms


def attribute(text: str, limit: int = 120) -> str:
    """Text safe inside a prompt tag's attribute (no quote, no angle bracket), at most ``limit``
    characters, cut at a word (:func:`core.text.clip.clip`)."""
    return clip((text or "").replace('"', "'").replace("<", "‹").replace(">", "›"), limit)


def inert(text: str) -> str:
    """A passage's text as a prompt shows it: no chat-template token, it cannot close its own
    delimiter or forge citation markers."""
    return neutralise(strip_template(text or ""))


def passage_blocks(passages: list[Passage]) -> str:
    """The passages numbered from 1, each in its ``<extrait>`` block with what says where it comes
    from and when: the text's name (« Décret n° … du … ») when its title does not give it, its
    date, its page, and the note of a text that a newer indexed text modifies or abrogates."""
    template = load_prompt("passage")

    def field(name: str, value: str) -> str:
        return f' {name}="{attribute(value)}"' if value else ""

    def block(n: int, p: Passage) -> str:
        title = attribute(p.title, TITLE_CHARS)
        return template.format(
            n=n,
            title=title,
            identity=field("texte", p.name if p.name and attribute(p.name) not in title else ""),
            date=field("date", french_date(p.date)),
            page=f' page="{p.page}"' if p.page else "",
            status=field("statut", p.superseded),
            text=inert(p.text),
        ).strip()

    return "\n\n".join(block(n, p) for n, p in enumerate(passages, start=1))


def answer_messages(question: str, passages: list[Passage]) -> list[dict]:
    """The chat answer: system rules, then the passages and the question."""
    user = load_prompt("answer").format(passages=passage_blocks(passages), question=question.strip())
    return [{"role": "system", "content": load_prompt("system").strip()}, {"role": "user", "content": user}]


def condense_messages(question: str, history: list[dict]) -> list[dict]:
    """Rewrite a follow-up as a question that stands alone."""
    lines = [
        f"{'Utilisateur' if m['role'] == 'user' else 'Assistant'} : {m['content'][:400]}" for m in history
    ]
    prompt = load_prompt("condense").format(history="\n".join(lines), question=question.strip())
    return [{"role": "user", "content": prompt}]


def workspace_messages(theme: str, passages: list[Passage]) -> list[dict]:
    """A training session's synthesis and discussion questions on ``theme``."""
    user = load_prompt("workspace").format(passages=passage_blocks(passages), theme=theme)
    return [
        {"role": "system", "content": load_prompt("workspace_system").strip()},
        {"role": "user", "content": user.strip()},
    ]
