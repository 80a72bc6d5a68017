"""Follow-up questions rewritten as standalone questions, using bounded history."""
from __future__ import annotations

import re

from index.bm25 import tokenize
from prompts import load_prompt

_FOLLOW_UP = re.compile(r"^\s*(et|mais|alors|aussi|puis|ensuite|et pour|et en|qu'en est-il|quid)\b|"
                        r"\b(il|elle|ils|elles|ce|cet|cette|ces|cela|ça|celui|celle|ceux|leur|leurs|y|en)\b\s*\??\s*$",
                        re.I)


def trim_history(history: list[dict] | None, max_messages: int) -> list[dict]:
    """Keep the last ``max_messages`` user/assistant messages with text content."""
    kept = [m for m in (history or []) if m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)]
    return kept[-max_messages:] if max_messages > 0 else []


def needs_rewrite(question: str, history: list[dict]) -> bool:
    """A follow-up opens like one (« Et pour… ») or says too little to stand alone (« Quel est son rôle ? »).

    The length test counts every meaningful word, the domain's generic ones included: « Quel est
    le calendrier de signature des contrats de ville ? » has only two distinctive terms but is a
    complete question, and gluing the previous question onto it changes the answer.
    """
    if not any(m["role"] == "user" for m in history):
        return False
    return bool(_FOLLOW_UP.search(question)) or len(tokenize(question)) <= 2


def rule_rewrite(question: str, history: list[dict]) -> str:
    """Without an LLM: attach the previous question's subject to a short follow-up."""
    previous = next(m["content"] for m in reversed(history) if m["role"] == "user")
    follow = re.sub(r"^\s*(et|mais|alors)\s+", "", question.strip(), flags=re.I).rstrip(" ?")
    return f"{previous.strip().rstrip(' ?')} — {follow} ?"


def llm_rewrite(question: str, history: list[dict], backend) -> str:
    lines = [f"{'Utilisateur' if m['role'] == 'user' else 'Assistant'} : {m['content'][:400]}" for m in history]
    prompt = load_prompt("condense").format(history="\n".join(lines), question=question.strip())
    text = backend.complete([{"role": "user", "content": prompt}], max_tokens=80).strip()
    text = text.splitlines()[0].strip().strip('"«» ') if text else ""
    return text if 5 <= len(text) <= 400 else rule_rewrite(question, history)


def standalone_question(question: str, history: list[dict], backend=None) -> str:
    if not needs_rewrite(question, history):
        return question
    return llm_rewrite(question, history, backend) if backend is not None else rule_rewrite(question, history)
