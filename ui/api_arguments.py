"""The REST calls of the API (``POST /gradio_api/call/<name>``) take their optional values as optional.

Gradio refuses a call with fewer values than the function has parameters, with an English message
full of Python objects (« didn't receive enough input values … »). ``gradio_client`` always sends
every value; a script with ``curl`` need not: the missing optional values are sent as ``null``,
and a call with too many gets a French message naming the endpoint and what it takes.
"""

from __future__ import annotations

import json
import re

from ui.auth import json_response, replay

# endpoint -> (its parameters, how many are required)
ENDPOINTS = {"ask": (("question", "kinds", "year_min", "year_max"), 1), "chat": (("message", "history"), 1)}
_CALL = re.compile(r"/gradio_api/call/([\w-]+)/?$")
MAX_BODY = 1 << 20  # a question is at most a few kilobytes; larger bodies are passed on untouched


class OptionalArguments:
    """ASGI middleware: pads the ``data`` of a REST call to the API's full list of values."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        match = _CALL.search(scope.get("path", "")) if scope["type"] == "http" else None
        if not match or scope.get("method") != "POST" or match.group(1) not in ENDPOINTS:
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more and len(body) <= MAX_BODY:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        problem, body = _padded(match.group(1), body)
        if problem:
            return await json_response(send, 422, {"detail": problem})
        return await self.app(scope, replay(body, receive, more), send)


def _padded(name: str, body: bytes) -> tuple[str, bytes]:
    """(a French reason to refuse, or "") and the body with ``data`` padded with nulls."""
    params, required = ENDPOINTS[name]
    try:
        payload = json.loads(body)
    except ValueError:
        return "", body  # not JSON: Gradio answers it
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        return "", body
    if len(data) > len(params):
        return (
            f"/{name} prend au plus {len(params)} valeurs ({', '.join(params)}) ; {len(data)} reçues."
        ), body
    if len(data) < required:
        return f"/{name} attend au moins : {', '.join(params[:required])}.", body
    payload["data"] = data + [None] * (len(params) - len(data))
    return "", json.dumps(payload).encode("utf-8")
