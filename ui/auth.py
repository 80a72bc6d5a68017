"""Login for a shared deployment, and a gate that keeps every route behind it.

``ASSISTANT_AUTH`` (or ``--auth``) is either ``user:password`` or the path of a
file with one ``user:password`` per line (blank lines and ``#`` comments
ignored). Gradio's own login form and cookie are used; on top of them,
:class:`AuthGate` refuses (401) every request without a valid session cookie,
except the login page and the static assets it needs. Gradio protects most of
its API routes itself, but not all (heartbeat, stream, reset, cancel, run
history...): the gate closes those too. It also throttles the login form's POST
per client address (:class:`ui.throttle.LoginThrottle`): too many failures are
answered 429 with a ``Retry-After`` and a French message, before Gradio checks
the password.
"""

from __future__ import annotations

import hmac
import json
import re
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from ui.throttle import LoginThrottle, Verdict, client_address


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


_LOGIN_PATHS = ("/login", "/login/")
# A login form is a few hundred bytes; a bigger body is not buffered.
LOGIN_BODY_MAX = 16 * 1024


class AuthGate:
    """ASGI middleware: 401 for any request without a valid Gradio session cookie (when auth is on),
    and the login form's POST throttled per client address (``throttle``)."""

    def __init__(self, app, throttle: LoginThrottle, trusted_proxies: int = 0):
        self.app = app
        self.throttle = throttle
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        gradio_app = scope.get("app")
        if (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and scope.get("path") in _LOGIN_PATHS
            and getattr(gradio_app, "auth", None) is not None
        ):  # before the session check: a logged-in client must not guess other passwords at full speed
            return await self._login(scope, receive, send)
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
        await json_response(send, 401, {"detail": "Authentification requise : connectez-vous."})

    async def _login(self, scope, receive, send):
        """The login POST: refused at once while the address must wait, else Gradio checks it and the
        answer (200 or 400) is counted. Nothing waits in the event loop."""
        body = await _read_body(receive, LOGIN_BODY_MAX)
        if body is None:  # the client went away
            return
        if len(body) > LOGIN_BODY_MAX:
            await json_response(send, 413, {"detail": "Requête de connexion trop grande."})
            return
        address = client_address(scope, self.trusted_proxies)
        user = _form_username(scope, body)
        verdict = self.throttle.begin(address, user)
        if not verdict.allowed:
            await _refuse(send, verdict)
            return
        status = None

        async def watch(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, replay(body, receive), watch)
        finally:
            self.throttle.end(address, user, {200: True, 400: False}.get(status))


async def json_response(send, status: int, content: dict, headers=()):
    """Answer the request with ``content`` as JSON (UTF-8)."""
    body = json.dumps(content, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _refuse(send, verdict: Verdict):
    """429 with ``Retry-After`` (whole seconds) and the French message, also in ``detail``."""
    seconds = verdict.retry_after_header
    await json_response(
        send,
        429,
        {"detail": verdict.message, "retry_after": seconds, "locked": verdict.locked},
        [(b"retry-after", str(seconds).encode())],
    )


async def _read_body(receive, limit: int) -> bytes | None:
    """The request body, or its first ``limit + 1`` bytes when it is longer; None if the client left."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[: limit + 1]
        if not message.get("more_body"):
            return b"".join(chunks)


def replay(body: bytes, receive, more: bool = False):
    """A ``receive`` that gives the buffered body once (``more``: the client has more to send), then
    whatever the client sends."""
    sent = False

    async def wrapped():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return wrapped


_MULTIPART_USERNAME = re.compile(rb'name="username"\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)', re.I)


def _form_username(scope, body: bytes) -> str:
    """The user name of a login form, for the log only (nothing else of the form is kept): the browser
    sends multipart, ``gradio_client`` and curl send urlencoded."""
    content_type = b""
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            content_type = value.lower()
    try:
        if content_type.startswith(b"multipart/"):
            found = _MULTIPART_USERNAME.search(body)
            return found.group(1).decode("utf-8", "replace").strip() if found else ""
        values = parse_qs(body.decode("utf-8", "replace"), max_num_fields=20).get("username", [""])
        return values[0].strip()
    except ValueError:
        return ""


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
