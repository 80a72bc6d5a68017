"""Brute-force protection of the login (ui/throttle.py, hooked in ui/auth.py's AuthGate).

* ``LoginThrottle`` with a fake clock: free failures, growing delays, the lockout and its French
  message, a success resetting the address, the window, parallel attempts, bounded memory, threads;
  which address a request counts for (X-Forwarded-For believed only behind trusted proxies);
* the real server, the real ``/login`` route (Gradio's own check behind the gate), httpx clients
  bound to 127.0.0.1 and 127.0.0.2 (two machines): ten wrong passwords, then the right one refused
  (429, ``Retry-After``, French message) until the lockout is over, then accepted; a successful
  login of another client timed against a server without throttling; X-Forwarded-For ignored by
  default; the log lines (user and address, never the password); the message in the browser.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time

import httpx
import pytest
from conftest import SERVER_TIMEOUT_S

from core.settings import get_settings
from ui.throttle import LoginThrottle, client_address, french_duration

USER, PASSWORD = "formatrice", "m0t-de-passe-solide"
WRONG = "mauvais-mot-de-passe-42"
LOCKOUT_START = "Trop de tentatives de connexion depuis cette adresse : réessayez dans"
DELAY_START = "Trop d'échecs de connexion depuis cette adresse : réessayez dans"


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float):
        self.now += seconds


def attempt(throttle: LoginThrottle, address: str, success: bool, user: str = USER):
    """One login attempt as the gate makes it: the verdict, and the result if it was checked."""
    verdict = throttle.begin(address, user)
    if verdict.allowed:
        throttle.end(address, user, success)
    return verdict


# -- the throttle, with a fake clock ----------------------------------------------------------------
def test_default_policy_free_failures_then_doubling_delays_then_lockout():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)  # the defaults of core/settings.py
    ip = "203.0.113.7"
    for _ in range(3):  # free: no wait at all
        assert attempt(throttle, ip, False).allowed
    waits = []
    for _ in range(6):  # failures 4..9: each imposes a wait before the next attempt is even checked
        assert attempt(throttle, ip, False).allowed
        refused = throttle.begin(ip, USER)
        assert not refused.allowed and not refused.locked
        assert refused.message.startswith(DELAY_START)
        waits.append(refused.retry_after)
        clock.advance(refused.retry_after)
    assert waits == [1, 2, 4, 8, 16, 32]
    assert attempt(throttle, ip, False).allowed  # the 10th failure (63 s after the first)
    locked = throttle.begin(ip, USER)  # even the right password is not checked now
    assert not locked.allowed and locked.locked and locked.retry_after == 900
    assert locked.retry_after_header == 900
    assert locked.message == f"{LOCKOUT_START} 15 minutes."
    clock.advance(899)
    assert throttle.begin(ip, USER).message == f"{LOCKOUT_START} 1 seconde."
    clock.advance(1)
    assert attempt(throttle, ip, True).allowed  # over: the right password is checked and accepted
    assert len(throttle) == 0  # a success forgets the address


def test_a_success_resets_the_count_and_other_addresses_are_independent():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(5):
        attempt(throttle, "192.0.2.1", False)
        clock.advance(60)
    assert attempt(throttle, "192.0.2.2", True).allowed  # another address: untouched
    assert attempt(throttle, "192.0.2.1", True).allowed
    for _ in range(4):  # back to three free failures, then a first wait
        assert attempt(throttle, "192.0.2.1", False).allowed
    assert throttle.begin("192.0.2.1").retry_after == 1


def test_failures_older_than_the_window_are_forgotten():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, max_delay_s=5, window_s=100)
    for _ in range(20):  # one failure every 25 s: never more than 4 inside the window, never locked
        assert attempt(throttle, "192.0.2.9", False).allowed
        clock.advance(25)
    more = 0
    while not (verdict := throttle.begin("192.0.2.9")).locked:  # now as fast as allowed
        if verdict.allowed:
            throttle.end("192.0.2.9", success=False)
            more += 1
        else:
            clock.advance(verdict.retry_after)
    assert more == 7  # 3 still in the window (the 4th last is 100 s old now) + 7 = the lockout's 10


def test_parallel_attempts_do_not_get_past_the_free_failures():
    throttle = LoginThrottle(clock=FakeClock())
    # a burst: three attempts may be checked at once (the free ones), the fourth waits for them
    verdicts = [throttle.begin("198.51.100.1") for _ in range(6)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False, False]
    for _ in range(3):
        throttle.end("198.51.100.1", success=False)
    assert throttle.begin("198.51.100.1").allowed  # the 4th, alone
    assert not throttle.begin("198.51.100.1").allowed  # and not a 5th beside it
    throttle.end("198.51.100.1", success=None)  # no answer (client gone): not counted
    assert throttle.begin("198.51.100.1").allowed


def test_memory_is_bounded_and_expired_records_are_pruned():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, window_s=60, lockout_s=60, max_clients=100)
    for n in range(1000):
        attempt(throttle, f"10.0.{n // 256}.{n % 256}", False)
    assert len(throttle) == 100  # the least recently seen are dropped first
    clock.advance(61)
    attempt(throttle, "10.9.9.9", False)
    assert len(throttle) == 1  # everything older than the window and the lockout is gone


def test_the_throttle_is_thread_safe():
    throttle = LoginThrottle(free_failures=1000, max_failures=2000)
    barrier = threading.Barrier(8)

    def hammer(n):
        barrier.wait()
        for _ in range(200):
            attempt(throttle, f"10.1.0.{n % 2}", False)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 1600 failures over two addresses, none lost: 800 each, no attempt left pending
    records = throttle._records
    assert sorted(len(r.failures) for r in records.values()) == [800, 800]
    assert all(r.pending == 0 for r in records.values())


def test_disabled_throttle_and_durations():
    throttle = LoginThrottle(max_failures=0, clock=FakeClock())
    assert all(attempt(throttle, "10.0.0.1", False).allowed for _ in range(50))
    assert len(throttle) == 0
    assert french_duration(0.2) == "1 seconde"
    assert french_duration(2) == "2 secondes"
    assert french_duration(61) == "2 minutes"
    assert french_duration(900) == "15 minutes"


def test_settings_drive_the_throttle(monkeypatch):
    monkeypatch.setenv("ASSISTANT_LOGIN_LOCKOUT_S", "2")
    monkeypatch.setenv("ASSISTANT_LOGIN_FREE_FAILURES", "1")
    monkeypatch.setenv("ASSISTANT_TRUSTED_PROXIES", "1")
    settings = get_settings()
    throttle = LoginThrottle.from_settings(settings)
    assert (throttle.lockout_s, throttle.free_failures, throttle.max_failures) == (2, 1, 10)
    assert settings.trusted_proxies == 1


def scope(client="127.0.0.1", forwarded=None):
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded or []]
    return {"type": "http", "client": (client, 5555), "headers": headers}


def test_which_address_a_request_counts_for():
    spoofed = scope("192.0.2.10", ["1.2.3.4"])
    assert client_address(spoofed) == "192.0.2.10"  # default: the header is not believed
    behind_one = scope("127.0.0.1", ["6.6.6.6, 198.51.100.5"])  # the client wrote 6.6.6.6
    assert client_address(behind_one, trusted_proxies=1) == "198.51.100.5"
    assert client_address(scope("127.0.0.1", ["6.6.6.6", "198.51.100.5, 10.0.0.2"]), 2) == "198.51.100.5"
    assert client_address(scope("127.0.0.1", ["198.51.100.5"]), 2) == "127.0.0.1"  # too short
    assert client_address(scope("127.0.0.1", ["pas-une-adresse"]), 1) == "127.0.0.1"
    assert client_address(scope("127.0.0.1"), 1) == "127.0.0.1"
    # one IPv6 machine usually holds a whole /64: it counts as one client
    assert client_address(scope("2001:db8:1:2::5")) == client_address(scope("2001:db8:1:2:ffff::9"))
    assert client_address(scope("2001:db8:1:2::5")) == "2001:db8:1:2::/64"
    assert client_address(scope("::ffff:192.0.2.3")) == "192.0.2.3"


def test_log_lines_name_the_user_and_address_never_the_password(caplog):
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, free_failures=1, max_failures=3)
    with caplog.at_level(logging.INFO, logger="ui.throttle"):
        attempt(throttle, "192.0.2.77", False, user="alice")
        attempt(throttle, "192.0.2.77", False, user="alice")
        throttle.begin("192.0.2.77", "alice")  # too soon
        clock.advance(5)
        attempt(throttle, "192.0.2.77", False, user="bob\nFAKE login succeeded")  # -> locked
        for _ in range(6):  # a flood of refusals: one line, then silence for a minute
            throttle.begin("192.0.2.77", "alice")
        clock.advance(60)
        throttle.begin("192.0.2.77", "alice")  # a minute later: one line with the count
        clock.advance(1000)
        attempt(throttle, "192.0.2.77", True, user="alice")
    lines = [record.getMessage() for record in caplog.records if record.name == "ui.throttle"]
    assert len(lines) == 7, lines
    assert all("\n" not in line and "192.0.2.77" in line for line in lines)
    assert "failures=1" in lines[0] and "'alice'" in lines[0]
    assert "failures=2, next attempt in 1 s" in lines[1]
    assert "too soon" in lines[2]
    assert "'bob\\nFAKE login succeeded'" in lines[3] and "locked out for 900 s" in lines[3]
    assert "locked out, retry in 900 s" in lines[4] and "since the last line" not in lines[4]
    assert lines[5].endswith("locked out, retry in 840 s (6 refused since the last line)")
    assert lines[6] == "login succeeded: user='alice' address=192.0.2.77"


# -- the real server --------------------------------------------------------------------------------
def serve(seeds_assistant, **settings_update):
    """The seeds app behind a login, with the throttle made from these settings (ui.server does it)."""
    from assistant.pipeline import Assistant
    from ui.server import serve_in_background

    settings = seeds_assistant.settings.model_copy(update=settings_update)
    assistant = Assistant(settings, store=seeds_assistant.store, embed_model=seeds_assistant.embed_model)
    return serve_in_background(assistant, users=[(USER, PASSWORD)])


# Small values so that the test waits seconds, not minutes: half a second between failures past the
# third, a lockout of 3 s after ten.
FAST = {"login_delay_s": 0.5, "login_max_delay_s": 0.5, "login_lockout_s": 3.0}


@pytest.fixture(scope="module")
def throttled(seeds_assistant):
    demo, url = serve(seeds_assistant, **FAST)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def unthrottled(seeds_assistant):
    demo, url = serve(seeds_assistant, login_max_failures=0)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def behind_proxy(seeds_assistant):
    demo, url = serve(seeds_assistant, trusted_proxies=1, **FAST)
    yield url
    demo.close()


def client(url: str, source: str = "127.0.0.1") -> httpx.Client:
    """An HTTP client whose connections come from ``source`` (any 127.x address is this machine)."""
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=url, transport=transport, timeout=SERVER_TIMEOUT_S)


def login(http: httpx.Client, password: str, **headers) -> httpx.Response:
    return http.post("login", data={"username": USER, "password": password}, headers=headers)


def test_ten_failures_lock_the_address_out_then_the_right_password_works(throttled, caplog):
    caplog.set_level(logging.INFO, logger="ui.throttle")
    with client(throttled) as http:
        started = time.perf_counter()
        statuses = [login(http, WRONG).status_code for _ in range(4)]
        assert statuses == [400] * 4  # three free failures, and a fourth: all checked by Gradio
        early = login(http, WRONG)  # at once after the 4th: not even checked
        assert early.status_code == 429 and early.headers["retry-after"] == "1"
        assert early.json()["detail"] == f"{DELAY_START} 1 seconde."
        for _ in range(6):  # failures 5..10, each after the wait the server asked for
            time.sleep(FAST["login_delay_s"] + 0.05)
            assert login(http, WRONG).status_code == 400
        refused = login(http, PASSWORD)  # the 11th attempt, with the right password
        assert refused.status_code == 429, refused.text
        body = refused.json()
        assert body["locked"] and body["detail"].startswith(LOCKOUT_START), body
        assert body["detail"] in (f"{LOCKOUT_START} 3 secondes.", f"{LOCKOUT_START} 2 secondes.")
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 3 and "set-cookie" not in refused.headers
        # X-Forwarded-For is not believed by default (nor by uvicorn): a new value every time is no way out
        for n in range(3):
            assert login(http, PASSWORD, **{"X-Forwarded-For": f"10.0.0.{n}"}).status_code == 429
        time.sleep(retry_after)
        accepted = login(http, PASSWORD)
        elapsed = time.perf_counter() - started
        assert accepted.status_code == 200 and accepted.json() == {"success": True}
        assert http.get("config").status_code == 200  # the session cookie it set works
    print(f"\n10 wrong passwords, lockout (Retry-After: {retry_after}) and accepted login: {elapsed:.2f} s")
    lines = [r.getMessage() for r in caplog.records if r.name == "ui.throttle"]
    text = "\n".join(lines)
    assert PASSWORD not in text and WRONG not in text
    assert f"user='{USER}' address=127.0.0.1 failures=10, address locked out for 3 s" in text
    assert f"login succeeded: user='{USER}' address=127.0.0.1" in text
    assert len([line for line in lines if "login failed" in line]) == 10


def burst(url: str, source: str, n: int = 30) -> tuple[list[int], float]:
    with client(url, source) as http:
        started = time.perf_counter()
        statuses = [login(http, WRONG).status_code for _ in range(n)]
        return statuses, time.perf_counter() - started


def test_a_burst_of_wrong_passwords_gets_four_checked(throttled, unthrottled):
    """What a brute force gets: 30 wrong passwords sent as fast as possible, with and without."""
    before, before_s = burst(unthrottled, "127.0.0.3")
    assert before == [400] * 30  # without the throttle every guess is checked
    statuses, elapsed = burst(throttled, "127.0.0.3")
    assert statuses[:4] == [400] * 4 and set(statuses[4:]) == {429}, statuses
    time.sleep(FAST["login_delay_s"] + 0.05)
    with client(throttled, "127.0.0.3") as http:
        assert login(http, PASSWORD).status_code == 200  # the right one, after the wait
    print(
        f"\n30 wrong passwords: without the throttle {before_s:.2f} s, 30 checked; "
        f"with it {elapsed:.2f} s, {statuses.count(400)} checked, {statuses.count(429)} refused"
    )


def timed_logins(url: str, source: str, n: int = 7) -> list[float]:
    times = []
    with client(url, source) as http:
        login(http, PASSWORD)  # the connection opened: time the logins, not the handshake
        for _ in range(n):
            started = time.perf_counter()
            assert login(http, PASSWORD).status_code == 200
            times.append(time.perf_counter() - started)
    return times


def test_another_client_is_neither_blocked_nor_slowed(throttled, unthrottled):
    with client(throttled, "127.0.0.4") as attacker:
        for _ in range(4):
            login(attacker, WRONG)
        assert login(attacker, PASSWORD).status_code == 429  # the attacker's address waits...
        with client(throttled, "127.0.0.5") as other:
            assert login(other, WRONG).status_code == 400  # ...another is checked as usual
            assert login(other, PASSWORD).status_code == 200
    with_throttle = timed_logins(throttled, "127.0.0.6")
    without = timed_logins(unthrottled, "127.0.0.6")
    median_on, median_off = statistics.median(with_throttle), statistics.median(without)
    print(
        f"\nsuccessful login, median of 7: {median_on * 1000:.1f} ms throttled, {median_off * 1000:.1f} ms not"
    )
    # no wait is imposed on a success: far under the first delay (1 s by default), whatever the load
    assert max(with_throttle) < 0.5 and median_on < median_off + 0.1


def test_behind_a_trusted_proxy_the_forwarded_address_counts(behind_proxy):
    with client(behind_proxy) as proxy:  # one reverse proxy: the last X-Forwarded-For entry is the client
        for _ in range(4):
            login(proxy, WRONG, **{"X-Forwarded-For": "6.6.6.6, 198.51.100.20"})
        assert login(proxy, PASSWORD, **{"X-Forwarded-For": "7.7.7.7, 198.51.100.20"}).status_code == 429
        assert login(proxy, PASSWORD, **{"X-Forwarded-For": "198.51.100.21"}).status_code == 200


def test_the_login_page_shows_the_french_message(seeds_assistant, chromium_path):
    """Gradio's login form only reacts to 400; the page shows the 429's message above its button."""
    from selenium.webdriver.common.by import By
    from test_ui_browser import make_driver, save_screenshot, wait

    demo, url = serve(seeds_assistant, login_free_failures=0, login_delay_s=60, login_max_delay_s=60)
    driver = make_driver(chromium_path, size="1000,800")
    try:
        driver.get(url)
        boxes = wait(
            driver,
            lambda d: (
                [e for e in d.find_elements(By.CSS_SELECTOR, "input, textarea") if e.is_displayed()][:2]
                or None
            ),
        )
        user_box, password_box = boxes
        user_box.send_keys(USER)
        password_box.send_keys(WRONG)
        button = driver.find_element(By.CSS_SELECTOR, "button")
        button.click()  # a wrong password: Gradio's own message
        wait(driver, lambda d: "Identifiants incorrects" in d.find_element(By.TAG_NAME, "body").text or None)
        password_box = [
            e for e in driver.find_elements(By.CSS_SELECTOR, "input, textarea") if e.is_displayed()
        ][1]
        password_box.send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "button").click()  # too soon, even the right one: ours
        notice = wait(driver, lambda d: d.find_elements(By.ID, "login-throttle") or None)[0]
        assert notice.text == f"{DELAY_START} 1 minute.", notice.text
        save_screenshot(driver, "connexion_limitee.png")
    finally:
        driver.quit()
        demo.close()
