"""Login for a shared deployment, and a gate that keeps every route behind it.

``ASSISTANT_AUTH`` (or ``--auth``) is either ``user:password`` or the path of a
file with one ``user:password`` per line (blank lines and ``#`` comments
ignored). Gradio's own login form and cookie are used; on top of them,
:class:`AuthGate` refuses (401) every request without a valid session cookie,
except the login page and the static assets it needs. Gradio protects most of
its API routes itself, but not all (heartbeat, stream, reset, cancel, run
history...): the gate closes those too.
"""

from __future__ import annotations

import hmac
import json
import re
from http.cookies import SimpleCookie
from pathlib import Path


class AuthConfigError(ValueError):
    """The message is for the user (French)."""


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """``user:password``, or a file of such lines -> [(user, password)]; None when unset."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    candidate = Path(value).expanduser()
    if ":" not in value or candidate.is_file():
        if not candidate.is_file():
            raise AuthConfigError(
                f"ASSISTANT_AUTH : ni « utilisateur:mot de passe », ni un fichier existant ({value})"
            )
        lines = candidate.read_text(encoding="utf-8").splitlines()
        source = str(candidate)
    else:
        lines, source = [value], "ASSISTANT_AUTH"
    users: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            raise AuthConfigError(f"{source}, ligne {number} : format attendu « utilisateur:mot de passe »")
        users[user.strip()] = password
    if not users:
        raise AuthConfigError(f"{source} : aucun utilisateur défini")
    return list(users.items())


def checker(users: list[tuple[str, str]]):
    """A constant-time ``(user, password) -> bool`` for Gradio's ``auth=``."""
    table = dict(users)

    def check(username: str, password: str) -> bool:
        expected = table.get((username or "").strip())
        given = (password or "").encode("utf-8")
        if expected is None:
            hmac.compare_digest(given, given)
            return False
        return hmac.compare_digest(given, expected.encode("utf-8"))

    return check


# Reachable without a session: the login page, the login form's POST, the assets the page loads,
# and the startup probe Gradio sends to itself. Everything else needs the cookie.
_PUBLIC_EXACT = {
    "/",
    "/login",
    "/login/",
    "/favicon.ico",
    "/theme.css",
    "/robots.txt",
    "/manifest.json",
    "/gradio_api/startup-events",
    "/gradio_api/theme.css",
    "/gradio_api/login_check",
    "/gradio_api/login_check/",
    "/config",
    "/config/",
    "/gradio_api/app_id",
    "/gradio_api/app_id/",
}
_PUBLIC_PREFIX = ("/assets/", "/static/", "/svelte/", "/gradio_api/static/", "/pwa_icon")
_API_INFO = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.S)


class AuthGate:
    """ASGI middleware: 401 for any request without a valid Gradio session cookie (when auth is on)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        gradio_app = scope.get("app")
        if getattr(gradio_app, "auth", None) is None or _authenticated(scope, gradio_app):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path in _PUBLIC_EXACT or path.startswith(_PUBLIC_PREFIX):
            if path == "/" and scope.get("method") == "GET":
                return await self.app(scope, receive, _strip_api_info(send))
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps(
            {"detail": "Authentification requise : connectez-vous."}, ensure_ascii=False
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _authenticated(scope, gradio_app) -> bool:
    cookie_id = getattr(gradio_app, "cookie_id", None)
    tokens = getattr(gradio_app, "tokens", {}) or {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                continue
            for key in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
                if key in jar and jar[key].value in tokens:
                    return True
    return False


def rewrite_html(send, transform):
    """An ASGI ``send`` that buffers an HTML response and sends ``transform(body)`` instead."""
    state = {"start": None, "chunks": []}

    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            if headers.get(b"content-type", b"").startswith(b"text/html"):
                state["start"] = message
                return
        elif state["start"] is not None and message["type"] == "http.response.body":
            state["chunks"].append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = transform(b"".join(state["chunks"]))
            start = state["start"]
            start["headers"] = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            start["headers"].append((b"content-length", str(len(body)).encode()))
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        await send(message)

    return wrapped


def _strip_api_info(send):
    """The login page must not describe the API to someone not logged in."""
    return rewrite_html(send, lambda body: _API_INFO.sub(b"window.gradio_api_info = null;</script>", body))
