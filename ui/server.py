"""Serving the app: French page, local fonts, login gate, upload cap; nothing fetched from outside.

``launch`` wraps ``Blocks.launch`` with the options this project always wants
(loopback by default, analytics/telemetry, share links, SSR, MCP, monitoring
and run history off) and four ASGI middlewares: :class:`ui.auth.AuthGate`
(when a login is configured; it also throttles the login, :mod:`ui.throttle`),
:class:`ui.pages.PageRoutes` (the page viewer's images and the indexed files),
:class:`FrenchPage`, which serves the page with ``lang="fr"`` and makes
Gradio's own interface strings French whatever the browser's language, and
:class:`ui.api_arguments.OptionalArguments` (REST calls may leave optional values out).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from core.settings import Settings
from ui.api_arguments import OptionalArguments
from ui.auth import AuthGate, checker, rewrite_html
from ui.pages import PageRoutes
from ui.throttle import LoginThrottle

CSS = """
#status-line { font-size: 0.95em; opacity: 0.9; }
.sources { font-size: 0.93em; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin: 0 0 10px 0;
            background: var(--background-fill-secondary); transition: box-shadow 0.3s; }
.src-card.flash { box-shadow: 0 0 0 3px var(--color-accent); }
.src-head { font-weight: 600; }
.src-num { color: var(--color-accent); margin-right: 4px; }
.src-meta { font-size: 0.85em; opacity: 0.8; }
.src-heading { font-size: 0.85em; font-style: italic; opacity: 0.8; }
.src-warning, .src-superseded { font-size: 0.85em; margin: 4px 0; padding: 4px 8px; border-left: 3px solid #b34700;
  background: rgba(179, 71, 0, 0.08); }
.src-text { margin: 6px 0 0 0; padding-left: 8px; border-left: 3px solid var(--border-color-accent);
            max-height: 22em; overflow-y: auto; position: relative; }
.src-text p, .ctx-text p { margin: 0 0 0.5em 0; }
.src-text .p-heading, .ctx-text .p-heading { margin-top: 0.6em; }
mark.cited { background: #fde68a; color: #1f2937; padding: 0 1px; border-radius: 2px; }
.src-page, .src-context { margin-top: 6px; font-size: 0.92em; }
.src-page summary, .src-context summary { cursor: pointer; color: var(--color-accent); font-weight: 600; }
.src-page img { display: block; width: 100%; height: auto; margin: 6px 0;
                border: 1px solid var(--border-color-primary); }
.ctx-text { max-height: 28em; overflow-y: auto; margin: 6px 0; padding: 4px 8px;
            border: 1px solid var(--border-color-primary); }
.ctx-around { color: var(--body-text-color-subdued); }
.ctx-passage { border-left: 3px solid var(--color-accent); padding-left: 6px; margin: 4px 0; }
.src-status, .src-empty { font-style: italic; opacity: 0.85; }
.src-question { font-weight: 600; margin-bottom: 6px; }
/* a bubble still being written (ui/render.py WRITING_MARK): no vote or copy button under it yet */
#chatbot .message-row:has(.writing) + .message-buttons { display: none; }
a.cite { font-weight: 600; text-decoration: none; cursor: pointer; padding: 0 1px; }
a.cite:hover { text-decoration: underline; }
.workspace .ws-date { font-weight: 600; white-space: nowrap; }
.workspace .ws-timeline li { margin-bottom: 4px; }
.workspace .ws-doc { margin-bottom: 14px; }
.ws-note, .ws-status { font-style: italic; }
/* a phone: the sources right after the conversation and the question box, then the rest */
@media (max-width: 768px) {
  #chat-row { flex-direction: column; }
  #chat-column { display: contents; }
  #chatbot { order: 1; }
  #ask-row { order: 2; }
  #chat-actions { order: 3; }
  #sources-column { order: 4; }
  #feedback { order: 5; }
  #export-file { order: 6; }
  #export-text-box { order: 7; }
  #chatbot { height: 60vh !important; }
}
.ws-draft { white-space: pre-wrap; color: var(--body-text-color-subdued); }
.workspace .ws-source { color: var(--body-text-color-subdued); font-size: 0.9em; }
"""

# Clicking a marker [n] (in the chat or in the workspace) brings its source into view and flashes it;
# a PDF's card opens the image of its page.
JS = """
() => {
  if (window.__citeHandler) return;
  window.__citeHandler = true;
  document.addEventListener('click', (event) => {
    const link = event.target && event.target.closest ? event.target.closest('a.cite') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const id = link.getAttribute('data-target') || (link.getAttribute('href') || '').replace(/^#/, '');
    const card = id ? document.getElementById(id) : null;
    if (!card) return;
    const folded = card.closest('details');
    if (folded) folded.open = true;
    const page = card.querySelector('details.src-page');  // a PDF's citation opens its page
    if (page) page.open = true;
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
    const box = card.querySelector('.src-text');
    const cited = card.querySelector('.src-text mark.cited');
    if (box && cited) box.scrollTop = Math.max(0, cited.offsetTop - 8);
    card.classList.remove('flash'); void card.offsetWidth; card.classList.add('flash');
    setTimeout(() => card.classList.remove('flash'), 2500);
  }, true);
  // a phone: the question box's autofocus would scroll the page past its title and open the keyboard
  if (window.matchMedia('(max-width: 768px)').matches) {
    let tries = 0, touched = false;  // once, and never after the user has touched the page
    ['pointerdown', 'keydown'].forEach((name) => document.addEventListener(name, () => { touched = true; },
      {once: true, capture: true}));
    const settle = setInterval(() => {
      const box = document.querySelector('#question textarea');
      const focused = box && document.activeElement === box;
      if (focused && !touched) { box.blur(); window.scrollTo(0, 0); }
      if (focused || touched || ++tries > 50) clearInterval(settle);
    }, 100);
  }
  // a passage opened in its context: the context box scrolls to the passage
  document.addEventListener('toggle', (event) => {
    const box = event.target && event.target.matches && event.target.matches('details.src-context[open]')
      ? event.target.querySelector('.ctx-text') : null;
    const passage = box ? box.querySelector('.ctx-passage') : null;
    if (passage) box.scrollTop = Math.max(0, passage.offsetTop - box.offsetTop - 8);
  }, true);
}
"""

# Runs before Gradio's scripts: its interface strings follow navigator.language (French translations ship with it).
FRENCH_LOCALE = (
    b"<script>(function(){try{"
    b"Object.defineProperty(navigator,'language',{get:function(){return 'fr-FR';}});"
    b"Object.defineProperty(navigator,'languages',{get:function(){return ['fr-FR','fr'];}});"
    b"}catch(e){}})();</script>"
)

# Gradio's login form shows a message for 400 (wrong password) only; a throttled attempt (429) would
# look like nothing happened. This shows the server's French message above the form's button.
LOGIN_NOTICE = (
    b"<script>(function(){try{var f=window.fetch;if(!f)return;"
    b"function note(t){var e=document.getElementById('login-throttle');"
    b"if(!t){if(e)e.remove();return;}"
    b"if(!e){e=document.createElement('p');e.id='login-throttle';e.setAttribute('role','alert');"
    b"e.style.cssText='color:var(--error-text-color,#b91c1c);font-weight:600;margin:8px 0;';"
    b"var b=document.querySelector('button');"
    b"if(b&&b.parentElement)b.parentElement.insertBefore(e,b);else document.body.prepend(e);}"
    b"e.textContent=t;}"
    b"window.fetch=function(input){var p=f.apply(this,arguments);var u='';"
    b"try{u=new URL(typeof input==='string'?input:(input&&input.url)||'',location.href).pathname;}catch(x){}"
    b"if(!/\\/login\\/?$/.test(u))return p;"
    b"return p.then(function(r){if(r.status===429){r.clone().json().then(function(j){note(j&&j.detail);})"
    b".catch(function(){});}else{note(null);}return r;});};"
    b"}catch(e){}})();</script>"
)


# Gradio's French translation lacks these (its chatbot's copy button said « Copy message »).
FRENCH_STRINGS = {
    "chatbot.copy_message": "Copier le message",
    "chatbot.copied_message": "Message copié",
    "chatbot.complete": "Terminé",
}


class FrenchPage:
    """ASGI middleware: the HTML page says lang="fr" and forces Gradio's French interface strings."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") not in ("/", ""):
            return await self.app(scope, receive, send)
        wrapped = rewrite_html(
            send,
            lambda body: body.replace(b'lang="en"', b'lang="fr"', 1).replace(
                b"<head>", b"<head>" + FRENCH_LOCALE + LOGIN_NOTICE, 1
            ),
        )
        return await self.app(scope, receive, wrapped)


def theme():
    # System fonts only: the default themes would load Google Fonts from the browser.
    # Darker shades than the theme's own where text sits on a colour: every text reaches the WCAG AA
    # contrast ratio (4.5:1) that axe-core checks (RGAA 4.1, criterion 3.2).
    return gr.themes.Soft(
        font=["system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    ).set(
        color_accent="*primary_700",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        block_label_text_color="*primary_800",
        block_title_text_color="*primary_800",
        body_text_color_subdued="*neutral_600",
    )


def launch(
    demo: gr.Blocks,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    users=None,
    block: bool = True,
    quiet: bool = False,
    store=None,
):
    """Start the server; returns (fastapi app, local url). ``users``: [(user, password)] or None (no login).
    ``store`` (the assistant's :class:`index.store.ChunkStore`): the page viewer's documents
    (:mod:`ui.pages`); without it, no page viewer.

    From ``settings``: the upload cap, the login throttle (``ASSISTANT_LOGIN_*``) and how many reverse
    proxies' ``X-Forwarded-For`` to believe (``ASSISTANT_TRUSTED_PROXIES``)."""
    middleware = [
        Middleware(
            AuthGate, throttle=LoginThrottle.from_settings(settings), trusted_proxies=settings.trusted_proxies
        ),
        Middleware(FrenchPage),
        Middleware(OptionalArguments),
    ]
    if store is not None:
        middleware.insert(1, Middleware(PageRoutes, store=store, cache_dir=Path(settings.data_dir) / "pages"))
    with _connection_address_only():
        app, url, _ = demo.launch(
            server_name=host,
            server_port=port,
            share=False,
            inbrowser=False,
            prevent_thread_lock=True,
            auth=checker(users) if users else None,
            auth_message="Connectez-vous pour accéder à l'assistant documentaire." if users else None,
            max_file_size=f"{int(settings.max_upload_mb)}mb",
            show_error=True,
            quiet=quiet,
            footer_links=["api"],
            run_history=False,
            ssr_mode=False,
            mcp_server=False,
            enable_monitoring=False,
            app_kwargs={"middleware": middleware, "docs_url": None, "redoc_url": None, "openapi_url": None},
            theme=theme(),
            i18n=gr.I18n(fr=FRENCH_STRINGS),
            css=CSS,
            js=JS,
            favicon_path=None,
        )
    if block:
        demo.block_thread()
    return app, url


@contextmanager
def _connection_address_only():
    """uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 and ::1 by default (``FORWARDED_ALLOW_IPS``):
    any local process could then pick the address its login failures count for. The server is started
    without that, so the address is the connection's unless ``ASSISTANT_TRUSTED_PROXIES`` says otherwise
    (:func:`ui.throttle.client_address`). uvicorn reads the variable once, when the server is made."""
    previous = os.environ.get("FORWARDED_ALLOW_IPS")
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("FORWARDED_ALLOW_IPS", None)
        else:
            os.environ["FORWARDED_ALLOW_IPS"] = previous


def free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def serve_in_background(
    assistant,
    users=None,
    host: str = "127.0.0.1",
    port: int | None = None,
    **build_kwargs,
):
    """Build and start the app without blocking (tests, benchmarks); returns (demo, url). Stop with demo.close().
    The server's settings (upload cap, login throttle) are ``assistant.settings``."""
    from ui.app import build_app

    demo = build_app(assistant, **build_kwargs)
    _, url = launch(
        demo,
        assistant.settings,
        host=host,
        port=port or free_port(host),
        users=users,
        block=False,
        quiet=True,
        store=assistant.store,
    )
    return demo, url
