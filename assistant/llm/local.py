"""Local answer backend: the packaged GGUF run in-process by llama.cpp (xllamacpp).

``xllamacpp.Server(params)`` loads the model and runs llama.cpp's own server
loop in a background thread; ``handle_chat_completions(request_dict)`` goes
straight to the server's route handler (no HTTP), applies the model's
embedded chat template (ChatML for Qwen2.5) and returns an OpenAI-style dict.
With ``"stream": True`` it takes a callback, called once per OpenAI
``chat.completion.chunk`` dict as tokens are produced; the call blocks until
generation ends and releases the GIL meanwhile, and a callback returning True
stops generation. ``LocalBackend.stream`` runs that call in a worker thread and
hands the chunks over through a queue, so callers get a real token stream.

Prompt cache: one slot (``n_parallel = 1``) with ``cache_prompt`` on, so the
KV cache of the previous prompt is kept and the longest common prefix (the
fixed system prompt, and the history on a follow-up) is not recomputed.

Network: ``xllamacpp.Server`` always starts llama.cpp's HTTP listener too;
it cannot be turned off. It is bound to 127.0.0.1 on a random port, requires
a random per-process API key (in-process calls bypass the HTTP layer and need
none), and the slots/props/metrics endpoints and the web UI are off. The
constructor checks the address it actually got is loopback.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

from assistant.llm.base import BackendUnavailable, ChatBackend

log = logging.getLogger(__name__)

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_DONE = object()


class LocalGenerationError(RuntimeError):
    """llama.cpp rejected or failed a request (for example: prompt longer than n_ctx)."""


def _error_message(payload: dict) -> str | None:
    """The error text of an llama.cpp error payload, None for a normal payload."""
    err = payload.get("error")
    if isinstance(err, dict):
        return str(err.get("message") or err)
    if err:
        return str(err)
    if payload.get("type") == "server_error" or (
        isinstance(payload.get("code"), int) and payload["code"] >= 400
    ):
        return str(payload.get("message") or payload)
    return None


class LocalBackend(ChatBackend):
    """Chat backend on a GGUF model, loaded once, generation serialised by a lock."""

    name = "local"

    def __init__(
        self,
        model_path: Path | str,
        n_ctx: int = 4096,
        n_threads: int = 2,
        *,
        seed: int = 42,
        verbosity: int = 0,
        cache_ram_mib: int = 512,
        poll: int | None = None,
        configure: Callable[[object], None] | None = None,
    ) -> None:
        try:
            import xllamacpp as xlc
        except ImportError as exc:  # pragma: no cover - xllamacpp is a core dependency
            raise BackendUnavailable(
                "xllamacpp n'est pas installé / xllamacpp is not installed: pip install xllamacpp"
            ) from exc
        model_path = Path(model_path)
        if not model_path.is_file():
            raise BackendUnavailable(f"Modèle GGUF introuvable / GGUF model not found: {model_path}")

        self.model_path = model_path
        self.n_ctx = int(n_ctx)
        self.n_threads = int(n_threads)
        self.seed = int(seed)
        self._lock = threading.Lock()
        self._api_key = secrets.token_urlsafe(32)
        self.last_timings: dict | None = None
        self.last_pieces = 0
        self.last_usage: dict | None = None

        p = xlc.CommonParams()
        p.model.path = str(model_path)
        p.n_ctx = self.n_ctx
        p.n_parallel = 1  # one slot: its KV cache keeps the previous prompt's prefix
        p.cpuparams.n_threads = self.n_threads
        p.cpuparams_batch.n_threads = self.n_threads
        if poll is not None:  # threadpool busy-wait level 0..100 (llama.cpp default 50)
            p.cpuparams.poll = int(poll)
            p.cpuparams_batch.poll = int(poll)
        p.cache_prompt = True
        p.cache_ram_mib = int(cache_ram_mib)  # host-RAM prompt cache, bounded
        p.sampling.seed = self.seed
        p.sampling.temp = 0.0
        p.chat_template = ""  # "" = the template embedded in the GGUF (ChatML for Qwen2.5)
        p.use_jinja = True
        p.verbosity = int(verbosity)  # 0: quiet; 3: llama.cpp's info logs on stderr
        # The HTTP listener cannot be disabled: keep it loopback-only and locked.
        p.hostnames = ["127.0.0.1"]
        p.port = 0
        p.api_keys = [self._api_key]
        p.n_threads_http = 1
        p.endpoint_slots = False
        p.endpoint_props = False
        p.endpoint_metrics = False
        p.ui = False
        if configure is not None:  # trials of other llama.cpp options (scripts/probe_llm_options.py)
            configure(p)

        t0 = time.perf_counter()
        try:
            self._server = xlc.Server(p)
        except Exception as exc:
            raise BackendUnavailable(
                f"llama.cpp n'a pas pu charger le modèle / could not load the model {model_path}: {exc}"
            ) from exc
        self.load_seconds = time.perf_counter() - t0

        address = self._server.listening_address
        host = urlparse(address).hostname
        if host not in _LOOPBACK:
            self._server = None
            raise BackendUnavailable(
                f"llama.cpp listened on a non-loopback address ({address}); refusing to run"
            )
        self.base_url = address
        log.info(
            "local model %s loaded in %.1f s (n_ctx=%d, threads=%d)",
            model_path.name,
            self.load_seconds,
            self.n_ctx,
            self.n_threads,
        )

    # -- requests -------------------------------------------------------------

    def _request(self, messages: list[dict], max_tokens: int, temperature: float, stream: bool) -> dict:
        req = {
            "messages": messages,
            "max_tokens": int(max_tokens),
            "temperature": float(temperature),
            "seed": self.seed,
            "cache_prompt": True,
            "stream": stream,
        }
        if temperature <= 0:
            req["top_k"] = 1  # greedy: same prompt, same answer
        return req

    def _server_or_raise(self):
        server = self._server
        if server is None:
            raise BackendUnavailable("backend local fermé / local backend closed")
        return server

    def complete(self, messages: list[dict], *, max_tokens: int = 320, temperature: float = 0.0) -> str:
        with self._lock:
            result = self._server_or_raise().handle_chat_completions(
                self._request(messages, max_tokens, temperature, stream=False)
            )
        msg = _error_message(result)
        if msg:
            raise LocalGenerationError(msg)
        self.last_timings = result.get("timings")
        self.last_usage = result.get("usage")
        return result["choices"][0]["message"].get("content") or ""

    def stream(
        self, messages: list[dict], *, max_tokens: int = 320, temperature: float = 0.0
    ) -> Iterator[str]:
        """Yield text pieces as llama.cpp produces them (one piece is about one token).

        Closing the generator early stops the generation at the next token.
        """
        request = self._request(messages, max_tokens, temperature, stream=True)
        self.last_pieces = 0  # chunks (about tokens) llama.cpp produced: how far it went before it stopped
        chunks: queue.Queue = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: dict) -> bool:
            self.last_pieces += 1
            chunks.put(chunk)
            return stop.is_set()  # True tells llama.cpp to stop generating

        def run() -> None:
            try:
                with self._lock:
                    self._server_or_raise().handle_chat_completions(request, on_chunk)
            except BaseException as exc:  # handed to the consumer
                chunks.put(exc)
            finally:
                chunks.put(_DONE)

        worker = threading.Thread(target=run, name="llama-generate", daemon=True)
        worker.start()
        try:
            while True:
                item = chunks.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    if isinstance(item, (BackendUnavailable, LocalGenerationError)):
                        raise item
                    raise LocalGenerationError(str(item)) from item
                msg = _error_message(item)
                if msg:
                    raise LocalGenerationError(msg)
                if "timings" in item:
                    self.last_timings = item["timings"]
                if item.get("usage"):
                    self.last_usage = item["usage"]
                for choice in item.get("choices") or ():
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        yield piece
        finally:
            stop.set()
            worker.join()

    @property
    def busy(self) -> bool:
        """A generation is running (or waiting for the model)."""
        return self._lock.locked()

    def close(self) -> None:
        """Free the model (waits for a running generation)."""
        with self._lock:
            self._server = None


# -- one model per process ------------------------------------------------------

_factory_lock = threading.Lock()
_instance: tuple[tuple, LocalBackend] | None = None


def get_local_backend(settings=None) -> LocalBackend:
    """The process-wide LocalBackend for these settings, loaded on first use.

    Model: ``settings.llm_model_path`` if set, else the packaged GGUF assembled
    into ``settings.models_dir``. A call with a different model, context or
    thread count replaces (and frees) the previous instance.
    """
    global _instance
    if settings is None:
        from core.settings import get_settings

        settings = get_settings()
    with _factory_lock:
        if settings.llm_model_path:
            path = Path(settings.llm_model_path).expanduser()
            if not path.is_file():
                raise BackendUnavailable(f"Modèle GGUF introuvable / GGUF model not found: {path}")
        else:
            from assistant.llm.local_model import ensure_gguf

            path = ensure_gguf(settings.models_dir)
        key = (str(path.resolve()), int(settings.llm_ctx), int(settings.llm_threads))
        if _instance is not None and _instance[0] == key:
            return _instance[1]
        if _instance is not None:
            _instance[1].close()
            _instance = None
        backend = LocalBackend(path, n_ctx=settings.llm_ctx, n_threads=settings.llm_threads)
        _instance = (key, backend)
        return backend
