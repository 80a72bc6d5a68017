"""Brute-force protection of the login: repeated failures from one address wait, then are locked out.

The policy (defaults in ``core/settings.py``, group ``ui``):

* the first ``login_free_failures`` (3) failures cost nothing: a typo must not slow anyone;
* from then on, after the n-th failure the next attempt is *not even checked* before
  ``login_delay_s × 2^(n - free - 1)`` seconds (1, 2, 4, 8, 16, 32 s, at most
  ``login_max_delay_s``): it is refused with HTTP 429 and a ``Retry-After``;
* ``login_max_failures`` (10) failures within ``login_window_s`` (15 min) lock the address out for
  ``login_lockout_s`` (15 min): every attempt, even with the right password, is refused;
* a success resets the address; failures older than the window are forgotten.

With the defaults an address gets at most 10 guesses in about 16 minutes (the delays add up to
63 s before the lockout), about 900 a day instead of thousands a second. Attempts running at the
same time count as failures until they end, so a burst of parallel requests does not get past the
free ones either. Nothing sleeps: a refused attempt is answered at once, which keeps the server's
event loop free for everybody else.

:class:`LoginThrottle` keeps one small record per address (at most ``max_clients``, the least
recently seen dropped first; expired ones pruned on each call), behind one lock, with an injectable
clock. Each event is one log line (logger ``ui.throttle``) with the user name and the address, never
the password; refused attempts, which cost an attacker nothing, are logged at most once a minute per
address, with their count. :func:`client_address` says which address a request counts for.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from core.settings import Settings

log = logging.getLogger(__name__)

DELAY_MESSAGE = "Trop d'échecs de connexion depuis cette adresse : réessayez dans {wait}."
LOCKOUT_MESSAGE = "Trop de tentatives de connexion depuis cette adresse : réessayez dans {wait}."
# A flood of refused attempts is logged as one line per address and minute, with how many there were.
REFUSAL_LOG_EVERY_S = 60.0


def french_duration(seconds: float) -> str:
    """``2 secondes``, ``1 minute``, ``15 minutes``: rounded up, seconds under a minute."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may be checked; if not, for how long to wait and why (French message)."""

    allowed: bool
    retry_after: float = 0.0
    locked: bool = False

    @property
    def retry_after_header(self) -> int:
        return max(1, math.ceil(self.retry_after))

    @property
    def message(self) -> str:
        template = LOCKOUT_MESSAGE if self.locked else DELAY_MESSAGE
        return template.format(wait=french_duration(self.retry_after))


ALLOWED = Verdict(True)


@dataclass
class _Record:
    failures: deque = field(default_factory=deque)  # times of the failures still inside the window
    pending: int = 0  # attempts being checked right now
    next_allowed: float = 0.0
    locked_until: float = 0.0
    seen: float = 0.0
    refused: int = 0  # refusals not logged yet
    refusal_logged: tuple = (None, -math.inf)  # (locked?, when) of the last refusal logged


# The policy's defaults are the settings' (core/settings.py, ASSISTANT_LOGIN_*).
_DEFAULTS = {name: field.default for name, field in Settings.model_fields.items()}


class LoginThrottle:
    """Failures per client address: free ones, then growing delays, then a lockout (see the module)."""

    def __init__(
        self,
        free_failures: int = _DEFAULTS["login_free_failures"],
        delay_s: float = _DEFAULTS["login_delay_s"],
        max_delay_s: float = _DEFAULTS["login_max_delay_s"],
        max_failures: int = _DEFAULTS["login_max_failures"],
        window_s: float = _DEFAULTS["login_window_s"],
        lockout_s: float = _DEFAULTS["login_lockout_s"],
        max_clients: int = 10_000,
        clock=time.monotonic,
    ):
        self.free_failures = max(0, int(free_failures))
        self.delay_s = max(0.0, float(delay_s))
        self.max_delay_s = max(0.0, float(max_delay_s))
        self.max_failures = max(0, int(max_failures))
        self.window_s = max(0.0, float(window_s))
        self.lockout_s = max(0.0, float(lockout_s))
        self.max_clients = max(1, int(max_clients))
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()  # least recently seen first
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings, **kwargs) -> LoginThrottle:
        return cls(
            free_failures=settings.login_free_failures,
            delay_s=settings.login_delay_s,
            max_delay_s=settings.login_max_delay_s,
            max_failures=settings.login_max_failures,
            window_s=settings.login_window_s,
            lockout_s=settings.login_lockout_s,
            **kwargs,
        )

    @property
    def enabled(self) -> bool:
        return self.max_failures > 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def delay_after(self, failures: int) -> float:
        """The wait imposed after the ``failures``-th failure (0 while it is a free one)."""
        if failures <= self.free_failures:
            return 0.0
        return min(self.max_delay_s, self.delay_s * 2.0 ** min(failures - self.free_failures - 1, 60))

    # -- an attempt: begin() before the password is checked, end() with what the check said ----------
    def begin(self, address: str, user: str = "") -> Verdict:
        """May this attempt be checked? If so it is counted as running until :meth:`end`."""
        if not self.enabled:
            return ALLOWED
        with self._lock:
            now = self.clock()
            self._prune(now)
            record = self._records.get(address)
            if record is None:
                record = self._records[address] = _Record()
            self._touch(address, record, now)
            verdict = self._verdict(record, now)
            refused = 0
            if verdict.allowed:
                record.pending += 1
            else:  # one line per address and minute at most (or when the reason changes), with a count
                record.refused += 1
                kind, when = record.refusal_logged
                if kind != verdict.locked or now - when >= REFUSAL_LOG_EVERY_S:
                    refused, record.refused = record.refused, 0
                    record.refusal_logged = (verdict.locked, now)
        if refused:
            log.warning(
                "login refused without checking: user=%s address=%s %s, retry in %d s%s",
                _shown(user),
                address,
                "locked out" if verdict.locked else "too soon after a failure",
                verdict.retry_after_header,
                f" ({refused} refused since the last line)" if refused > 1 else "",
            )
        return verdict

    def end(self, address: str, user: str = "", success: bool | None = None) -> None:
        """The result of an attempt :meth:`begin` allowed: True, False, or None (no answer: not counted)."""
        failures = 0
        if self.enabled:
            with self._lock:
                failures = self._record_end(address, success)
        who = f"user={_shown(user)} address={address}"
        if success is None:
            return
        if success:
            log.info("login succeeded: %s%s", who, f" after {failures} failure(s)" if failures else "")
        elif not self.enabled:
            log.warning("login failed: %s", who)
        elif failures >= self.max_failures:
            log.warning(
                "login failed: %s failures=%d, address locked out for %d s",
                who,
                failures,
                math.ceil(self.lockout_s),
            )
        else:
            wait = self.delay_after(failures)
            log.warning(
                "login failed: %s failures=%d%s",
                who,
                failures,
                f", next attempt in {wait:g} s" if wait else "",
            )

    def _record_end(self, address: str, success: bool | None) -> int:
        """Inside the lock: the failures of the address before a success, or counting this failure."""
        now = self.clock()
        record = self._records.get(address)
        if record is None:  # dropped meanwhile (max_clients): start again
            record = self._records[address] = _Record()
        record.pending = max(0, record.pending - 1)
        self._touch(address, record, now)
        if success is None:
            return 0
        self._forget_old(record, now)
        if success:
            failures = len(record.failures)
            if record.pending:
                record.failures.clear()
                record.next_allowed = record.locked_until = 0.0
            else:
                del self._records[address]
            return failures
        record.failures.append(now)
        failures = len(record.failures)
        if failures >= self.max_failures:
            record.locked_until = now + self.lockout_s
            record.failures.clear()
            record.next_allowed = 0.0
        else:
            record.next_allowed = now + self.delay_after(failures)
        return failures

    # -- inside the lock ---------------------------------------------------------------------------
    def _verdict(self, record: _Record, now: float) -> Verdict:
        if record.locked_until > now:
            return Verdict(False, record.locked_until - now, locked=True)
        if record.locked_until:  # the lockout is over: a fresh start
            record.locked_until = 0.0
            record.failures.clear()
            record.next_allowed = 0.0
        self._forget_old(record, now)
        if record.next_allowed > now:
            return Verdict(False, record.next_allowed - now)
        # attempts being checked count as failures until they end: no burst past the free ones
        if record.pending and len(record.failures) + record.pending >= self.free_failures:
            return Verdict(False, max(self.delay_after(len(record.failures) + record.pending), 1.0))
        return ALLOWED

    def _forget_old(self, record: _Record, now: float) -> None:
        while record.failures and record.failures[0] <= now - self.window_s:
            record.failures.popleft()

    def _touch(self, address: str, record: _Record, now: float) -> None:
        record.seen = now
        self._records.move_to_end(address)
        while len(self._records) > self.max_clients:
            self._records.popitem(last=False)

    def _prune(self, now: float) -> None:
        """Drop, least recently seen first, the records that no longer hold anything."""
        while self._records:
            address, record = next(iter(self._records.items()))
            if record.pending or record.locked_until > now or now - record.seen < self.window_s:
                break
            del self._records[address]


def _shown(user: str) -> str:
    """The user name as typed, quoted, on one line and at most 64 characters (it comes from the client)."""
    return repr(str(user or "")[:64])


def normalise_address(value: str) -> str | None:
    """An IP address as the key of its client (IPv6: its /64, which one machine usually holds whole);
    None when it is not an address."""
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


def client_address(scope, trusted_proxies: int = 0) -> str:
    """The address a request counts for: the connection's, or behind ``trusted_proxies`` reverse proxies
    the one the farthest of them saw (that many entries from the right of ``X-Forwarded-For``; the
    entries left of it are whatever the client wrote). Falls back to the connection's address."""
    client = scope.get("client") or ("", 0)
    connection = normalise_address(str(client[0])) or str(client[0] or "inconnue")[:64]
    if trusted_proxies <= 0:
        return connection
    values = [
        value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"x-forwarded-for"
    ]
    hops = [hop.strip() for hop in ",".join(values).split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return connection
    return normalise_address(hops[-trusted_proxies]) or connection
